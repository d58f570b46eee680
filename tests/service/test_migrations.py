"""Alembic: upgrading an empty database gives exactly the tables the models declare; upgrading
a database at the previous revision keeps its rows and gives new columns their defaults."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text

from gigawatt.fleet.topology import uniform_fleet
from gigawatt.service.app import create_app
from gigawatt.store.database import Database, alembic_config
from gigawatt.store.models import Base

HEAD = "0002"


def test_upgrade_from_empty_creates_every_table_and_matches_the_models(database_url: str) -> None:
    db = Database(database_url)
    db.upgrade()
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables and "alembic_version" in tables
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
            assert MigrationContext.configure(conn).get_current_revision() == HEAD
    finally:
        engine.dispose()
        db.dispose()


def test_upgrade_twice_is_a_no_op_and_downgrade_to_base_empties(database_url: str) -> None:
    db = Database(database_url)
    db.upgrade()
    db.upgrade()
    command.downgrade(alembic_config(database_url), "base")
    engine = create_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
        db.dispose()


ROWS_0001 = [
    "INSERT INTO tenants (id, name, token_hash, monthly_budget_usd, created_at) VALUES "
    "('t-0000000000000001', 'acme', :hash, 5000.0, '2026-05-01 00:00:00+00:00')",
    "INSERT INTO quotas (tenant_id, accelerator, accelerators) VALUES "
    "('t-0000000000000001', 'gb200', 32)",
    "INSERT INTO reservations (id, tenant_id, site, accelerator, accelerators, start_date, "
    "end_date, state, created_at) VALUES ('r-0000000000000001', 't-0000000000000001', 'tx-1', "
    "'gb200', 8, '2026-07-01', '2026-07-11', 'active', '2026-05-02 00:00:00+00:00')",
    "INSERT INTO jobs (id, tenant_id, name, accelerator, accelerators, priority, estimate_s, "
    "checkpoint_s, state, submitted_at, started_at, ended_at, placement) VALUES "
    "('j-0000000000000001', 't-0000000000000001', 'done', 'gb200', 4, 0, 3600.0, NULL, "
    "'completed', '2026-05-03 00:00:00+00:00', '2026-05-03 00:00:00+00:00', "
    "'2026-05-03 01:00:00+00:00', NULL)",
    "INSERT INTO jobs (id, tenant_id, name, accelerator, accelerators, priority, estimate_s, "
    "checkpoint_s, state, submitted_at, started_at, ended_at, placement) VALUES "
    "('j-0000000000000002', 't-0000000000000001', 'waits', 'gb200', 8, 1, 7200.0, 600.0, "
    "'queued', '2026-05-04 00:00:00+00:00', NULL, NULL, NULL)",
    "INSERT INTO job_events (job_id, state, at, reason) VALUES "
    "('j-0000000000000001', 'completed', '2026-05-03 01:00:00+00:00', 'estimate elapsed')",
]


def test_upgrade_from_0001_keeps_rows_and_defaults_new_columns(database_url: str) -> None:
    from gigawatt.service.control import hash_token

    command.upgrade(alembic_config(database_url), "0001")
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            for statement in ROWS_0001:
                conn.execute(text(statement), {"hash": hash_token("gw_old")})
        Database(database_url).upgrade()
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == HEAD
            jobs = conn.execute(
                text(
                    "SELECT id, state, estimate_s, progress_s, interruptions, reservation_id "
                    "FROM jobs ORDER BY seq"
                )
            ).all()
            assert [tuple(j) for j in jobs] == [
                ("j-0000000000000001", "completed", 3600.0, 0.0, 0, None),
                ("j-0000000000000002", "queued", 7200.0, 0.0, 0, None),
            ]
            reservation = conn.execute(
                text("SELECT state, accelerators, cancelled_at, nodes FROM reservations")
            ).one()
            assert tuple(reservation) == ("active", 8, None, None)
            assert conn.execute(text("SELECT count(*) FROM job_events")).scalar() == 1
            usage = conn.execute(
                text("SELECT kind, job_id, reservation_id, accelerators FROM usage ORDER BY id")
            ).all()
            # Backfilled: the job that ran, the reservation's window.
            assert [tuple(u) for u in usage] == [
                ("job", "j-0000000000000001", None, 4),
                ("reservation", None, "r-0000000000000001", 8),
            ]
    finally:
        engine.dispose()

    # The upgraded database serves: the old token works, the old rows are metered and listed.
    fleet = uniform_fleet(8, 4, 2, accelerator="gb200", site="tx-1")
    app = create_app(
        (fleet, dt.date(2026, 1, 1)), database_url, "adm",
        clock=lambda: dt.datetime(2026, 5, 20, tzinfo=dt.UTC),
        prices_usd_per_hour={"gb200": 10.0},
    )  # fmt: skip
    with TestClient(app) as client:
        acme = {"Authorization": "Bearer gw_old"}
        assert client.get("/v1/jobs", headers=acme).json()["total"] == 2
        usage = client.get("/v1/usage", params={"month": "2026-05"}, headers=acme).json()
        (mine,) = usage["tenants"]
        assert mine["accelerator_hours"] == 4.0 and mine["cost_usd"] == 40.0
        # The queued job started on upgrade start-up (capacity was free): committed now.
        waits = client.get("/v1/jobs/j-0000000000000002", headers=acme).json()
        assert waits["state"] == "running" and waits["progress_s"] == 0.0
        assert mine["committed_usd"] == 8 * 2 * 10.0
