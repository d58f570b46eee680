"""Random sessions (seeded) of submits, cancels, reservations, reservation cancels and clock
jumps; after every step the service's invariants hold: no node over its size, no tenant over
its quota, no job of another tenant on held nodes, every owner's job inside its reservation on
that reservation's nodes, memory agreeing with the database, exactly one open meter per running
job; and a restart rebuilds the same holds and failed nodes and puts every running job back
on exactly its nodes. A second variant adds frequent node failures (a
test failure model): no job runs on a failed node, and a restart keeps failed nodes down."""

from __future__ import annotations

import datetime as dt
import os
import random
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gigawatt.fleet.topology import uniform_fleet
from gigawatt.service.app import create_app
from gigawatt.store.models import JobEvent

ADMIN = {"Authorization": "Bearer adm"}
NODE_SIZE = 4
QUOTA = 24


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 6, 28, tzinfo=dt.UTC)  # the session crosses a month

    def __call__(self) -> dt.datetime:
        return self.now


#: About 6 accelerator failures a day on 32 accelerators, repaired in 6 h on average.
FREQUENT_FAILURES = """
id: test-frequent
name: Frequent failures (test)
description: Test model, not data.
accelerators_per_node: {default: 4}
recovery: {detection_s: 60, restart_s: 180, checkpoint_cost_s: 10, source: test}
components:
  - id: flaky_gpu
    name: Flaky GPU
    scope: accelerator
    kind: hardware
    observed: {events: 1, unit_days: 5}
    repair: {kind: exponential, mean_h: 6.0, source: test}
    source: test
    date: "2026-11"
"""


def check(client: TestClient, tenants: dict[str, dict[str, str]]) -> dict[str, object]:
    nodes = client.get("/v1/fleet/nodes").json()["nodes"]
    held = {n["node"]: n["reservation"] for n in nodes if n["reservation"]}
    failed = {n["node"] for n in nodes if n["failed"]}
    owner: dict[str, str] = {}
    running: list[tuple[str, dict]] = []  # type: ignore[type-arg]
    for name, headers in tenants.items():
        for reservation in client.get("/v1/reservations", headers=headers).json():
            owner[reservation["id"]] = name
        jobs = client.get("/v1/jobs", params={"state": "running"}, headers=headers).json()
        running += [(name, j) for j in jobs["jobs"]]
    per_node: Counter[int] = Counter()
    per_tenant: Counter[str] = Counter()
    for name, job in running:
        placement = job["placement"]
        for node, count in zip(placement["nodes"], placement["counts"], strict=True):
            per_node[node] += count
        per_tenant[name] += job["accelerators"]
        assert not set(placement["nodes"]) & failed, "a job on a failed node"
        inside = job["reservation"]
        if inside is None:
            assert not set(placement["nodes"]) & set(held), "a shared job on held nodes"
        else:
            assert owner[inside] == name, "a job inside another tenant's reservation"
            assert {held.get(n) for n in placement["nodes"]} == {inside}
    assert all(count <= NODE_SIZE for count in per_node.values())
    assert all(total <= QUOTA for total in per_tenant.values())
    capacity = client.get("/v1/fleet/capacity").json()[0]
    assert capacity["online"] - capacity["free"] == sum(per_node.values())
    assert capacity["online"] == NODE_SIZE * (8 - len(failed))
    assert capacity["reserved"] == NODE_SIZE * len(set(held) - failed)
    metrics = client.get("/v1/admin/metrics", headers=ADMIN).json()
    assert metrics["nodes_down"] == len(failed)
    metered = {
        item["id"]
        for t in client.get("/v1/admin/usage", headers=ADMIN).json()["tenants"]
        for item in t["items"]
        if item["running"]
    }
    assert metered == {job["id"] for _, job in running}
    return {
        "capacity": capacity, "held": held, "failed": failed,
        "running": sorted(j["id"] for _, j in running),
        "placements": {
            j["id"]: (j["placement"]["nodes"], j["placement"]["counts"], j["reservation"])
            for _, j in running
        },
    }  # fmt: skip


