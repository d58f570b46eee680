"""Alembic: upgrading an empty database gives exactly the tables the models declare."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from gigawatt.store.database import Database, alembic_config
from gigawatt.store.models import Base


def test_upgrade_from_empty_creates_every_table_and_matches_the_models(database_url: str) -> None:
    db = Database(database_url)
    db.upgrade()
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables and "alembic_version" in tables
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
            assert MigrationContext.configure(conn).get_current_revision() == "0001"
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
