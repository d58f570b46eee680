"""The live dashboard of `gigawatt serve` in real headless Chromium: the admin signs in, a job
submitted through the API shows on the page within 5 s, the tenant filter narrows the view, a
tenant's token sees only its own jobs; no console errors; screenshots into tests/artifacts/."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gigawatt.report.dashboard_charts import (
    CAPACITY_TITLE,
    FLEET_TITLE,
    QUEUE_TITLE,
    RESERVATIONS_TITLE,
    USAGE_TITLE,
    UTILIZATION_TITLE,
)

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "anthropic-fluidstack-2026.yaml"
ADMIN = "admin-token-for-browser-tests"
TITLES = (FLEET_TITLE, CAPACITY_TITLE, UTILIZATION_TITLE, QUEUE_TITLE, USAGE_TITLE,
          RESERVATIONS_TITLE)  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[str]:
    """`uvicorn` serving the demo scenario's fleet (over a million accelerators) with Llama 3's
    failure model on a twin clock at 600x, so node failures show up while the test runs."""
    port = _free_port()
    database = tmp_path_factory.mktemp("dashboard") / "serve.db"
    env = {
        **os.environ,
        "GIGAWATT_SCENARIO": str(SCENARIO),
        "GIGAWATT_DATABASE_URL": f"sqlite:///{database}",
        "GIGAWATT_ADMIN_TOKEN": ADMIN,
        "GIGAWATT_FAILURES": "llama3-2024",
        "GIGAWATT_SPEED": "600",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "gigawatt.service.app:app_from_env",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        raise AssertionError("server did not start")
    yield url
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def tenants(server: str) -> dict[str, str]:
    """Two tenants with quota on the accelerator type with the most online now: name ->
    token; plus "_type" -> that type."""
    admin = {"Authorization": f"Bearer {ADMIN}"}
    capacity = httpx.get(f"{server}/v1/fleet/capacity", timeout=30).json()
    accelerator = max(capacity, key=lambda c: c["free"])["accelerator"]
    out = {"_type": accelerator}
    for name in ("acme", "globex"):
        response = httpx.post(
            f"{server}/v1/admin/tenants",
            json={"name": name, "quotas": {accelerator: 100_000}},
            headers=admin,
            timeout=30,
        )
        assert response.status_code == 201, response.text
        out[name] = response.json()["token"]
    # acme holds 64 accelerators for a week from tomorrow (on the twin clock): the calendar.
    site = next(r["site"] for r in _sites(server) if r["accelerator"] == accelerator)
    tomorrow = httpx.get(f"{server}/v1/metrics", headers={"Authorization": f"Bearer {out['acme']}"},
                         timeout=30).json()["at"][:10]  # fmt: skip
    start = (dt.date.fromisoformat(tomorrow) + dt.timedelta(days=1)).isoformat()
    response = httpx.post(
        f"{server}/v1/reservations",
        json={"accelerator": accelerator, "accelerators": 64, "site": site, "start_date": start,
              "days": 7},
        headers={"Authorization": f"Bearer {out['acme']}"},
        timeout=30,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return out


def _sites(server: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{server}/v1/dashboard", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30
    )
    rows: list[dict[str, Any]] = response.json()["state"]["sites"]
    return sorted(rows, key=lambda r: -r["online"])


def _submit(server: str, token: str, accelerator: str, name: str) -> str:
    response = httpx.post(
        f"{server}/v1/jobs",
        json={"name": name, "accelerator": accelerator, "accelerators": 64, "estimate_s": 86_400},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    job: str = response.json()["id"]
    return job


def _sign_in(tab: Any, server: str, token: str) -> float:
    started = time.perf_counter()
    tab.goto(f"{server}/")
    tab.fill("#token", token)
    tab.click("#login button[type=submit]")
    tab.wait_for_function(
        "() => document.querySelectorAll('.chart svg.main-svg').length >= 6", timeout=30_000
    )
    return time.perf_counter() - started


def _job_rows(tab: Any) -> list[str]:
    ids: list[str] = tab.eval_on_selector_all(
        "#jobs tbody tr", "rows => rows.map(r => r.dataset.job)"
    )
    return ids


def test_admin_sees_a_new_job_within_5_s_and_filters_by_tenant(
    page: tuple[Any, Any], server: str, tenants: dict[str, str], artifacts: Path
) -> None:
    tab, log = page
    _sign_in(tab, server, ADMIN)
    titles = tab.eval_on_selector_all(".chart .gtitle", "els => els.map(e => e.textContent)")
    assert sorted(titles) == sorted(TITLES)
    assert "admin" in tab.inner_text("#status")

    other = _submit(server, tenants["globex"], tenants["_type"], "globex-eval")
    submitted = time.perf_counter()
    job = _submit(server, tenants["acme"], tenants["_type"], "acme-pretrain")
    tab.wait_for_selector(f"#jobs tr[data-job='{job}']", timeout=5_000)
    assert time.perf_counter() - submitted < 5.0
    assert other in _job_rows(tab)

    tab.click("#tenant-filter button[data-tenant='acme']")
    tab.wait_for_function(
        f"() => !document.querySelector(\"#jobs tr[data-job='{other}']\")", timeout=5_000
    )
    assert job in _job_rows(tab)
    assert "active" in (
        tab.get_attribute("#tenant-filter button[data-tenant='acme']", "class") or ""
    )
    # The usage chart now holds acme's bar only.
    usage_x = tab.evaluate("() => document.getElementById('chart-usage').data[0].x")
    assert list(usage_x) == ["acme"]
    calendar = tab.evaluate("() => document.getElementById('chart-reservations').data[0].y")
    assert calendar[0].startswith("acme ")
    tab.screenshot(path=str(artifacts / "dashboard-admin-acme.png"), full_page=True)
    assert log.errors == []


def test_a_tenant_token_sees_only_its_own_jobs(
    page: tuple[Any, Any], server: str, tenants: dict[str, str], artifacts: Path
) -> None:
    tab, log = page
    mine = _submit(server, tenants["globex"], tenants["_type"], "globex-serve")
    theirs = _submit(server, tenants["acme"], tenants["_type"], "acme-sft")
    _sign_in(tab, server, tenants["globex"])
    tab.wait_for_selector(f"#jobs tr[data-job='{mine}']", timeout=5_000)
    rows = _job_rows(tab)
    assert theirs not in rows
    assert tab.eval_on_selector_all(
        "#jobs tbody tr td:nth-child(2)", "c => c.map(x => x.textContent)"
    )
    assert set(tab.eval_on_selector_all("#jobs tbody tr td:nth-child(2)",
                                        "c => c.map(x => x.textContent)")) == {"globex"}  # fmt: skip
    assert tab.locator("#tenant-filter button").count() == 0
    # acme's reservation is not globex's business.
    calendar = tab.evaluate("() => document.getElementById('chart-reservations').data[0].y")
    assert list(calendar) == ["(no reservations)"]
    assert "tenant globex" in tab.inner_text("#status")
    # The token lives in sessionStorage: a reload stays signed in.
    tab.reload()
    tab.wait_for_selector(f"#jobs tr[data-job='{mine}']", timeout=10_000)
    tab.screenshot(path=str(artifacts / "dashboard-tenant.png"), full_page=True)
    assert log.errors == []


def test_a_wrong_token_gets_one_clear_message(page: tuple[Any, Any], server: str) -> None:
    tab, log = page
    tab.goto(f"{server}/")
    tab.fill("#token", "not-a-token")
    tab.click("#login button[type=submit]")
    tab.wait_for_function("() => document.getElementById('login-error').textContent", timeout=5_000)
    assert "not valid" in tab.inner_text("#login-error")
    assert tab.is_visible("#login") and not tab.is_visible("#dashboard")
    # The 401 itself shows as a failed resource load in the console; nothing else may.
    assert all("401" in e for e in log.errors), log.errors
