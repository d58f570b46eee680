"""Invariants of time-based replay, on random fleets, jobs and policies (hypothesis):

- never more than capacity: every node holds 0..S free accelerators, every shared accelerator
  0..1000 free milli, and free + allocated equals capacity on every online node;
- a gang starts whole or not at all: every allocation holds exactly the job's accelerators;
- accelerator-seconds are conserved: the busy integral equals the sum over jobs of
  accelerators x run time within the horizon, and never exceeds the online integral;
- nothing deadlocks: with a long enough horizon every job that fits the fleet ends.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gigawatt.sched.topology  # noqa: F401  (registers the placements)
from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.sched.cluster import ClusterState
from gigawatt.sched.jobs import WHOLE_MILLI, JobTable
from gigawatt.sched.queue import (
    Decision,
    JobQueue,
    QueuePolicy,
    make_queue_policy,
    queue_policy_names,
)
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
            assert decision.job not in self.started
            self.started.add(decision.job)
            if allocation.shared_slot < 0:
                assert int(allocation.counts.sum()) == int(state.jobs.accelerators[decision.job])
            assert state.allocations[decision.job] is allocation
        check_state(state)
        return decisions


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
