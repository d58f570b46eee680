"""The replay engine: deterministic ties, growing fleets, interruptions, samples."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

import gigawatt.sched.topology  # noqa: F401
from gigawatt.failures.outages import Outages
from gigawatt.fleet import uniform_fleet
from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.sched.cluster import MIRROR_SLICE_NODES, ClusterState, IntArray
from gigawatt.sched.jobs import JobTable, simple_jobs
from gigawatt.sched.queue import Decision, JobQueue, make_queue_policy
from gigawatt.sim.replay import DEFAULT_MIGRATE_S, NodeFailures, busy_accelerator_seconds, replay


def test_jobs_wait_for_their_hall_to_come_online() -> None:
    fleet = build_fleet([HallBlock("s", "later", "gpu", 2, 8, 1, 100.0)])
    jobs = simple_jobs(np.array([0.0, 0.0]), np.array([50.0, 50.0]), np.array([16, 8]))
    result = replay(fleet, jobs, make_queue_policy("fifo"), horizon_s=1000.0, sample_every_s=50)
    assert result.records.start_s.tolist() == [100.0, 150.0]
    assert result.samples.group_online[:3, 0].tolist() == [0.0, 0.0, 16.0]
    assert result.group_online_s.sum() == 16 * 900.0


def test_a_job_too_big_for_the_fleet_is_rejected_not_queued_forever() -> None:
    jobs = simple_jobs(np.array([0.0, 1.0]), np.array([5.0, 5.0]), np.array([5, 1]))
    result = replay(uniform_fleet(4), jobs, make_queue_policy("fifo"), horizon_s=100.0)
    assert result.records.rejected.tolist() == [True, False]
    assert result.records.start_s[1] == 1.0


def test_offline_nodes_interrupt_jobs_which_restart_from_their_checkpoint() -> None:
    fleet = build_fleet(
        [
            HallBlock("s", "leaving", "gpu", 1, 4, 1, 0.0, offline_s=25.0),
            HallBlock("s", "staying", "gpu", 1, 4, 1, 30.0),
        ]
    )
    jobs = simple_jobs(np.array([0.0]), np.array([100.0]), np.array([4]))
    jobs = jobs.take(np.array([0]))
    object.__setattr__(jobs, "checkpoint_s", np.array([10.0]))
    result = replay(fleet, jobs, make_queue_policy("fifo"), horizon_s=1000.0)
    # 20 s were checkpointed before the node left at 25 s; 80 s remain from 30 s.
    assert result.records.interruptions.tolist() == [1]
    assert result.records.end_s.tolist() == [110.0]


def test_same_instant_events_resolve_the_same_way_every_run() -> None:
    rng = np.random.default_rng(0)
    arrival = np.round(rng.uniform(0, 20, 300))  # many ties
    duration = np.round(rng.uniform(1, 10, 300))
    size = rng.choice([1, 2, 4], 300)
    jobs = simple_jobs(arrival, duration, size)
    runs = [
        replay(uniform_fleet(4, 4, 2), jobs, make_queue_policy("easy-backfill"), 1e5).records
        for _ in range(2)
    ]
    assert np.array_equal(runs[0].start_s, runs[1].start_s)


def test_busy_integral_matches_the_job_records() -> None:
    rng = np.random.default_rng(1)
    jobs = simple_jobs(rng.uniform(0, 100, 200), rng.uniform(1, 30, 200), rng.choice([1, 2], 200))
    result = replay(uniform_fleet(3, 2), jobs, make_queue_policy("drf"), horizon_s=150.0)
    assert math.isclose(result.group_busy_s.sum(), busy_accelerator_seconds(result), rel_tol=1e-9)


class _Gate:
    """FIFO that starts nothing before ``opens_s`` and asks to be woken at the times
    ``wants(now)`` gives; records when it was called."""

    name = "gate"

    def __init__(self, opens_s: float, wants: Callable[[float], float | None]) -> None:
        self.inner = make_queue_policy("fifo")
        self.opens_s = opens_s
        self.wants = wants
        self.calls: list[float] = []

    def order_key(self, jobs: JobTable, job: int) -> tuple[float, ...]:
        return self.inner.order_key(jobs, job)

    def admit(self, queue: JobQueue, state: ClusterState, now: float) -> list[Decision]:
        self.calls.append(now)
        return self.inner.admit(queue, state, now) if now >= self.opens_s else []

    def next_wakeup(self, now: float) -> float | None:
        return self.wants(now)


def test_a_policy_wakeup_calls_admit_when_nothing_else_happens() -> None:
    jobs = simple_jobs(np.array([0.0]), np.array([10.0]), np.array([4]))
    gate = _Gate(50.0, lambda now: 50.0 if now < 50.0 else 2000.0)  # 2000 s: past the horizon
    result = replay(uniform_fleet(1, 4), jobs, gate, horizon_s=1000.0)
    assert result.records.start_s.tolist() == [50.0]
    assert gate.calls == [0.0, 50.0, 60.0]  # arrival, wake-up, end; none past the horizon
    # Without the hook the job would wait forever: nothing else happens in the fleet.
    shut = _Gate(50.0, lambda now: None)
    assert np.isnan(replay(uniform_fleet(1, 4), jobs, shut, horizon_s=1000.0).records.start_s[0])


def test_an_earlier_wakeup_supersedes_and_a_stale_one_is_ignored() -> None:
    jobs = simple_jobs(np.array([0.0, 10.0]), np.array([500.0, 500.0]), np.array([4, 4]))

    def wants(now: float) -> float | None:
        return {0.0: 50.0, 10.0: 30.0, 30.0: 80.0}.get(now)

    gate = _Gate(1e9, wants)
    replay(uniform_fleet(1, 4), jobs, gate, horizon_s=1000.0)
    # 50 s (asked at 0) is superseded by 30 s (asked at 10); at 30 the policy asks for 80.
    assert gate.calls == [0.0, 10.0, 30.0, 80.0]


class _OnePlace:
    """Placement onto one given node (tests)."""

    name = "one"

    def __init__(self, node: int) -> None:
        self.node = node

    def small(self, state: ClusterState, type_index: int, accelerators: int) -> int:
        return self.node if state.node_free[self.node] >= accelerators else -1

    def full_nodes(self, state: ClusterState, type_index: int, count: int) -> IntArray:
        return np.array([self.node], np.int64)


class _Mover:
    """FIFO on node 0 that, at ``move_s`` (a wake-up), moves every running job to node 1."""

    name = "mover"

    def __init__(self, move_s: float) -> None:
        self.move_s = move_s
        self.moved: list[tuple[float, int]] = []

    def order_key(self, jobs: JobTable, job: int) -> tuple[float, ...]:
        return (float(jobs.arrival_s[job]),)

    def admit(self, queue: JobQueue, state: ClusterState, now: float) -> list[Decision]:
        decisions = []
        for job in list(queue):
            allocation = state.place(job, _OnePlace(0), now)
            if allocation is not None:
                decisions.append(Decision(job, allocation))
        if now == self.move_s:
            for job in [a.job for a in state.allocations.values() if 0 in a.nodes.tolist()]:
                old = state.release(job, now)
                new = state.place(job, _OnePlace(1), now)
                assert new is not None
                decisions.append(Decision(job, new, moved=old))
                self.moved.append((now, job))
        return decisions

    def next_wakeup(self, now: float) -> float | None:
        return self.move_s if now < self.move_s else None


def test_a_moved_job_keeps_its_work_pays_the_migration_and_keeps_busy_time_conserved() -> None:
    jobs = simple_jobs(np.array([0.0, 0.0]), np.array([100.0, 30.0]), np.array([2, 2]))
    policy = _Mover(40.0)
    result = replay(uniform_fleet(2, 4), jobs, policy, horizon_s=1000.0, migrate_s=25.0)
    records = result.records
    assert policy.moved == [(40.0, 0)]  # job 1 ended at 30 s, before the move
    # Nothing rolled back (checkpoint on demand, although the job never checkpoints): 60 s
    # left at 40 s plus 25 s to restore on node 1; its old end (100 s) is stale.
    assert records.end_s.tolist() == [125.0, 30.0]
    assert records.migrations.tolist() == [1, 0]
    assert records.interruptions.tolist() == [0, 0]
    assert records.start_s.tolist() == [0.0, 0.0]
    assert records.held_s.tolist() == [125.0, 30.0]
    assert records.overhead_s.tolist() == [25.0, 0.0]
    assert math.isclose(busy_accelerator_seconds(result), 2 * 125.0 + 2 * 30.0)
    assert math.isclose(result.group_busy_s.sum(), busy_accelerator_seconds(result))


def test_migration_cost_defaults_to_the_failure_models_restart_time() -> None:
    jobs = simple_jobs(np.array([0.0]), np.array([100.0]), np.array([2]))
    quiet = NodeFailures(
        Outages(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, np.int64)),
        ("gpu",),
        7.0,
    )
    with_failures = replay(uniform_fleet(2, 2), jobs, _Mover(40.0), 1000.0, failures=quiet)
    plain = replay(uniform_fleet(2, 2), jobs, _Mover(40.0), 1000.0)
    assert with_failures.records.end_s.tolist() == [107.0]
    assert plain.records.end_s.tolist() == [100.0 + DEFAULT_MIGRATE_S]


class _MirrorChecker:
    """FIFO that checks the cluster's Python mirror of free accelerators after every admit."""

    name = "mirror"

    def __init__(self) -> None:
        self.inner = make_queue_policy("fifo")
        self.checks = 0

    def order_key(self, jobs: JobTable, job: int) -> tuple[float, ...]:
        return self.inner.order_key(jobs, job)

    def admit(self, queue: JobQueue, state: ClusterState, now: float) -> list[Decision]:
        decisions = self.inner.admit(queue, state, now)
        assert state._node_free == state.node_free.tolist()
        self.checks += 1
        return decisions


def test_gangs_of_thousands_of_nodes_keep_the_node_mirror_exact() -> None:
    # Gangs over MIRROR_SLICE_NODES nodes update the mirror by slices of consecutive nodes.
    fleet = uniform_fleet(12_000, 4, 8, halls=3)
    rng = np.random.default_rng(2)
    sizes = rng.choice([4 * 5_000, 4 * 9_000, 6, 4 * 700], 40)
    jobs = simple_jobs(np.sort(rng.uniform(0, 100, 40)), rng.uniform(5, 30, 40), sizes)
    policy = _MirrorChecker()
    result = replay(fleet, jobs, policy, horizon_s=1e4)
    assert policy.checks > 20
    assert np.isfinite(result.records.end_s[sizes >= 4 * MIRROR_SLICE_NODES]).all()
