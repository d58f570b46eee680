"""Reservations hold whole nodes inside their window: other tenants' jobs never run there, the
owner's jobs use them first, jobs still on them are preempted when the window opens, and the
owner's jobs are requeued when it closes. Concurrent submits never break a hold. The rules are
the scheduling engine's (`gigawatt.sched.reservations`), the same the twin replays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from gigawatt.fleet.topology import uniform_fleet
from gigawatt.service.app import create_app

Headers = dict[str, str]
ADMIN = {"Authorization": "Bearer adm"}


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(database_url: str, clock: Clock) -> Iterator[TestClient]:
    """8 nodes x 4 gb200 (32) at tx-1, the clock moved by the test, no background ticks."""
    fleet = uniform_fleet(8, 4, 2, halls=2, accelerator="gb200", site="tx-1")
    app = create_app(
        (fleet, dt.date(2026, 1, 1)), database_url, "adm", clock=clock, tick_interval_s=0
    )
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def tenant(client: TestClient) -> Callable[[str], Headers]:
    def make(name: str) -> Headers:
        made = client.post(
            "/v1/admin/tenants", json={"name": name, "quotas": {"gb200": 32}}, headers=ADMIN
        )
        return {"Authorization": f"Bearer {made.json()['token']}"}

    return make


def submit(client: TestClient, who: Headers, accelerators: int, **extra: object) -> dict:  # type: ignore[type-arg]
    body = {"accelerator": "gb200", "accelerators": accelerators, "estimate_s": 30 * 86_400.0}
    response = client.post("/v1/jobs", json={**body, **extra}, headers=who)
    assert response.status_code == 201, response.text
    return dict(response.json())


def reserve(client: TestClient, who: Headers, accelerators: int, start: str, days: int) -> str:
    body = {"accelerator": "gb200", "accelerators": accelerators, "site": "tx-1",
            "start_date": start, "days": days}  # fmt: skip
    response = client.post("/v1/reservations", json=body, headers=who)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def held_nodes(client: TestClient) -> dict[int, str]:
    nodes = client.get("/v1/fleet/nodes").json()["nodes"]
    return {n["node"]: n["reservation"] for n in nodes if n["reservation"]}


def capacity(client: TestClient) -> dict:  # type: ignore[type-arg]
    return dict(client.get("/v1/fleet/capacity").json()[0])


def test_window_opening_preempts_shared_jobs_and_holds_nodes_from_other_tenants(
    client: TestClient, clock: Clock, tenant: Callable[[str], Headers]
) -> None:
    acme, other = tenant("acme"), tenant("other")
    big = submit(client, other, 32, priority=0)  # runs before the reservation exists
    assert big["state"] == "running"
    reservation = reserve(client, acme, 16, "2026-06-02", 10)
    assert held_nodes(client) == {}  # window not open yet: nothing held
    # Before the window, a job that would run into it is kept off its nodes.
    late = submit(client, acme, 4)
    assert late["state"] == "queued"
    client.post(f"/v1/jobs/{late['id']}/cancel", headers=acme)

    clock.now = dt.datetime(2026, 6, 2, 0, 0, 1, tzinfo=dt.UTC)
    preempted = client.get(f"/v1/jobs/{big['id']}", headers=other).json()
    assert preempted["state"] == "queued" and preempted["interruptions"] == 1
    assert preempted["history"][-1]["reason"] == f"requeued: preempted by reservation {reservation}"
    held = held_nodes(client)
    assert set(held.values()) == {reservation} and len(held) == 4  # 16 / 4 per node
    assert capacity(client) | {"total": 0} == {
        "accelerator": "gb200", "total": 0, "online": 32, "free": 32, "running_jobs": 0,
        "reserved": 16, "reserved_free": 16,
    }  # fmt: skip
    client.post(f"/v1/jobs/{big['id']}/cancel", headers=other)

    # Another tenant gets the 16 shared accelerators, never the held ones.
    shared = submit(client, other, 16)
    assert shared["state"] == "running" and shared["reservation"] is None
    assert not set(shared["placement"]["nodes"]) & set(held)
    assert submit(client, other, 4)["state"] == "queued"  # only held capacity is free
    # The owner's job goes inside its reservation.
    mine = submit(client, acme, 16)
    assert mine["state"] == "running" and mine["reservation"] == reservation
    assert set(mine["placement"]["nodes"]) == set(held)
    assert mine["history"][-1]["reason"] == f"placed in reservation {reservation}"

    # The window closes: the owner's job is interrupted, the nodes go back to everyone.
    clock.now = dt.datetime(2026, 6, 12, 0, 0, 1, tzinfo=dt.UTC)
    after = client.get(f"/v1/jobs/{mine['id']}", headers=acme).json()
    reasons = [e["reason"] for e in after["history"]]
    assert f"requeued: reservation {reservation} ended" in reasons
    assert client.get(f"/v1/reservations/{reservation}", headers=acme).json()["state"] == "ended"
    assert held_nodes(client) == {}
    assert capacity(client)["reserved"] == 0
    states = [j["state"] for j in client.get("/v1/jobs", headers=other).json()["jobs"]]
    assert states.count("running") >= 2  # the queued 4-gang got the freed nodes


def test_owner_fills_its_reservation_first_then_shared_capacity(
    client: TestClient, tenant: Callable[[str], Headers]
) -> None:
    acme = tenant("acme")
    reservation = reserve(client, acme, 8, "2026-06-01", 5)  # window already open: held now
    assert len(held_nodes(client)) == 2
    first = submit(client, acme, 8)
    second = submit(client, acme, 8)
    assert first["reservation"] == reservation and second["reservation"] is None
    assert second["state"] == "running"
    cancelled = client.delete(f"/v1/reservations/{reservation}", headers=acme).json()
    assert cancelled["state"] == "cancelled"
    requeued = client.get(f"/v1/jobs/{first['id']}", headers=acme).json()
    # Cancelling hands the nodes back; the job was requeued and, capacity being free, restarted.
    reasons = [e["reason"] for e in requeued["history"]]
    assert f"requeued: reservation {reservation} cancelled" in reasons
    assert requeued["state"] == "running" and requeued["reservation"] is None
    assert held_nodes(client) == {}


def test_reservations_count_whole_nodes_against_site_capacity(
    client: TestClient, tenant: Callable[[str], Headers]
) -> None:
    acme = tenant("acme")
    # 8 nodes of 4: three reservations of 10 need 3 nodes each (9 > 8) though 30 <= 32.
    reserve(client, acme, 10, "2026-07-01", 5)
    other = tenant("other")
    reserve(client, other, 10, "2026-07-01", 5)
    body = {"accelerator": "gb200", "accelerators": 10, "site": "tx-1",
            "start_date": "2026-07-01", "days": 5}  # fmt: skip
    third = client.post("/v1/reservations", json=body, headers=tenant("third"))
    assert third.status_code == 409
    assert third.json()["detail"] == (
        "capacity: 10 gb200 at tx-1 need 3 nodes online throughout the window; 8 are, 6 of "
        "them held by earlier reservations"
    )


OWNER_SUBMITS = (0, 10, 20, 30)  # 4 gangs of 4: exactly the 16 reserved


def test_concurrent_submits_never_break_a_hold(
    client: TestClient, tenant: Callable[[str], Headers]
) -> None:
    acme = tenant("acme")
    reservation = reserve(client, acme, 16, "2026-06-01", 5)
    held = set(held_nodes(client))
    others = [tenant(f"t{i}") for i in range(5)]

    def race(i: int) -> dict:  # type: ignore[type-arg]
        who = acme if i in OWNER_SUBMITS else others[i % 5]
        return submit(client, who, 4)

    with ThreadPoolExecutor(50) as pool:
        jobs = list(pool.map(race, range(50)))
    mine = [j for i, j in enumerate(jobs) if i in OWNER_SUBMITS]
    theirs = [j for i, j in enumerate(jobs) if i not in OWNER_SUBMITS]
    assert all(j["state"] == "running" and j["reservation"] == reservation for j in mine)
    running = [j for j in theirs if j["state"] == "running"]
    assert len(running) == 4  # the 16 shared accelerators, 4 at a time
    for job in running:
        assert job["reservation"] is None and not set(job["placement"]["nodes"]) & held
    assert capacity(client)["reserved_free"] == 0 and capacity(client)["free"] == 0


def test_restart_holds_the_same_nodes_and_restores_jobs_inside_their_reservation(
    database_url: str, clock: Clock
) -> None:
    fleet = uniform_fleet(8, 4, 2, halls=2, accelerator="gb200", site="tx-1")

    def serve() -> TestClient:
        app = create_app(
            (fleet, dt.date(2026, 1, 1)), database_url, "adm", clock=clock, tick_interval_s=0
        )
        return TestClient(app)

    with serve() as first:
        made = first.post(
            "/v1/admin/tenants", json={"name": "acme", "quotas": {"gb200": 32}}, headers=ADMIN
        )
        acme = {"Authorization": f"Bearer {made.json()['token']}"}
        reservation = reserve(first, acme, 8, "2026-06-01", 5)
        held = held_nodes(first)
        inside = submit(first, acme, 8)
        outside = submit(first, acme, 8)
    clock.now += dt.timedelta(hours=1)
    with serve() as second:  # a new process: memory rebuilt from the database
        assert held_nodes(second) == held
        restored = second.get(f"/v1/jobs/{inside['id']}", headers=acme).json()
        assert restored["state"] == "running" and restored["reservation"] == reservation
        assert set(restored["placement"]["nodes"]) == set(held)
        shared = second.get(f"/v1/jobs/{outside['id']}", headers=acme).json()
        assert shared["state"] == "running" and not set(shared["placement"]["nodes"]) & set(held)
        assert capacity(second)["reserved_free"] == 0 and capacity(second)["free"] == 16
