"""Every table of the service, in one module (SQLAlchemy 2 declarative models).

Job states (each change is one row in ``job_events``)::

    submitted --the queue policy's pass starts it--> running --estimate elapsed--> completed
        |                                            ^  |  \\--cancel--> cancelled
        v                                            |  \\--node failed, reservation ended, or
      queued --a later pass starts it----------------/      its nodes gone after a restart:
        \\--cancel--> cancelled                             back to queued (work since the
                                                            last checkpoint is lost)

Reservation states (while its window is on, the service holds whole nodes for it: other
tenants' jobs never run there; ``nodes`` records which)::

    active --window passed--> ended
       \\--cancel--> cancelled

Metering: each stretch a job holds accelerators (start to completion, cancel or interruption)
and each reservation's window (cut short by a cancel) is one ``usage`` row.

Tokens are stored as SHA-256 hex digests only; the plain token is shown once at creation.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JOB_STATES = ("queued", "running", "completed", "cancelled", "failed")
JOB_TERMINAL = ("completed", "cancelled", "failed")
RESERVATION_STATES = ("active", "ended", "cancelled")


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    """A customer of the GPU cloud."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Cost limit per calendar month in USD (None: no limit).
    monthly_budget_usd: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Quota(Base):
    """At most ``accelerators`` of ``accelerator`` held at once (running jobs plus reservations)."""

    __tablename__ = "quotas"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    accelerator: Mapped[str] = mapped_column(String(32), primary_key=True)
    accelerators: Mapped[int] = mapped_column(BigInteger)


class Reservation(Base):
    """Accelerators of one type at one site held for a tenant over [start_date, end_date)."""

    __tablename__ = "reservations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    site: Mapped[str] = mapped_column(String(64))
    accelerator: Mapped[str] = mapped_column(String(32))
    accelerators: Mapped[int] = mapped_column(BigInteger)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: When a tenant cancelled it (metering stops then); None otherwise.
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: Node indices held for it while its window is on (None before the window starts).
    nodes: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)


class Job(Base):
    """A gang job: all ``accelerators`` start together or not at all."""

    __tablename__ = "jobs"

    #: Submission order (pagination cursor and queue tie-break).
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    accelerator: Mapped[str] = mapped_column(String(32))
    accelerators: Mapped[int] = mapped_column(BigInteger)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    estimate_s: Mapped[float] = mapped_column(Float)
    checkpoint_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: Where it runs: {"nodes": [...], "counts": [...], "site": ..., "hall": ...}.
    placement: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    #: The tenant's reservation it runs inside (None: on shared capacity).
    reservation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: Work saved by checkpoints before interruptions, seconds (it resumes from there).
    progress_s: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    #: Times a node failure or a reservation's end interrupted it.
    interruptions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class JobEvent(Base):
    """One state change of a job (its history)."""

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(256), default="")


class Usage(Base):
    """One metered stretch: a job holding ``accelerators`` from ``start_at`` to ``end_at``
    (None: still running), or a reservation's window (``end_at`` moved to the cancel time on a
    cancel). A job inside a reservation has ``reservation_id`` set: the reservation pays."""

    __tablename__ = "usage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "job" or "reservation"
    job_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    reservation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    accelerator: Mapped[str] = mapped_column(String(32))
    accelerators: Mapped[int] = mapped_column(BigInteger)
    start_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    end_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class NodeEvent(Base):
    """A node going down (failure, with its cause) or coming back (repair), twin clock only."""

    __tablename__ = "node_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    node: Mapped[int] = mapped_column(Integer, index=True)
    state: Mapped[str] = mapped_column(String(8))  # "down" or "up"
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(128), default="")
    #: For a failure: when its repair is due (a restarted service keeps the node down until
    #: then); None for a repair or a failure that takes no capacity.
    up_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class IdempotencyKey(Base):
    """A tenant's ``Idempotency-Key`` header and the job its first submit created."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    key: Mapped[str] = mapped_column(String(128))
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"))


class SchedulerLock(Base):
    """One row; every scheduling transaction locks it first (``SELECT ... FOR UPDATE``) so
    concurrent submissions serialize on PostgreSQL as they do on SQLite (BEGIN IMMEDIATE)."""

    __tablename__ = "scheduler_lock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
