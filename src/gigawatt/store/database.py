"""Engines, migrations and the one way to run a state change: `Database.transaction`.

SQLite: ``BEGIN IMMEDIATE`` takes the write lock at the start of the transaction, so two
transactions never read the same free capacity. PostgreSQL: the transaction locks the single
`SchedulerLock` row with ``SELECT ... FOR UPDATE`` first, which serializes scheduling
transactions across connections and processes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from gigawatt.store.models import SchedulerLock

DEFAULT_DATABASE_URL = "sqlite:///gigawatt-serve.db"
ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


def database_url_from_env(default: str = DEFAULT_DATABASE_URL) -> str:
    """``GIGAWATT_DATABASE_URL`` or the default SQLite file in the working directory."""
    return os.environ.get("GIGAWATT_DATABASE_URL", default)


def alembic_config(url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # Let SQLAlchemy, not the driver, issue BEGIN (pysqlite's own BEGIN is deferred).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")  # acknowledged means on disk
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn):  # type: ignore[no-untyped-def]
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


class Database:
    """An engine plus sessions; `transaction` is the only way the service writes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.is_sqlite = url.startswith("sqlite")

    def upgrade(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        config = alembic_config(self.url)
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        with self.sessions.begin() as session:
            if session.get(SchedulerLock, 1) is None:
                session.add(SchedulerLock(id=1))

    @contextmanager
    def transaction(self, lock: bool = True) -> Iterator[Session]:
        """A session in one transaction, committed on success, rolled back on error; with
        ``lock``, scheduling transactions run one at a time (see the module docstring)."""
        with self.sessions.begin() as session:
            if lock and not self.is_sqlite:
                session.execute(
                    select(SchedulerLock).where(SchedulerLock.id == 1).with_for_update()
                )
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
