"""reservation holds, metering (usage), job interruptions, node events

Revision ID: 0002
Revises: 0001

Existing rows keep their values; new job columns get their defaults (no saved progress, no
interruptions, not inside a reservation). Usage is backfilled from what 0001 recorded: one row
per job that started (``started_at`` to ``ended_at``; open if still running) and one per
active reservation (its whole window). 0001 did not record when a reservation was cancelled, so
a cancelled one is backfilled as never metered.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reservations") as batch:
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("nodes", sa.JSON(), nullable=True))
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("reservation_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("progress_s", sa.Float(), server_default="0", nullable=False))
        batch.add_column(
            sa.Column("interruptions", sa.Integer(), server_default="0", nullable=False)
        )
    usage = op.create_table(
        "usage",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column("reservation_id", sa.String(length=32), nullable=True),
        sa.Column("accelerator", sa.String(length=32), nullable=False),
        sa.Column("accelerators", sa.BigInteger(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_usage_job_id"), "usage", ["job_id"], unique=False)
    op.create_index(op.f("ix_usage_tenant_id"), "usage", ["tenant_id"], unique=False)
    op.create_table(
        "node_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("node", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=128), nullable=False),
        sa.Column("up_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_node_events_node"), "node_events", ["node"], unique=False)

    bind = op.get_bind()
    jobs = sa.table(
        "jobs",
        sa.column("id", sa.String), sa.column("tenant_id", sa.String),
        sa.column("accelerator", sa.String), sa.column("accelerators", sa.BigInteger),
        sa.column("started_at", sa.DateTime(timezone=True)),
        sa.column("ended_at", sa.DateTime(timezone=True)),
    )  # fmt: skip
    reservations = sa.table(
        "reservations",
        sa.column("id", sa.String), sa.column("tenant_id", sa.String),
        sa.column("accelerator", sa.String), sa.column("accelerators", sa.BigInteger),
        sa.column("start_date", sa.Date), sa.column("end_date", sa.Date),
        sa.column("state", sa.String),
    )  # fmt: skip
    rows: list[dict[str, object]] = []
    for job in bind.execute(sa.select(jobs).where(jobs.c.started_at.is_not(None))):
        rows.append(
            {"tenant_id": job.tenant_id, "kind": "job", "job_id": job.id, "reservation_id": None,
             "accelerator": job.accelerator, "accelerators": job.accelerators,
             "start_at": job.started_at, "end_at": job.ended_at}
        )  # fmt: skip
    for res in bind.execute(sa.select(reservations)):
        start = _midnight(res.start_date)
        end = _midnight(res.end_date) if res.state == "active" else start
        rows.append(
            {"tenant_id": res.tenant_id, "kind": "reservation", "job_id": None,
             "reservation_id": res.id, "accelerator": res.accelerator,
             "accelerators": res.accelerators, "start_at": start, "end_at": end}
        )  # fmt: skip
    if rows:
        op.bulk_insert(usage, rows)


def _midnight(day: object) -> object:
    import datetime as dt

    assert isinstance(day, dt.date)
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def downgrade() -> None:
    op.drop_index(op.f("ix_node_events_node"), table_name="node_events")
    op.drop_table("node_events")
    op.drop_index(op.f("ix_usage_tenant_id"), table_name="usage")
    op.drop_index(op.f("ix_usage_job_id"), table_name="usage")
    op.drop_table("usage")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("interruptions")
        batch.drop_column("progress_s")
        batch.drop_column("reservation_id")
    with op.batch_alter_table("reservations") as batch:
        batch.drop_column("nodes")
        batch.drop_column("cancelled_at")
