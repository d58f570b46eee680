"""Service tests run on SQLite always, and on PostgreSQL when GIGAWATT_TEST_DATABASE_URL is
set: then an unreachable server fails the run under CI=true and skips it locally."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from gigawatt.fleet.topology import Fleet, uniform_fleet
from gigawatt.service.app import create_app

TODAY = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
PROGRAM_START = dt.date(2026, 1, 1)
ADMIN = "admin-token-for-tests"
SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "anthropic-fluidstack-2026.yaml"


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GIGAWATT_SCENARIO": str(SCENARIO),
        "GIGAWATT_DATABASE_URL": database_url,
        "GIGAWATT_ADMIN_TOKEN": ADMIN,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "gigawatt.service.app:app_from_env",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("server did not start")


@pytest.fixture
def port() -> int:
    """A free TCP port on loopback."""
    return _free_port()


@pytest.fixture
def start_server() -> Callable[[str, int], subprocess.Popen[bytes]]:
    """Starts ``uvicorn`` serving the demo scenario as a subprocess; returns once healthy.
    The admin token is ``ADMIN``."""
    return _start_server


@pytest.fixture
def admin_token() -> str:
    return ADMIN
