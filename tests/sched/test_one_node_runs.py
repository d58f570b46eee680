"""Gangs on halls of one-node scale-up domains (B200 HGX: every node its own domain) are placed
as runs: the same nodes in the same order as the NumPy choice (``_full_nodes_array``) and the
plain reference, the counters equal a recount after every take, give-back and failure, and
the busy accelerators per metrics group equal a per-node tally."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.sched import topology
from gigawatt.sched.cluster import Allocation, ClusterState, make_placement
from gigawatt.sched.jobs import simple_jobs
from gigawatt.sched.topology_reference import reference_full_nodes


def recount_matches(state: ClusterState) -> None:
    """The wholly free counters (Python lists and numpy mirrors) equal a recount."""
    fleet = state.fleet
    whole = (state.node_free == state.node_size) & state.node_up
    assert state._node_free == state.node_free.tolist()
    domain_full = np.bincount(fleet.node_domain[whole], minlength=fleet.domain_count)
    assert state._domain_full == domain_full.tolist()
    assert state.domain_full.tolist() == domain_full.tolist()
    hall_full = np.bincount(fleet.node_hall[whole], minlength=fleet.hall_count)
    assert state._hall_full == hall_full.tolist()
    assert state.hall_full.tolist() == hall_full.tolist()
    per_type = np.bincount(fleet.node_type[whole], minlength=len(fleet.types))
    assert state.type_full == per_type.tolist()


def _group_tally(state: ClusterState) -> list[float]:
    busy = [0.0] * len(state.groups)
    for allocation in state.allocations.values():
        for node, count in zip(allocation.nodes.tolist(), allocation.counts.tolist(), strict=True):
            busy[int(state.node_group[node])] += count
    return busy


def _check_gang(state: ClusterState, t: int, whole: int, node_domain: list[int]) -> None:
    reference = reference_full_nodes(state, t, whole)
    before = topology._full_nodes_array(state, t, whole).tolist()
    runs = topology.TopologyPacking().full_runs(state, t, whole)
    assert runs is not None and runs.one_node_halls is not None
    fast = runs.array(state._all_nodes).tolist()
    assert fast == before == reference  # the same nodes in the same order
    assert [n for first, k in runs.spans for n in range(first, first + k)] == fast
    assert runs.singles == []
    assert list(runs.per_domain) == [node_domain[n] for n in fast]
    assert set(runs.per_domain.values()) == {1}
    halls: dict[int, int] = {}
    for node in fast:
        hall = int(state.fleet.node_hall[node])
        halls[hall] = halls.get(hall, 0) + 1
    assert runs.one_node_halls == halls


@settings(max_examples=60, deadline=None)
@given(
    halls=st.lists(
        st.tuples(st.integers(0, 3), st.integers(1, 40), st.booleans()),
        min_size=1,
        max_size=6,
    ),
    small_share=st.sampled_from([0.0, 0.3, 0.7]),
    seed=st.integers(0, 2**31),
)
def test_one_node_domain_gangs_equal_the_numpy_choice_and_the_reference(
    halls: list[tuple[int, int, bool]], small_share: float, seed: int
) -> None:
    """Halls of one-node domains on several sites (some sites with two), beside a hall of
    racks of another type; gangs of 1 node up to the whole type, small jobs leaving partly
    used nodes, nodes failing and returning."""
    blocks = []
    for i, (site, nodes, twin) in enumerate(halls):
        blocks.append(HallBlock(f"s{site}", f"b{i}", "b200", nodes, 8, 1, 0.0))
        if twin:
            blocks.append(HallBlock(f"s{site}", f"r{i}", "rack", 36, 4, 18, 0.0))
            blocks.append(HallBlock(f"s{site}", f"c{i}", "b200", nodes, 8, 1, 0.0))
    fleet = build_fleet(blocks)
    t = fleet.types.index("b200")
    total = int((fleet.node_type == t).sum())
    rng = np.random.default_rng(seed)
    count = 150
    gang_nodes = rng.integers(1, total + 1, count)
    accelerators = 8 * gang_nodes + rng.integers(0, 2, count) * rng.integers(1, 8, count)
    small = rng.random(count) < small_share
    accelerators[small] = rng.integers(1, 9, int(small.sum()))
    jobs = simple_jobs(np.zeros(count), accelerators, np.full(count, 10.0))
    state = ClusterState(fleet, jobs)
    assert state.type_one_node[t] and state.type_runs[t]
    state.bring_online(np.arange(fleet.node_count), 0.0)
    placement = make_placement("topology")
    node_domain = fleet.node_domain.tolist()
    running: list[int] = []
    down: list[int] = []
    checked = 0
    for job in range(count):
        if running and rng.random() < 0.4:
            state.release(running.pop(int(rng.integers(len(running)))), 1.0)
            recount_matches(state)
        if rng.random() < 0.15:
            if down and rng.random() < 0.5:
                state.bring_online(np.asarray(down, np.int64), 1.0)
                down = []
            else:
                failed = rng.choice(fleet.node_count, size=min(3, total), replace=False)
                for allocation in state.take_offline(np.asarray(failed, np.int64), 1.0):
                    running.remove(allocation.job)
                down = sorted(set(down) | set(failed.tolist()))
            recount_matches(state)
        whole = int(accelerators[job]) // 8
        if 0 < whole <= state.type_full[t]:
            _check_gang(state, t, whole, node_domain)
            checked += 1
        allocation: Allocation | None = state.place(job, placement, 1.0, types=(t,))
        if allocation is not None:
            running.append(job)
            if len(allocation.nodes) > 1:
                assert allocation.runs is not None
        recount_matches(state)
        assert state.group_busy == _group_tally(state)
    for job in list(running):
        state.release(job, 2.0)
    recount_matches(state)
    assert checked > 0
