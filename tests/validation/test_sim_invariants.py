"""Invariants of time-based replay, on random fleets, jobs and policies (hypothesis):

- never more than capacity: every node holds 0..S free accelerators, every shared accelerator
  0..1000 free milli, and free + allocated equals capacity on every online node;
- a gang starts whole or not at all: every allocation holds exactly the job's accelerators;
- accelerator-seconds are conserved: the busy integral equals the sum over jobs of
  accelerators x run time within the horizon, and never exceeds the online integral;
- nothing deadlocks: with a long enough horizon every job that fits the fleet ends; two gangs
  each larger than half the free capacity never both hold part of it (one runs, then the other);
- reservations (`gigawatt.sched.reservations.Reserving` over every policy, with and without
  defragmentation): inside its window a reservation's nodes hold no other tenant's job, and the
  reserved gang, when it arrives by the window start and the reservation is accepted, starts by
  the window start;
- defragmentation (`gigawatt.sched.defrag.Defragmenting`) keeps all of the above and never
  moves a job that does not checkpoint.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import gigawatt.sched.topology  # noqa: F401  (registers the placements)
from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.sched.cluster import ClusterState
from gigawatt.sched.defrag import Defragmenting
from gigawatt.sched.jobs import WHOLE_MILLI, JobTable
from gigawatt.sched.queue import (
    Decision,
    JobQueue,
    QueuePolicy,
    make_queue_policy,
    queue_policy_names,
)
from gigawatt.sched.reservations import Reservation, Reserving
from gigawatt.sim.replay import busy_accelerator_seconds, replay


def check_state(state: ClusterState) -> None:
    fleet = state.fleet
    held = np.zeros(fleet.node_count, np.int64)
    for allocation in state.allocations.values():
        if allocation.shared_slot < 0:
            np.add.at(held, allocation.nodes, allocation.counts)
    shared_whole = np.zeros(fleet.node_count, np.int64)
    for node, slots in state.shared.items():
        assert all(-1 <= s <= WHOLE_MILLI for s in slots)
        shared_whole[node] = sum(1 for s in slots if s >= 0)
    up = state.node_up
    assert (state.node_free >= 0).all()
    assert (state.node_free <= fleet.node_accelerators).all()
    assert (state.node_free[up] + held[up] + shared_whole[up] == fleet.node_accelerators[up]).all()
    assert (held[~up] == 0).all()


class Checked:
    """Wraps a policy: after every pass, the state's invariants and whole gangs."""

    def __init__(self, inner: QueuePolicy) -> None:
        self.inner = inner
        self.name = inner.name
        self.placement = getattr(inner, "placement", None)
        self.started: set[int] = set()

    def order_key(self, jobs: JobTable, job: int) -> tuple[float, ...]:
        return self.inner.order_key(jobs, job)

    def admit(self, queue: JobQueue, state: ClusterState, now: float) -> list[Decision]:
        decisions = self.inner.admit(queue, state, now)
        for decision in decisions:
            allocation = decision.allocation
            assert decision.job not in self.started or decision.moved is not None
            self.started.add(decision.job)
            if allocation.shared_slot < 0:
                assert int(allocation.counts.sum()) == int(state.jobs.accelerators[decision.job])
            assert state.allocations[decision.job] is allocation
        check_state(state)
        return decisions

    def next_wakeup(self, now: float) -> float | None:
        wake = getattr(self.inner, "next_wakeup", None)
        return wake(now) if wake is not None else None


hall = st.tuples(
    st.sampled_from([("a", 1, 1), ("a", 1, 4), ("b", 4, 2), ("c", 8, 1)]),  # type, S, per domain
    st.integers(1, 6),  # nodes
    st.sampled_from([0.0, 0.0, 50.0]),  # online at
)
job = st.tuples(
    st.floats(0, 200),  # arrival
    st.floats(0.5, 60),  # duration
    st.sampled_from([1, 1, 2, 3, 4, 8, 12, 16]),  # accelerators
    st.sampled_from([1000, 1000, 1000, 250, 600]),  # gpu milli (only for single-accelerator)
    st.integers(0, 2),  # tenant
    st.integers(0, 3),  # allowed mask (bits: a, b)
)


def make_jobs(raw: Sequence[tuple[float, float, int, int, int, int]]) -> JobTable:
    arrival = np.array([r[0] for r in raw])
    duration = np.array([r[1] for r in raw])
    accelerators = np.array([r[2] for r in raw], np.int64)
    milli = np.array([r[3] if r[2] == 1 else 1000 for r in raw], np.int64)
    return JobTable(
        tenants=("t0", "t1", "t2"),
        tenant_weight=np.array([1.0, 2.0, 1.0]),
        types=("a", "b"),
        tenant=np.array([r[4] for r in raw], np.int64),
        accelerators=accelerators,
        gpu_milli=milli,
        allowed=np.array([r[5] for r in raw], np.int64),
        gang=np.ones(len(raw), bool),
        priority=np.array([r[4] for r in raw], np.int64),
        arrival_s=arrival,
        duration_s=duration,
        estimate_s=duration,
        checkpoint_s=np.full(len(raw), np.inf),
    )


