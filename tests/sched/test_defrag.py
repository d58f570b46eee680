"""Defragmentation by moving checkpointing jobs: the plan on a `ClusterState` (try, then commit
or roll back exactly) and the `Defragmenting` layer in a replay, as scenario tables."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import gigawatt.sched.topology  # noqa: F401  (registers the placements)
from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.sched.cluster import ClusterState, make_placement
from gigawatt.sched.defrag import Defragmenting, fragmentation, plan_defrag
from gigawatt.sched.jobs import JobTable, simple_jobs
from gigawatt.sched.queue import make_queue_policy, queue_policy_names
from gigawatt.sim.replay import replay

# 4 nodes of 4 in one domain. Jobs 0-3 take 2 each, packed two per node (0,1 on node 0; 2,3 on
# node 1); jobs 0 and 2 end at 10 and 12, leaving nodes 0 and 1 half used: 12 free, 2 whole nodes.
# Job 4, a gang of 12 (3 whole nodes), arrives at 20: blocked although 12 are free.
ARRIVAL = [0.0, 1.0, 2.0, 3.0, 20.0]
DURATION = [10.0, 1000.0, 10.0, 1000.0, 50.0]
SIZE = [2, 2, 2, 2, 12]


def fleet():  # type: ignore[no-untyped-def]
    return build_fleet([HallBlock("s", "h", "gpu", 4, 4, 4, 0.0)])


def table(checkpoint_s: float) -> JobTable:
    jobs = simple_jobs(np.array(ARRIVAL), np.array(DURATION), np.array(SIZE))
    return dataclasses.replace(jobs, checkpoint_s=np.full(5, checkpoint_s))


def fragmented_state(checkpoint_s: float = 600.0) -> ClusterState:
    state = ClusterState(fleet(), table(checkpoint_s))
    state.bring_online(np.arange(4), 0.0)
    topology = make_placement("topology")
    for job in range(4):
        assert state.place(job, topology, 0.0) is not None
    state.release(0, 10.0)
    state.release(2, 10.0)
    return state


def test_plan_moves_one_job_and_places_the_gang_whole() -> None:
    state = fragmented_state()
    topology = make_placement("topology")
    assert state.place(4, topology, 20.0) is None  # blocked: only 2 whole nodes
    assert fragmentation(state, 0) == pytest.approx(4 / 12)
    plan = plan_defrag(state, 4, topology, 20.0)
    assert plan is not None
    assert len(plan.moves) == 1 and plan.moved_accelerators == 2
    move = plan.moves[0]
    assert move.old.nodes.tolist() != move.new.nodes.tolist()
    assert state.allocations[move.job] is move.new and state.allocations[4] is plan.allocation
    assert int(plan.allocation.counts.sum()) == 12 and len(plan.allocation.nodes) == 3
    assert plan.fragmentation_before == pytest.approx(4 / 12)
    assert state.free_accelerators() == 0 and plan.fragmentation_after == 0.0  # 3 empty nodes


def test_jobs_that_do_not_checkpoint_are_not_moved_and_nothing_changes() -> None:
    state = fragmented_state(checkpoint_s=np.inf)
    before = (state.node_free.copy(), dict(state.allocations), list(state.group_busy_moment))
    assert plan_defrag(state, 4, make_placement("topology"), 20.0) is None
    assert (state.node_free == before[0]).all() and state.allocations == before[1]
    assert state.group_busy_moment == before[2]


def snapshot(state: ClusterState) -> tuple[object, ...]:
    return (
        state.node_free.tolist(),
        {j: (a.nodes.tolist(), a.counts.tolist(), a.start_s) for j, a in state.allocations.items()},
        list(state.group_busy), list(state.group_busy_moment), [list(r) for r in state.running_ends],
        list(state.type_free), list(state.type_full), state.domain_full.tolist(),
    )  # fmt: skip


def test_failed_try_rolls_back_exactly() -> None:
    # Three 3-accelerator jobs on nodes 0-2 (1 free each), node 3 empty: 7 free. A gang of 6
    # needs 2 whole nodes; moving any job only takes node 3: the try fails after the move and
    # must leave the state exactly as it was.
    jobs = dataclasses.replace(
        simple_jobs(np.zeros(4), np.full(4, 100.0), np.array([3, 3, 3, 6])),
        checkpoint_s=np.full(4, 60.0),
    )
    state = ClusterState(fleet(), jobs)
    state.bring_online(np.arange(4), 0.0)
    topology = make_placement("topology")
    for job in range(3):
        assert state.place(job, topology, 0.0) is not None
    before = snapshot(state)
    assert plan_defrag(state, 3, topology, 5.0) is None
    assert snapshot(state) == before


@pytest.mark.parametrize("policy", queue_policy_names())
def test_defrag_starts_the_blocked_gang_now_instead_of_at_1001(policy: str) -> None:
    plain = replay(fleet(), table(600.0), make_queue_policy(policy), horizon_s=1e4)
    assert plain.records.start_s[4] == 1001.0  # waits for a long job to end
    layer = Defragmenting(make_queue_policy(policy))
    moved = replay(fleet(), table(600.0), layer, horizon_s=1e4, migrate_s=5.0)
    assert moved.records.start_s[4] == 20.0
    migrations = moved.records.migrations
    assert migrations.sum() == 1 and migrations[[1, 3]].sum() == 1  # one long job, once
    assert layer.log.moves == 1 and layer.log.moved_accelerators == 2
    # The moved job lost nothing but the restore: it ends migrate_s later than it would have.
    job = 1 if migrations[1] else 3
    assert moved.records.end_s[job] == pytest.approx(plain.records.end_s[job] + 5.0)
