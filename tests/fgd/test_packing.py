"""Arrival-only packing: pods are placed or fail, nothing leaves, no node is ever over-full."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.fgd.experiment import PAPER_POLICIES
from gigawatt.fgd.fragmentation import typical_shapes
from gigawatt.fgd.gorand import GoRand
from gigawatt.fgd.nodes import NodeSpecs
from gigawatt.fgd.packing import NO_NODE, pack_arrivals
from gigawatt.fgd.placement import PolicyContext, make_policy
from gigawatt.fgd.pods import PodSpecs, spec_accepts
from gigawatt.fgd.state import FleetState

pod_strategy = st.tuples(
    st.integers(1000, 40_000),  # cpu milli
    st.integers(1, 80_000),  # memory MiB
    st.sampled_from([(0, 0), (1, 200), (1, 500), (1, 1000), (2, 1000), (4, 1000), (8, 1000)]),
)


def cluster() -> NodeSpecs:
    return NodeSpecs(
        names=tuple(f"n{i}" for i in range(6)),
        cpu_milli=np.array([32_000, 64_000, 96_000, 96_000, 128_000, 64_000]),
        memory_mib=np.array([131_072, 262_144, 393_216, 393_216, 786_432, 262_144]),
        gpu_count=np.array([1, 2, 4, 8, 8, 2]),
        gpu_model=np.array([0, 0, 1, 1, 1, 0]),
        gpu_models=("T4", "V100M32"),
    )


@settings(max_examples=25, deadline=None)
@given(st.lists(pod_strategy, min_size=1, max_size=60), st.sampled_from(list(PAPER_POLICIES)))
def test_packing_never_exceeds_capacity_and_counts_what_it_placed(pods_raw, policy: str) -> None:  # type: ignore[no-untyped-def]
    pods = PodSpecs(
        names=tuple(f"p{i}" for i in range(len(pods_raw))),
        cpu_milli=np.array([p[0] for p in pods_raw]),
        memory_mib=np.array([p[1] for p in pods_raw]),
        num_gpu=np.array([p[2][0] for p in pods_raw]),
        gpu_milli=np.array([p[2][1] for p in pods_raw]),
        gpu_spec=np.zeros(len(pods_raw), dtype=np.int64),
        gpu_specs=("",),
    )
    nodes = cluster()
    accepts = spec_accepts(pods.gpu_specs, nodes.gpu_models)
    context = PolicyContext(nodes, typical_shapes(pods), accepts)
    state = FleetState.empty(nodes)
    record = pack_arrivals(
        nodes, pods, make_policy(policy, context), accepts, np.arange(6), GoRand(3), state
    )
    assert (state.cpu_free_milli >= 0).all() and (state.memory_free_mib >= 0).all()
    assert (state.gpu_free_milli >= 0).all()
    placed = record.node != NO_NODE
    assert (
        state.allocated_gpu_milli()
        == int(pods.total_gpu_milli()[placed].sum())
        == record.allocated_gpu_milli[-1]
    )
    assert record.arrived_gpu_milli[-1] == int(pods.total_gpu_milli().sum())
    assert int((nodes.cpu_milli - state.cpu_free_milli).sum()) == int(pods.cpu_milli[placed].sum())
    gpus_taken = [bin(mask).count("1") for mask in record.gpus[placed].tolist()]
    assert gpus_taken == pods.num_gpu[placed].tolist()