# Seeds run (each ~8 s on the shared 2-core machine; seeds 2 and 3 pass too, run by hand:
# GIGAWATT_INVARIANT_SEEDS=1,2,3). One by default keeps the service suite within its budget.
SEEDS = [int(s) for s in os.environ.get("GIGAWATT_INVARIANT_SEEDS", "1").split(",")]
# Queue policies run (the default one by default; GIGAWATT_INVARIANT_POLICIES=fifo,priority,
# shortest-first,drf,easy-backfill runs them all, ~15 s a case).
POLICIES = os.environ.get("GIGAWATT_INVARIANT_POLICIES", "easy-backfill").split(",")


@pytest.mark.parametrize("failures", [False, True], ids=["no-failures", "failures"])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("policy", POLICIES)
def test_random_sessions_keep_every_invariant(
    database_url: str, seed: int, failures: bool, tmp_path: Path, policy: str
) -> None:
    rng = random.Random(seed)
    clock = Clock()
    fleet = uniform_fleet(8, NODE_SIZE, 2, halls=2, accelerator="gb200", site="tx-1")
    model = tmp_path / "frequent.yaml"
    model.write_text(FREQUENT_FAILURES)

    def serve() -> TestClient:
        app = create_app(
            (fleet, dt.date(2026, 1, 1)), database_url, "adm", clock=clock,
            prices_usd_per_hour={"gb200": 2.0}, tick_interval_s=0,
            failures=str(model) if failures else None, seed=seed, policy=policy,
        )  # fmt: skip
        return TestClient(app)

    with serve() as client:
        tenants = {}
        for name in ("a", "b", "c"):
            made = client.post(
                "/v1/admin/tenants", json={"name": name, "quotas": {"gb200": QUOTA}},
                headers=ADMIN,
            ).json()  # fmt: skip
            tenants[name] = {"Authorization": f"Bearer {made['token']}"}
        jobs: dict[str, list[str]] = {name: [] for name in tenants}
        reservations: dict[str, list[str]] = {name: [] for name in tenants}
        for _ in range(35):
            name = rng.choice(list(tenants))
            who = tenants[name]
            op = rng.random()
            if op < 0.45:
                body = {"accelerator": "gb200", "accelerators": rng.choice([2, 4, 8, 12]),
                        "estimate_s": rng.uniform(1, 48) * 3600, "priority": rng.randint(0, 2),
                        "checkpoint_s": 3600.0}  # fmt: skip
                made = client.post("/v1/jobs", json=body, headers=who)
                assert made.status_code == 201, made.text
                jobs[name].append(made.json()["id"])
            elif op < 0.6 and jobs[name]:
                job = rng.choice(jobs[name])
                assert client.post(f"/v1/jobs/{job}/cancel", headers=who).status_code in (200, 409)
            elif op < 0.75:
                start = clock.now.date() + dt.timedelta(days=rng.randint(0, 2))
                body = {"accelerator": "gb200", "accelerators": rng.choice([4, 6, 8]),
                        "site": "tx-1", "start_date": start.isoformat(),
                        "days": rng.randint(1, 3)}  # fmt: skip
                made = client.post("/v1/reservations", json=body, headers=who)
                assert made.status_code in (201, 409), made.text
                if made.status_code == 201:
                    reservations[name].append(made.json()["id"])
            elif op < 0.8 and reservations[name]:
                reservation = rng.choice(reservations[name])
                gone = client.delete(f"/v1/reservations/{reservation}", headers=who)
                assert gone.status_code in (200, 409)
            else:
                clock.now += dt.timedelta(hours=rng.uniform(0, 14))
            before = check(client, tenants)
        if failures:  # the failures did hit running jobs
            with client.app.state.db.read() as session:  # type: ignore[attr-defined]
                hits = session.scalar(
                    select(func.count())
                    .select_from(JobEvent)
                    .where(JobEvent.reason.like("requeued: node % failed (flaky_gpu)"))
                )
            assert hits and hits > 0
    with serve() as again:  # a restart rebuilds the same holds, failed nodes and placements
        after = check(again, tenants)
        # Every running job is back on exactly its nodes (same accelerators on each, same
        # reservation); the new policy object's first pass may start a waiting job besides.
        placed_before = before["placements"]
        placed_after = after["placements"]
        assert isinstance(placed_before, dict) and isinstance(placed_after, dict)
        assert placed_before and {j: placed_after.get(j) for j in placed_before} == placed_before
    assert after["held"] == before["held"] and after["failed"] == before["failed"]