@settings(max_examples=60, deadline=None)
@given(
    halls=st.lists(hall, min_size=1, max_size=4),
    raw=st.lists(job, min_size=1, max_size=40),
    policy=st.sampled_from(queue_policy_names()),
    placement=st.sampled_from(["topology", "spread"]),
)
def test_replay_invariants(
    halls: list[tuple[tuple[str, int, int], int, float]],
    raw: list[tuple[float, float, int, int, int, int]],
    policy: str,
    placement: str,
) -> None:
    fleet = build_fleet(
        [
            HallBlock("s0" if i % 2 else "s1", f"h{i}", t, nodes, size, per_domain, online)
            for i, ((t, size, per_domain), nodes, online) in enumerate(halls)
        ]
    )
    jobs = make_jobs(raw)
    checked = Checked(make_queue_policy(policy, placement))
    horizon = 1e6
    result = replay(fleet, jobs, checked, horizon_s=horizon, sample_every_s=25.0)
    records = result.records
    # Conservation (no interruptions here: nodes never leave).
    assert result.group_busy_s.sum() == pytest.approx(busy_accelerator_seconds(result), rel=1e-9)
    assert (result.group_busy_s <= result.group_online_s + 1e-6).all()
    assert result.tenant_busy_s.sum() == pytest.approx(result.group_busy_s.sum(), rel=1e-9)
    # Liveness: every job that can fit ends; the rest were rejected on arrival.
    assert (~np.isnan(records.end_s) | records.rejected).all()
    assert np.isnan(records.start_s[records.rejected]).all()
    started = ~np.isnan(records.start_s)
    assert (records.start_s[started] >= jobs.arrival_s[started]).all()
    # Samples never show more busy than online.
    assert (result.samples.group_busy <= result.samples.group_online + 1e-9).all()


@pytest.mark.parametrize("placement", ["topology", "spread"])
@pytest.mark.parametrize("policy", queue_policy_names())
def test_two_big_gangs_never_both_hold_part_of_the_fleet(policy: str, placement: str) -> None:
    # 8 nodes of 4 in two domains; gangs of 20 (> half of 32) from two tenants, same instant.
    fleet = build_fleet([HallBlock("s", "h", "a", 8, 4, 4, 0.0)])
    raw = [(0.0, 10.0, 20, 1000, 0, 0), (0.0, 10.0, 20, 1000, 1, 0), (0.0, 5.0, 4, 1000, 2, 0)]
    checked = Checked(make_queue_policy(policy, placement))  # asserts whole gangs every pass
    result = replay(fleet, make_jobs(raw), checked, horizon_s=1e3)
    gangs = sorted(result.records.start_s[:2].tolist())
    assert gangs[0] == 0.0  # one runs at once ...
    assert gangs[1] == 10.0  # ... the other waits for all of it, then runs


class Guarded(Checked):
    """`Checked`, plus: inside the window no other tenant holds a reserved node."""

    def __init__(self, inner: Reserving) -> None:
        super().__init__(inner)
        self.layer = inner
        self.checked_inside = 0

    def admit(self, queue: JobQueue, state: ClusterState, now: float) -> list[Decision]:
        decisions = super().admit(queue, state, now)
        for index, nodes in self.layer.held_nodes(now).items():
            owner = self.layer.accepted[index].tenant
            reserved = np.zeros(state.fleet.node_count, bool)
            reserved[nodes] = True
            for allocation in state.allocations.values():
                if int(state.jobs.tenant[allocation.job]) != owner:
                    assert not reserved[allocation.nodes].any()
            self.checked_inside += 1
        return decisions


