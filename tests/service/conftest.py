"""Service tests run on SQLite always, and on PostgreSQL when GIGAWATT_TEST_DATABASE_URL is
set: then an unreachable server fails the run under CI=true and skips it locally."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from gigawatt.fleet.topology import Fleet, uniform_fleet
from gigawatt.service.app import create_app

TODAY = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
PROGRAM_START = dt.date(2026, 1, 1)
ADMIN = "admin-token-for-tests"


def small_fleet() -> Fleet:
    """8 nodes of 4 gb200 in domains of 2 nodes: 32 accelerators at site tx-1, online."""
    return uniform_fleet(8, 4, 2, halls=2, accelerator="gb200", site="tx-1")


def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def postgres_url_or_skip() -> str | None:
    url = os.environ.get("GIGAWATT_TEST_DATABASE_URL")
    if not url:
        return None
    try:
        reset_postgres(url)
    except Exception as exc:
        message = f"PostgreSQL at {url} unreachable: {exc.__class__.__name__}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return postgres_url_or_skip() or f"sqlite:///{tmp_path / 'serve.db'}"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    app = create_app((small_fleet(), PROGRAM_START), database_url, ADMIN, clock=lambda: TODAY)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def admin() -> dict[str, str]:
    """Headers of the admin."""
    return {"Authorization": f"Bearer {ADMIN}"}


@pytest.fixture
def make_tenant(client: TestClient, admin: dict[str, str]) -> Callable[..., dict[str, str]]:
    """Creates a tenant with a gb200 quota; returns its auth headers."""

    def make(name: str, gb200: int = 32) -> dict[str, str]:
        response = client.post(
            "/v1/admin/tenants", json={"name": name, "quotas": {"gb200": gb200}}, headers=admin
        )
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    return make
