"""The twin and the live service decide the same way: one seeded sequence of submissions on a
small fleet, fed to the service (`ControlPlane` on a database, driven by a fake clock from event
to event, completions when estimates elapse) and to the simulator's replay
(`gigawatt.sim.replay.replay`) with the same queue policy and placement, gives every job the
same start time, end time and node count, under every queue policy."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest

from gigawatt.fleet.topology import Fleet, uniform_fleet
from gigawatt.sched.jobs import WHOLE_MILLI, JobTable
from gigawatt.sched.queue import make_queue_policy, queue_policy_names
from gigawatt.service import schemas
from gigawatt.service.control import ControlPlane
from gigawatt.sim.replay import replay
from gigawatt.store.database import Database
from gigawatt.store.models import Job

PROGRAM_START = dt.date(2026, 1, 1)
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TENANTS = ("acme", "globex", "initech")
#: Seconds from the program start of the first submission (the service's clock starts there).
FIRST_S = 150 * 86_400


def sequence(seed: int, count: int) -> list[tuple[int, int, int, int, int]]:
    """(arrival s, tenant, accelerators, priority, estimate s) per job, by arrival: integer
    seconds (exact on both clocks), distinct arrivals, ends often landing on arrivals."""
    rng = random.Random(seed)
    arrivals = sorted(rng.sample(range(FIRST_S, FIRST_S + 40 * 3600, 600), count))
    jobs = []
    for i, arrival in enumerate(arrivals):
        tenant = i if i < len(TENANTS) else rng.randrange(len(TENANTS))
        jobs.append(
            (arrival, tenant, rng.choice([1, 2, 4, 4, 6, 8, 12, 16, 24]), rng.randint(0, 2),
             rng.randrange(1, 13) * 1800)
        )  # fmt: skip
    return jobs


def simulated(
    fleet: Fleet, jobs: list[tuple[int, int, int, int, int]], policy: str
) -> tuple[list[float], list[float], list[int]]:
    """Start, end and node count per job in the simulator's replay."""
    count = len(jobs)
    column = list(zip(*jobs, strict=True))
    estimate = np.array(column[4], np.float64)
    table = JobTable(
        tenants=TENANTS, tenant_weight=np.ones(len(TENANTS)), types=fleet.types,
        tenant=np.array(column[1], np.int64), accelerators=np.array(column[2], np.int64),
        gpu_milli=np.full(count, WHOLE_MILLI, np.int64), allowed=np.ones(count, np.int64),
        gang=np.ones(count, bool), priority=np.array(column[3], np.int64),
        arrival_s=np.array(column[0], np.float64), duration_s=estimate, estimate_s=estimate,
        checkpoint_s=np.full(count, np.inf),
    )  # fmt: skip
    result = replay(fleet, table, make_queue_policy(policy, "topology"), horizon_s=FIRST_S * 2.0)
    records = result.records
    return records.start_s.tolist(), records.end_s.tolist(), records.nodes.tolist()


class Clock:
    def __init__(self) -> None:
        self.now_s = float(FIRST_S)

    def __call__(self) -> dt.datetime:
        return EPOCH + dt.timedelta(seconds=self.now_s)


def served(
    fleet: Fleet, jobs: list[tuple[int, int, int, int, int]], policy: str, database_url: str
) -> tuple[list[float], list[float], list[int]]:
    """Start, end and node count per job in the service: the clock steps from event to event
    (the next submission, or the next completion the service expects), each submission goes
    through `ControlPlane.submit`, each other event through `tick`."""
    clock = Clock()
    db = Database(database_url)
    db.upgrade()
    control = ControlPlane(db, fleet, PROGRAM_START, clock, placement="topology", policy=policy)
    # Quotas above the fleet: a quota is the service's own rule (the simulator has none).
    tenant_ids = [
        control.create_tenant(schemas.TenantCreate(name=name, quotas={"gb200": 1000})).id
        for name in TENANTS
    ]
    ids: list[str] = []
    pending = list(jobs)
    while pending or control.next_event_s() < float("inf"):
        arrival = pending[0][0] if pending else float("inf")
        clock.now_s = min(arrival, control.next_event_s())
        if clock.now_s == arrival:
            _, tenant, accelerators, priority, estimate_s = pending.pop(0)
            body = schemas.JobSubmit(
                accelerator="gb200", accelerators=accelerators, priority=priority,
                estimate_s=estimate_s,
            )  # fmt: skip
            ids.append(control.submit(tenant_ids[tenant], body, None)[0].id)
        else:
            control.tick()
    with db.read() as session:
        rows = {job.id: job for job in session.query(Job).all()}
    db.dispose()

    def seconds(when: dt.datetime | None) -> float:
        if when is None:
            return float("nan")
        return (when.replace(tzinfo=dt.UTC) - EPOCH).total_seconds()

    placements = [rows[i].placement or {} for i in ids]
    return (
        [seconds(rows[i].started_at) for i in ids],
        [seconds(rows[i].ended_at) for i in ids],
        [len(p.get("nodes", [])) for p in placements],  # type: ignore[arg-type]
    )


# Seed 3 caught jobs ending at one instant released in another order than the simulator's
# (the nodes then re-enter the placement's buckets in another order, and a later pick differs).
@pytest.mark.parametrize("seed", [3, 7])
@pytest.mark.parametrize("policy", queue_policy_names())
def test_service_and_replay_start_every_job_at_the_same_time(
    database_url: str, policy: str, seed: int
) -> None:
    fleet = uniform_fleet(8, 4, 2, halls=2, accelerator="gb200", site="tx-1")
    jobs = sequence(seed, count=80)
    sim_start, sim_end, sim_nodes = simulated(fleet, jobs, policy)
    live_start, live_end, live_nodes = served(fleet, jobs, policy, database_url)
    assert live_start == sim_start
    assert live_end == sim_end
    assert live_nodes == sim_nodes
    # Not trivial: jobs waited, and the order of starts is not the order of arrivals.
    waited = [s - a for s, (a, *_) in zip(sim_start, jobs, strict=True)]
    assert sum(w > 0 for w in waited) > len(jobs) // 3
    if policy != "fifo":
        assert sorted(range(len(jobs)), key=lambda j: (sim_start[j], j)) != list(range(len(jobs)))