@settings(max_examples=60 if os.environ.get("CI") else 15, deadline=None)
@given(
    halls=st.lists(hall, min_size=1, max_size=3),
    raw=st.lists(job, min_size=0, max_size=30),
    policy=st.sampled_from(queue_policy_names()),
    placement=st.sampled_from(["topology", "spread"]),
    share=st.floats(0.1, 1.0),
    start=st.floats(50, 150),
    length=st.floats(10, 100),
    early=st.floats(0, 50),
    site_bound=st.booleans(),
    defrag=st.booleans(),
)
def test_reservation_is_never_given_away_and_its_gang_lands_on_time(
    halls: list[tuple[tuple[str, int, int], int, float]],
    raw: list[tuple[float, float, int, int, int, int]],
    policy: str,
    placement: str,
    share: float,
    start: float,
    length: float,
    early: float,
    site_bound: bool,
    defrag: bool,
) -> None:
    fleet = build_fleet(
        [
            HallBlock("s0" if i % 2 else "s1", f"h{i}", t, nodes, size, per_domain, online)
            for i, ((t, size, per_domain), nodes, online) in enumerate(halls)
        ]
    )
    t = int(fleet.node_type[0])
    site = int(fleet.node_site[0]) if site_bound else -1
    scope = fleet.node_type == t
    if site >= 0:
        scope &= fleet.node_site == site
    size = max(1, int(share * int(fleet.node_accelerators[scope].sum())))
    reservation = Reservation(0, size, t, start, start + length, site=site)
    # Tenant 0 only runs the reserved gang (of its type); the others run the random jobs.
    bit = 1 << ("a", "b").index(fleet.types[t]) if fleet.types[t] in ("a", "b") else 0
    others = [(r[0], r[1], r[2], r[3], 1 + r[4] % 2, r[5]) for r in raw]
    gang = (start - early, length, size, 1000, 0, bit)
    jobs = make_jobs([*others, gang])
    if fleet.types[t] == "c":  # allowed bits name a and b only: pin the gang to c by elimination
        jobs = _pin_last_job_to_c(jobs)
    inner: QueuePolicy = make_queue_policy(policy, placement)
    if defrag:  # other tenants' jobs checkpoint and may be moved for a blocked gang
        jobs = dataclasses.replace(jobs, checkpoint_s=np.full(jobs.count, 5.0))
        inner = Defragmenting(inner)
    guarded = Guarded(Reserving(inner, fleet, [reservation]))
    result = replay(fleet, jobs, guarded, horizon_s=1e6, sample_every_s=25.0)
    records = result.records
    assert (~np.isnan(records.end_s) | records.rejected).all()  # still nothing deadlocks
    if guarded.layer.accepted:
        assert guarded.checked_inside > 0  # the window was looked at (the engine woke for it)
        assert records.start_s[-1] <= start  # the gang landed by its window start
        assert records.type_index[-1] == t


def _pin_last_job_to_c(jobs: JobTable) -> JobTable:
    allowed = jobs.allowed.copy()
    allowed[-1] = 1 << 2
    return JobTable(**{**jobs.__dict__, "types": ("a", "b", "c"), "allowed": allowed})


multi_gpu_hall = st.tuples(
    st.sampled_from([("b", 4, 2), ("c", 8, 1)]), st.integers(2, 6), st.just(0.0)
)
# Small long jobs first (they fragment nodes, some end at random times), gangs later.
small_job = st.tuples(
    st.floats(0, 20), st.floats(10, 200), st.sampled_from([1, 1, 2, 3]),
    st.just(1000), st.integers(0, 2), st.just(0),
)  # fmt: skip
gang_job = st.tuples(
    st.floats(20, 100), st.floats(1, 50), st.sampled_from([6, 8, 12, 16]),
    st.just(1000), st.integers(0, 2), st.just(0),
)  # fmt: skip


@settings(max_examples=60 if os.environ.get("CI") else 15, deadline=None)
@given(
    halls=st.lists(multi_gpu_hall, min_size=1, max_size=2),
    small=st.lists(small_job, min_size=1, max_size=30),
    gangs=st.lists(gang_job, min_size=1, max_size=10),
    policy=st.sampled_from(queue_policy_names()),
    placement=st.sampled_from(["topology", "spread"]),
    checkpointing=st.lists(st.booleans(), min_size=40, max_size=40),
)
def test_defragmentation_keeps_every_invariant(
    halls: list[tuple[tuple[str, int, int], int, float]],
    small: list[tuple[float, float, int, int, int, int]],
    gangs: list[tuple[float, float, int, int, int, int]],
    policy: str,
    placement: str,
    checkpointing: list[bool],
) -> None:
    raw = [*small, *gangs]
    fleet = build_fleet(
        [
            HallBlock("s0" if i % 2 else "s1", f"h{i}", t, nodes, size, per_domain, online)
            for i, ((t, size, per_domain), nodes, online) in enumerate(halls)
        ]
    )
    jobs = make_jobs(raw)
    every = np.where(np.array(checkpointing[: jobs.count]), 5.0, np.inf)
    jobs = dataclasses.replace(jobs, checkpoint_s=every)
    layer = Defragmenting(make_queue_policy(policy, placement))
    result = replay(fleet, jobs, Checked(layer), horizon_s=1e6, sample_every_s=25.0)
    records = result.records
    assert (~np.isnan(records.end_s) | records.rejected).all()  # nothing deadlocks
    assert (records.migrations[~np.isfinite(jobs.checkpoint_s)] == 0).all()  # never moved
    assert (result.group_busy_s <= result.group_online_s + 1e-6).all()
    assert (result.samples.group_busy <= result.samples.group_online + 1e-9).all()
    assert records.migrations.sum() == layer.log.moves
    event("defragmented" if layer.log.moves else "nothing moved")
