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


# DRF with a blocked under-share tenant (issue 14, item 7). 64 GPUs (8 nodes of 8); tenants a
# and b entitled to half each. a streams 8-GPU jobs of 4 h, one every half hour for 100 h, so
# from 3.5 h on it holds 64/64 and one of its jobs ends every half hour. b asks at 5 h for one
# gang of 32 (exactly its share) for 10 h. One of a's jobs ends as b asks and three more by
# 6.5 h: b's gang should start then, not when a's stream dries up (~100 h, after 96.5 h of
# waiting), as it did while DRF handed each freed GPU back to a.
HOUR = 3600.0
STREAM = 200  # a's jobs


def _stream_with_gang() -> tuple[list[float], list[float], list[int], np.ndarray]:
    arrival = [k * 0.5 * HOUR for k in range(STREAM)] + [5.0 * HOUR]
    duration = [4.0 * HOUR] * STREAM + [10.0 * HOUR]
    size = [8] * STREAM + [32]
    tenant = np.array([0] * STREAM + [1])
    return arrival, duration, size, tenant


def _starts_on_8x8(
    policy: str, arrival: list[float], duration: list[float], size: list[int], tenant: np.ndarray
) -> list[float]:
    jobs = simple_jobs(
        np.array(arrival), np.array(duration), np.array(size), tenant=tenant, tenants=("a", "b")
    )
    result = replay(uniform_fleet(8, 8), jobs, make_queue_policy(policy), horizon_s=1e6)
    return [float(s) for s in result.records.start_s.tolist()]


@pytest.mark.parametrize(
    ("policy", "gang_wait_h"),
    [
        ("drf", 1.5),  # b holds what frees for it (a reservation for its head, as EASY's)
        ("fifo", 2.0),  # a's job that asked at 5 h too goes first (lower index), then b at 7 h
        ("easy-backfill", 2.0),  # the same: a's 4 h jobs never end by the shadow time (7 h)
    ],
)
def test_a_blocked_under_share_tenant_holds_the_capacity_freed_for_it(
    policy: str, gang_wait_h: float
) -> None:
    arrival, duration, size, tenant = _stream_with_gang()
    got = _starts_on_8x8(policy, arrival, duration, size, tenant)
    assert (got[-1] - arrival[-1]) / HOUR == gang_wait_h
    assert got[: 2 * 4] == arrival[: 2 * 4]  # before b asks, a uses the whole fleet at once


def test_drf_over_share_tenant_backfills_only_what_ends_by_the_shadow_time() -> None:
    # As above, but a's head at 5 h is a 1-hour job (it asked at 4.9 h): it ends by b's
    # shadow time (6.5 h), so it may start on the 8 GPUs freed for b; a's 4-hour jobs behind it
    # would run past it and wait (a tenant whose head may not start waits, as always in DRF).
    arrival, duration, size, tenant = _stream_with_gang()
    arrival.append(4.9 * HOUR)
    duration.append(1.0 * HOUR)
    size.append(8)
    tenant = np.append(tenant, 0)
    got = _starts_on_8x8("drf", arrival, duration, size, tenant)
    gang, short = got[STREAM:]
    assert short == 5.0 * HOUR  # on the 8 freed at 5 h, back by 6 h
    assert gang == 6.5 * HOUR  # still at the shadow time
    assert got[10] > gang  # a's 4-hour job of 5 h did not take b's GPUs


def test_drf_holds_nothing_for_a_tenant_at_its_share() -> None:
    # b already holds its half (32) when it asks for 8 more: it is not under its share, so
    # the GPUs a's jobs free go back to a (b's job waits until a's stream ends), as before.
    arrival, duration, size, tenant = _stream_with_gang()
    arrival[-1] = 0.0  # b's gang of 32 runs from the start, for 300 h
    duration[-1] = 300.0 * HOUR
    arrival.append(5.0 * HOUR)
    duration.append(1.0 * HOUR)
    size.append(8)
    tenant = np.append(tenant, 1)
    got = _starts_on_8x8("drf", arrival, duration, size, tenant)
    assert got[STREAM] == 0.0
    assert got[-1] > arrival[STREAM - 1]  # after a's last arrival (99.5 h)


def test_easy_never_starts_a_job_twice_in_one_pass() -> None:
    """A job sent back to the queue sorts before the blocked head, so EASY starts it in order;
    the same pass must not also take it as a newcomer to backfill (it used to: the service
    then recorded two starts and billed the job twice)."""
    from gigawatt.sched.cluster import ClusterState
    from gigawatt.sched.queue import JobQueue

    # 4 nodes of 4. X (8) runs; H (16) waits for everything; R (4) arrived first.
    jobs = simple_jobs(
        np.array([5.0, 10.0, 0.0]), np.array([100.0, 100.0, 50.0]), np.array([8, 16, 4])
    )
    x, h, r = 0, 1, 2
    state = ClusterState(uniform_fleet(4, 4, 2), jobs)
    state.bring_online(np.arange(4, dtype=np.int64), 0.0)
    policy = make_queue_policy("easy-backfill")
    queue = JobQueue(jobs, policy.order_key)
    assert state.place(x, policy.placement, 5.0) is not None  # type: ignore[attr-defined]
    queue.push(h)
    assert policy.admit(queue, state, 10.0) == []  # H is the blocked head: reserved for
    queue.push(r)  # back in the queue (e.g. preempted elsewhere), before H; nothing freed
    decisions = policy.admit(queue, state, 11.0)
    assert [d.job for d in decisions] == [r]
    assert list(state.allocations) == [x, r]
    assert state.type_free[0] == 16 - 8 - 4
