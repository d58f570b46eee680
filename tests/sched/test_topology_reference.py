"""Topology packing's fast gang choice (domain buckets, Python scans) agrees with the plain
reference (`sched.reference.reference_full_nodes`) on random fleets and random histories, and
the state's wholly-free counters always equal a recount from the nodes."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import gigawatt.sched.topology  # noqa: F401
from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.sched.cluster import ClusterState, make_placement
from gigawatt.sched.jobs import simple_jobs
from gigawatt.sched.reference import reference_full_nodes

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
