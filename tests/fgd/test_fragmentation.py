"""Fragmentation against the workload's typical shapes, as the FGD artifact measures it."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.fgd.fragmentation import idle_weight_sum, node_fragmentation, typical_shapes
from gigawatt.fgd.pods import spec_accepts
from gigawatt.fgd.reference import NodeView, fragmentation_one
from gigawatt.fgd.state import FleetState
from gigawatt.traces import get_trace


@pytest.fixture(scope="module")
def openb():  # type: ignore[no-untyped-def]
    return get_trace("openb").load("default")


def test_typical_shapes_are_the_35_the_artifact_logged(openb) -> None:  # type: ignore[no-untyped-def]
    typical = typical_shapes(openb.pods)
    # simon_run.log: "Count top 35 pod resource spec as typical ones, accounting for 95.26% of all pods"
    assert typical.count == 35
    assert abs(idle_weight_sum(typical) - 1) < 1e-12
    # "[0] <CPU: 3.15, GPU: 1 x {810}m>: 1047", "[5] <CPU: 12.50, GPU: 0 x {0}m>: 366"
    assert (int(typical.cpu_milli[0]), int(typical.gpu_milli[0]), int(typical.num_gpu[0])) == (
        3152,
        810,
        1,
    )
    assert (int(typical.cpu_milli[5]), int(typical.gpu_milli[5])) == (12500, 0)
    assert typical.weight[0] == pytest.approx(1047 / 8152 / (7766 / 8152))


def test_vectorized_fragmentation_equals_the_plain_one_bit_for_bit(openb) -> None:  # type: ignore[no-untyped-def]
    typical = typical_shapes(openb.pods)
    accepts = spec_accepts(openb.pods.gpu_specs, openb.nodes.gpu_models)
    rng = np.random.default_rng(7)
    state = FleetState.empty(openb.nodes)
    nodes = rng.choice(openb.nodes.count, size=300, replace=False)
    for node in nodes:  # random partial allocations
        count = int(openb.nodes.gpu_count[node])
        state.gpu_free_milli[node, :count] = rng.choice(
            [0, 50, 190, 470, 530, 810, 1000], size=count
        )
        state.cpu_free_milli[node] = rng.integers(0, openb.nodes.cpu_milli[node] + 1)
    access = accepts[typical.gpu_spec][:, openb.nodes.gpu_model[nodes]]
    fast = node_fragmentation(
        state.cpu_free_milli[nodes], state.gpu_free_milli[nodes], access, typical
    )
    plain = [fragmentation_one(NodeView.of(state, int(n)), typical, accepts) for n in nodes]
    assert fast.tolist() == plain
    # One state at a time too (numpy must not switch to pairwise summation for tiny arrays).
    single = node_fragmentation(
        state.cpu_free_milli[nodes[:1]], state.gpu_free_milli[nodes[:1]], access[:, :1], typical
    )
    assert single.tolist() == plain[:1]


def test_idle_node_fragment_is_what_cpu_only_and_unplaceable_shapes_see(openb) -> None:  # type: ignore[no-untyped-def]
    typical = typical_shapes(openb.pods)
    accepts = spec_accepts(openb.pods.gpu_specs, openb.nodes.gpu_models)
    state = FleetState.empty(openb.nodes)
    node = int(np.flatnonzero(openb.nodes.gpu_count == 8)[0])
    frag = fragmentation_one(NodeView.of(state, node), typical, accepts)
    cpu_only_weight = float(typical.weight[typical.gpu_milli == 0].sum())
    # An idle 8-GPU node fits every GPU shape, so only CPU-only shapes count its GPUs as fragment.
    assert frag == pytest.approx(8000 * cpu_only_weight)
