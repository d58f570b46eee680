"""Metering: accelerator-hours and cost per job and per reservation from placement to end or
cancel (a reservation for its window, cut short by a cancel); budgets count used and committed
spend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gigawatt.fleet.topology import uniform_fleet
from gigawatt.service.app import create_app

ADMIN = {"Authorization": "Bearer adm"}
PRICE = 10.0  # USD per gb200-hour in these tests
H = 3600.0


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 6, 10, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, hours: float) -> None:
        self.now += dt.timedelta(hours=hours)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(database_url: str, clock: Clock) -> Iterator[TestClient]:
    fleet = uniform_fleet(8, 4, 2, accelerator="gb200", site="tx-1")
    app = create_app(
        (fleet, dt.date(2026, 1, 1)), database_url, "adm", clock=clock,
        prices_usd_per_hour={"gb200": PRICE}, tick_interval_s=0,
    )  # fmt: skip
    with TestClient(app) as test_client:
        yield test_client


def tenant(client: TestClient, name: str, budget: float | None = None) -> dict[str, str]:
    made = client.post(
        "/v1/admin/tenants",
        json={"name": name, "quotas": {"gb200": 32}, "monthly_budget_usd": budget},
        headers=ADMIN,
    )
    return {"Authorization": f"Bearer {made.json()['token']}"}


def submit(client: TestClient, who: dict[str, str], accelerators: int, hours: float) -> str:
    body = {"accelerator": "gb200", "accelerators": accelerators, "estimate_s": hours * H}
    response = client.post("/v1/jobs", json=body, headers=who)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def items(usage: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {i["id"]: i for t in usage["tenants"] for i in t["items"]}


def test_jobs_are_metered_from_placement_to_completion_or_cancel(
    client: TestClient, clock: Clock
) -> None:
    acme = tenant(client, "acme")
    done = submit(client, acme, 8, hours=2)
    cancelled = submit(client, acme, 4, hours=10)
    waiting = submit(client, acme, 32, hours=1)  # queued until both end
    clock.advance(3)  # `done` ended at 2 h exactly, on the clock, not at this read
    ended = client.get(f"/v1/jobs/{done}", headers=acme).json()
    assert ended["state"] == "completed"
    assert ended["ended_at"][:19] == "2026-06-10T02:00:00"
    client.post(f"/v1/jobs/{cancelled}/cancel", headers=acme)
    usage = client.get("/v1/usage", headers=acme).json()
    metered = items(usage)
    assert metered[done]["accelerator_hours"] == pytest.approx(8 * 2)
    assert metered[cancelled]["accelerator_hours"] == pytest.approx(4 * 3)
    assert metered[cancelled]["cost_usd"] == pytest.approx(4 * 3 * PRICE)
    # `waiting` started at the cancel (all 32 free): running, nothing used yet, all committed.
    assert metered[waiting]["running"] and metered[waiting]["accelerator_hours"] == 0
    (mine,) = usage["tenants"]
    assert mine["cost_usd"] == pytest.approx((16 + 12) * PRICE)
    assert mine["committed_usd"] == pytest.approx(32 * 1 * PRICE)
    # Another month has none of it; another tenant sees only its own.
    assert client.get("/v1/usage?month=2026-07", headers=acme).json()["tenants"][0]["items"] == []
    assert (
        client.get("/v1/usage", headers=tenant(client, "other")).json()["tenants"][0]["items"] == []
    )
    assert client.get("/v1/usage?month=2026-13", headers=acme).status_code == 422


def test_reservation_is_metered_for_its_window_and_pays_for_jobs_inside(
    client: TestClient, clock: Clock
) -> None:
    acme = tenant(client, "acme")
    body = {"accelerator": "gb200", "accelerators": 8, "site": "tx-1",
            "start_date": "2026-06-11", "days": 10}  # fmt: skip
    reservation = client.post("/v1/reservations", json=body, headers=acme).json()["id"]
    usage = client.get("/v1/usage", headers=acme).json()["tenants"][0]
    assert usage["cost_usd"] == 0 and usage["committed_usd"] == pytest.approx(8 * 240 * PRICE)
    clock.now = dt.datetime(2026, 6, 11, 6, tzinfo=dt.UTC)  # 6 h into the window
    inside = submit(client, acme, 8, hours=2)
    clock.advance(4)
    client.delete(f"/v1/reservations/{reservation}", headers=acme)  # cancelled 10 h in
    metered = items(client.get("/v1/usage", headers=acme).json())
    assert metered[reservation]["accelerator_hours"] == pytest.approx(8 * 10)
    assert metered[reservation]["cost_usd"] == pytest.approx(8 * 10 * PRICE)
    assert metered[inside]["reservation"] == reservation
    assert metered[inside]["accelerator_hours"] == pytest.approx(8 * 2)
    assert metered[inside]["cost_usd"] == 0  # the reservation paid for it
    admin = client.get("/v1/admin/usage", headers=ADMIN).json()
    assert [t["tenant"] for t in admin["tenants"]] == ["acme"]
    assert admin["prices_usd_per_hour"] == {"gb200": PRICE}


def test_budget_refuses_on_used_plus_committed_spend(client: TestClient, clock: Clock) -> None:
    thrifty = tenant(client, "thrifty", budget=1000)
    submit(client, thrifty, 8, hours=10)  # $800 committed
    clock.advance(5)  # $400 used, $400 committed
    over = client.post(
        "/v1/jobs", json={"accelerator": "gb200", "accelerators": 4, "estimate_s": 6 * H},
        headers=thrifty,
    )  # fmt: skip
    assert over.status_code == 409
    assert over.json()["detail"] == (
        "budget: this job's estimated $240 on top of $800 this month ($400 used, $400 "
        "committed) exceeds the monthly budget of $1,000"
    )
    submit(client, thrifty, 4, hours=5)  # $200: exactly the budget
    body = {"accelerator": "gb200", "accelerators": 4, "site": "tx-1",
            "start_date": "2026-06-30", "days": 2}  # fmt: skip
    refused = client.post("/v1/reservations", json=body, headers=thrifty)
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("budget: this reservation's $960 in 2026-06")
    # A day in July ($960) fits: it counts against July only.
    july = client.post(
        "/v1/reservations", json={**body, "start_date": "2026-07-01", "days": 1}, headers=thrifty
    )
    assert july.status_code == 201, july.text
