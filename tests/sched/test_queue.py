"""Queue policies as scenario tables: a fleet, jobs, and who starts when."""

from __future__ import annotations

import numpy as np
import pytest

import gigawatt.sched.topology  # noqa: F401
from gigawatt.fleet import uniform_fleet
from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.sched.jobs import simple_jobs
from gigawatt.sched.queue import make_queue_policy
from gigawatt.sim.replay import replay


def starts(policy: str, arrival, duration, accelerators, gpus=4, **kw):  # type: ignore[no-untyped-def]
    jobs = simple_jobs(
        np.array(arrival, float), np.array(duration, float), np.array(accelerators), **kw
    )
    result = replay(uniform_fleet(gpus), jobs, make_queue_policy(policy), horizon_s=1e6)
    return result.records.start_s.tolist()


# Job 0 holds 3 of 4 GPUs until t=10; job 1 wants all 4; job 2 wants 1 for 5 s; job 3 1 for 50 s.
ARRIVAL = [0, 1, 2, 3]
DURATION = [10, 10, 5, 50]
SIZE = [3, 4, 1, 1]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("fifo", [0, 10, 20, 20]),  # nobody overtakes the blocked 4-GPU job
        ("easy-backfill", [0, 10, 2, 20]),  # job 2 ends by the shadow time (10): backfilled
        ("shortest-first", [0, 10, 2, 20]),  # job 2 (5 s) jumps ahead; job 3 (50 s) waits behind 1
    ],
)
def test_queue_policies_start_times(policy: str, expected: list[float]) -> None:
    assert starts(policy, ARRIVAL, DURATION, SIZE) == expected


def test_priority_lets_the_important_job_go_first() -> None:
    got = starts("priority", [0, 1, 2], [10, 10, 10], [4, 4, 4], priority=np.array([0, 0, 5]))
    assert got == [0, 20, 10]


def test_drf_serves_the_tenant_below_its_entitlement() -> None:
    # Tenant 0 fills the fleet first; when it frees, tenant 1 (entitled 3x) goes before 0's next.
    jobs_tenant = np.array([0, 0, 0, 1])
    got = starts(
        "drf", [0, 0, 1, 2], [10, 10, 10, 10], [2, 2, 2, 2], tenant=jobs_tenant,
        tenants=("a", "b"), tenant_weight=np.array([1.0, 3.0]),
    )  # fmt: skip
    assert got == [0, 0, 10, 10]


def test_gang_lands_in_one_domain_when_one_fits() -> None:
    fleet = build_fleet(
        [HallBlock("s", "h0", "gpu", 8, 4, 4, 0.0), HallBlock("s", "h1", "gpu", 8, 4, 2, 0.0)]
    )
    jobs = simple_jobs(np.array([0.0, 1.0]), np.array([100.0, 100.0]), np.array([4, 16]))
    result = replay(fleet, jobs, make_queue_policy("fifo", "topology"), horizon_s=1e3)
    assert result.records.domains.tolist() == [1, 1]  # 16 accelerators = one 4-node domain
    spread = replay(fleet, jobs, make_queue_policy("fifo", "spread"), horizon_s=1e3)
    assert spread.records.domains[1] == 4
