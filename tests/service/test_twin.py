"""The twin clock: `--speed` runs the service's clock faster than the wall clock; jobs end on
it, and with a failure model node failures and repairs interrupt and requeue jobs."""

from __future__ import annotations

import datetime as dt
import re
import time

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gigawatt.failures.load import load_failure_model
from gigawatt.fleet.topology import uniform_fleet
from gigawatt.service.app import create_app
from gigawatt.service.twin import TwinClock
from gigawatt.store.models import NodeEvent

ADMIN = {"Authorization": "Bearer adm"}
ORIGIN = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
DAY_S = 86_400.0


def test_twin_clock_runs_speed_times_the_wall_clock() -> None:
    wall = [100.0]
    clock = TwinClock(3600.0, ORIGIN, monotonic=lambda: wall[0])
    assert clock() == ORIGIN
    wall[0] += 2.5
    assert clock() == ORIGIN + dt.timedelta(hours=2.5)


def _parse(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_twin_with_failures_ends_jobs_on_its_clock_and_requeues_interrupted_ones(
    database_url: str,
) -> None:
    # 64 nodes of 8 h100; 30 twin days a wall second; Llama 3's failure rates, seed 3.
    fleet = uniform_fleet(64, 8, 8, accelerator="h100", site="tx-1")
    app = create_app(
        (fleet, dt.date(2026, 1, 1)), database_url, "adm", clock=lambda: ORIGIN,
        speed=30 * DAY_S, failures="llama3-2024", seed=3,
    )  # fmt: skip
    with TestClient(app) as client:
        made = client.post(
            "/v1/admin/tenants", json={"name": "lab", "quotas": {"h100": 512}}, headers=ADMIN
        )
        lab = {"Authorization": f"Bearer {made.json()['token']}"}
        body = {"accelerator": "h100", "accelerators": 64, "estimate_s": 10 * DAY_S,
                "checkpoint_s": 6 * 3600.0}  # fmt: skip
        ids = [client.post("/v1/jobs", json=body, headers=lab).json()["id"] for _ in range(16)]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            at = _parse(client.get("/v1/admin/metrics", headers=ADMIN).json()["at"])
            if at > ORIGIN + dt.timedelta(days=75):
                break
            time.sleep(0.1)
        jobs = [client.get(f"/v1/jobs/{i}", headers=lab).json() for i in ids]
        with app.state.db.read() as session:
            downs = session.scalar(
                select(func.count()).select_from(NodeEvent).where(NodeEvent.state == "down")
            )

    assert all(j["state"] == "completed" for j in jobs), [j["state"] for j in jobs]
    model = load_failure_model("llama3-2024")
    restart_s = model.recovery.detection_s + model.recovery.restart_s
    requeued = re.compile(r"^requeued: node \d+ failed \(.+\)$")
    in_place = re.compile(r"^restarted in place after a (failure|planned stop) \(.+\)$")
    interrupted = [j for j in jobs if j["interruptions"]]
    assert interrupted and downs
    resumed = 0
    for job in jobs:
        reasons = [e["reason"] for e in job["history"]]
        moved = sum(bool(requeued.match(r)) for r in reasons)
        kept = sum(bool(in_place.match(r)) for r in reasons)
        # The engine's rule (as the replay's): a failure with a spare free, or one needing no
        # repair, restarts the gang on its nodes; otherwise it waits for capacity again.
        assert moved + kept == job["interruptions"]
        assert reasons.count("placed") == moved + 1
        assert job["progress_s"] == 10 * DAY_S  # completed: all its work is done
        # Its last stretch: what its checkpoints had not saved, plus the restart it paid.
        ran_s = (_parse(job["ended_at"]) - _parse(job["started_at"])).total_seconds()
        assert 0 < ran_s <= 10 * DAY_S + restart_s + 1.0
        if not job["interruptions"]:
            assert abs(ran_s - 10 * DAY_S) < 1.0
        elif ran_s < 10 * DAY_S - 6 * 3600.0:
            resumed += 1
    assert resumed  # some resumed from a checkpoint


def test_a_restarted_twin_resumes_no_earlier_than_the_database_recorded(
    database_url: str,
) -> None:
    fleet = uniform_fleet(4, 8, 4, accelerator="h100", site="tx-1")

    def serve() -> TestClient:
        app = create_app(
            (fleet, dt.date(2026, 1, 1)), database_url, "adm", clock=lambda: ORIGIN,
            speed=DAY_S, tick_interval_s=0,
        )  # fmt: skip
        return TestClient(app)

    with serve() as first:
        made = first.post(
            "/v1/admin/tenants", json={"name": "lab", "quotas": {"h100": 32}}, headers=ADMIN
        )
        lab = {"Authorization": f"Bearer {made.json()['token']}"}
        time.sleep(0.2)  # a fifth of a twin day
        job = first.post(
            "/v1/jobs", json={"accelerator": "h100", "accelerators": 8, "estimate_s": 3600.0},
            headers=lab,
        ).json()  # fmt: skip
    submitted = _parse(job["submitted_at"])
    assert submitted > ORIGIN + dt.timedelta(hours=4)
    with serve() as second:  # the wall clock says ORIGIN again; the twin must not go back
        at = _parse(second.get("/v1/admin/metrics", headers=ADMIN).json()["at"])
        assert at >= submitted
