"""Topology packing's fast gang choice (domain buckets, Python scans) agrees with the plain
reference (`sched.topology_reference.reference_full_nodes`) on random fleets and random histories, and
the state's wholly-free counters always equal a recount from the nodes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.sched import topology
from gigawatt.sched.cluster import ClusterState, make_placement
from gigawatt.sched.jobs import simple_jobs
from gigawatt.sched.topology_reference import reference_full_nodes

# (accelerators per node, nodes per domain): an NVL72-like rack, one-node domains, a bigger
# rack, a small one, a TPU-like pod (halls of few big domains, scanned with numpy).
SHAPES = [(4, 18), (8, 1), (4, 40), (2, 3), (4, 300)]


def recount_matches(state: ClusterState) -> None:
    fleet = state.fleet
    whole = (state.node_free == state.node_size) & state.node_up
    domain_full = np.bincount(fleet.node_domain[whole], minlength=fleet.domain_count)
    assert state.domain_full.tolist() == domain_full.tolist()
    assert state._domain_full == domain_full.tolist()
    hall_full = np.bincount(fleet.domain_hall, weights=domain_full, minlength=fleet.hall_count)
    assert state.hall_full.tolist() == hall_full.astype(int).tolist()
    assert state._hall_full == hall_full.astype(int).tolist()
    for hall, buckets in enumerate(state.domain_buckets):
        if buckets is None:
            continue
        first, stop = int(fleet.hall_first_domain[hall]), int(fleet.hall_first_domain[hall + 1])
        for k, bucket in enumerate(buckets):
            expected = [d for d in range(first, stop) if domain_full[d] == k] if k else []
            assert bucket == expected


@settings(max_examples=60, deadline=None)
@given(
    halls=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, len(SHAPES) - 1), st.integers(1, 60)),
        min_size=1,
        max_size=6,
    ),
    seed=st.integers(0, 2**31),
)
def test_fast_gang_choice_equals_the_reference(
    halls: list[tuple[int, int, int]], seed: int
) -> None:
    # One accelerator type per shape so every hall of a type has the same node size.
    blocks = [
        HallBlock(
            f"s{site}", f"h{i}", f"t{shape}", nodes * (12 if shape == 4 else 1), *SHAPES[shape], 0.0
        )
        for i, (site, shape, nodes) in enumerate(halls)
    ]
    fleet = build_fleet(blocks)
    rng = np.random.default_rng(seed)
    count = 300
    types = rng.integers(0, len(fleet.types), count)
    sizes = np.array([int(SHAPES[int(fleet.types[t][1:])][0]) for t in types])
    big = fleet.types.index("t4") if "t4" in fleet.types else -1
    gang_nodes = np.where(types == big, rng.integers(1, 400, count), rng.integers(1, 40, count))
    # No gang larger than its type's fleet: the first one is always checked (a hall of 3 nodes
    # drew none that fit once).
    type_nodes = np.bincount(fleet.node_type, minlength=len(fleet.types))
    gang_nodes = np.minimum(gang_nodes, type_nodes[types])
    accelerators = sizes * gang_nodes + rng.integers(0, 2, count) * (sizes // 2)
    jobs = simple_jobs(np.zeros(count), accelerators, np.full(count, 10.0))
    state = ClusterState(fleet, jobs)
    state.bring_online(np.arange(fleet.node_count), 0.0)
    placement = make_placement("topology")
    running: list[int] = []
    checked = 0
    for job in range(count):
        if running and rng.random() < 0.4:
            state.release(running.pop(int(rng.integers(len(running)))), 1.0)
        t = int(types[job])
        size = int(state.type_node_size[t])
        whole = int(accelerators[job]) // size
        if 0 < whole <= state.type_full[t]:
            fast = placement.full_nodes(state, t, whole).tolist()
            assert sorted(fast) == sorted(reference_full_nodes(state, t, whole))  # same nodes
            checked += 1
        if state.place(job, placement, 1.0, types=(t,)) is not None:
            running.append(job)
        recount_matches(state)
    # Nodes failing and returning keep the counters right too.
    down = rng.choice(fleet.node_count, size=min(5, fleet.node_count), replace=False)
    state.take_offline(np.asarray(down, np.int64), 2.0)
    recount_matches(state)
    state.bring_online(np.asarray(down, np.int64), 3.0)
    recount_matches(state)
    assert checked > 0


# Hall kinds of one accelerator type (4 per node), as (nodes per domain, nodes per hall per
# drawn unit): racks of 18 and of 40 (bucketed), pods of 300 (few big domains once the hall
# has more than BUCKET_DOMAIN_NODES nodes), one-node domains (placed as runs when every hall
# of the type has them, else by the NumPy path); the last drawn less often.
KINDS = [(18, 6), (40, 6), (300, 10), (1, 20)]
KIND_DRAWS = [0, 0, 1, 1, 2, 2, 3]


def _domain_order(nodes: list[int], node_domain: list[int]) -> dict[int, int]:
    """Nodes per domain, domains in the order of their first node in ``nodes``."""
    tally: dict[int, int] = {}
    for node in nodes:
        domain = node_domain[node]
        tally[domain] = tally.get(domain, 0) + 1
    return tally


@settings(max_examples=60, deadline=None)
@given(
    halls=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(KIND_DRAWS), st.integers(1, 60)),
        min_size=2,
        max_size=8,
    ),
    twin=st.booleans(),
    numpy_from=st.sampled_from([0, 4, topology.NUMPY_RUNS_DOMAINS]),
    seed=st.integers(0, 2**31),
)
def test_gangs_over_several_halls_equal_the_reference(
    halls: list[tuple[int, int, int]], twin: bool, numpy_from: int, seed: int
) -> None:
    """Gangs up to the whole type's size on several halls of mixed kinds (and sites), with
    nodes failing and returning in between (and sites that tie): the runs pick the reference's nodes, domain by
    domain in the reference's order, the NumPy path picks the same nodes, and the counters
    equal a recount after every take and give-back. Runs over more than ``numpy_from``
    domains are collected with NumPy."""
    default = topology.NUMPY_RUNS_DOMAINS
    topology.NUMPY_RUNS_DOMAINS = numpy_from
    try:
        _several_halls_history(halls, twin, seed)
    finally:
        topology.NUMPY_RUNS_DOMAINS = default


def _several_halls_history(halls: list[tuple[int, int, int]], twin: bool, seed: int) -> None:
    blocks = [
        HallBlock(f"s{site}", f"h{i}", "a", nodes * KINDS[kind][1], 4, KINDS[kind][0], 0.0)
        for i, (site, kind, nodes) in enumerate(halls)
    ]
    if twin:  # the same halls again on other sites: sites tie (ties go to the lowest index)
        blocks += [replace(b, site=f"t{b.site}", hall=f"t{b.hall}") for b in blocks]
    fleet = build_fleet(blocks)
    total = fleet.node_count
    rng = np.random.default_rng(seed)
    count = 120
    gang_nodes = rng.integers(1, max(2, total), count)
    accelerators = 4 * gang_nodes + rng.integers(0, 2, count) * 2
    accelerators[rng.random(count) < 0.3] = 2  # small jobs leave partly used nodes
    jobs = simple_jobs(np.zeros(count), accelerators, np.full(count, 10.0))
    state = ClusterState(fleet, jobs)
    state.bring_online(np.arange(total), 0.0)
    placement = make_placement("topology")
    node_domain = fleet.node_domain.tolist()
    running: list[int] = []
    down: list[int] = []
    for job in range(count):
        if running and rng.random() < 0.4:
            state.release(running.pop(int(rng.integers(len(running)))), 1.0)
            recount_matches(state)
        if rng.random() < 0.15:  # a few nodes fail (their jobs end) or come back
            if down and rng.random() < 0.5:
                state.bring_online(np.asarray(down, np.int64), 1.0)
                down = []
            else:
                failed = rng.choice(total, size=min(3, total), replace=False).tolist()
                for allocation in state.take_offline(np.asarray(failed, np.int64), 1.0):
                    running.remove(allocation.job)
                down = sorted(set(down) | set(failed))
            recount_matches(state)
        whole = int(accelerators[job]) // 4
        if 1 < whole <= state.type_full[0]:
            reference = reference_full_nodes(state, 0, whole)
            fast = placement.full_nodes(state, 0, whole).tolist()
            assert sorted(fast) == sorted(reference)
            assert sorted(topology._full_nodes_array(state, 0, whole).tolist()) == sorted(reference)
            if state.type_one_node[0]:  # halls of one-node domains: the same order too
                assert fast == reference
                assert topology._full_nodes_array(state, 0, whole).tolist() == reference
            runs = placement.full_runs(state, 0, whole)
            assert (runs is not None) == state.type_runs[0]
            if runs is not None:
                expected = _domain_order(reference, node_domain)
                assert list(runs.per_domain.items()) == list(expected.items())
                spanned = [n for first, k in runs.spans for n in range(first, first + k)]
                assert sorted(spanned + runs.singles) == sorted(reference)
        allocation = state.place(job, placement, 1.0, types=(0,))
        if allocation is not None:
            running.append(job)
            if allocation.runs is not None:
                held = allocation.nodes[allocation.counts == 4].tolist()
                assert allocation.runs.per_domain == _domain_order(held, node_domain)
        recount_matches(state)
