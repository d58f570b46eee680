"""Fleet state: allocations take exactly what they ask and never more than a node has."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.fgd.nodes import MILLI_PER_GPU, NodeSpecs
from gigawatt.fgd.state import FleetState


def two_nodes() -> NodeSpecs:
    return NodeSpecs(
        names=("a", "b"),
        cpu_milli=np.array([32_000, 64_000]),
        memory_mib=np.array([1024, 2048]),
        gpu_count=np.array([2, 8]),
        gpu_model=np.array([0, 1]),
        gpu_models=("T4", "V100M32"),
    )


def test_empty_state_has_every_gpu_free_and_absent_gpus_at_zero() -> None:
    state = FleetState.empty(two_nodes())
    assert state.gpu_free_milli[0].tolist() == [1000, 1000, 0, 0, 0, 0, 0, 0]
    assert state.gpu_fully_free.tolist() == [2, 8]
    assert state.allocated_gpu_milli() == 0


def test_allocate_takes_cpu_memory_and_gpu_and_tracks_pod_kinds() -> None:
    state = FleetState.empty(two_nodes())
    state.allocate(1, 4000, 100, 300, (3,))
    state.allocate(1, 8000, 100, MILLI_PER_GPU, (0, 1))
    assert state.cpu_free_milli[1] == 52_000
    assert state.gpu_free_milli[1, :4].tolist() == [0, 0, 1000, 700]
    assert state.gpu_fully_free[1] == 5
    assert state.gpu_free_max[1] == 1000
    assert state.affinity_pods[1, 0] == 1 and state.affinity_pods[1, 2] == 1
    assert state.allocated_gpu_milli() == 2300
    assert state.version.tolist() == [0, 2]


@pytest.mark.parametrize(
    ("cpu", "memory", "milli", "gpus"),
    [(40_000, 0, 0, ()), (0, 5000, 0, ()), (0, 0, 600, (2,)), (0, 0, 600, (0, 0))],
)
def test_allocate_refuses_more_than_the_node_has(
    cpu: int, memory: int, milli: int, gpus: tuple[int, ...]
) -> None:
    state = FleetState.empty(two_nodes())
    before = state.copy()
    with pytest.raises(ValueError):
        state.allocate(0, cpu, memory, milli, gpus)
    assert np.array_equal(state.gpu_free_milli, before.gpu_free_milli)
    assert np.array_equal(state.cpu_free_milli, before.cpu_free_milli)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 1),
            st.integers(0, 20_000),
            st.integers(0, 800),
            st.sampled_from([0, 100, 500, 1000]),
            st.integers(0, 7),
        ),
        max_size=40,
    )
)
def test_no_sequence_of_allocations_goes_below_zero(
    requests: list[tuple[int, int, int, int, int]],
) -> None:
    state = FleetState.empty(two_nodes())
    for node, cpu, memory, milli, gpu in requests:
        with contextlib.suppress(ValueError):
            state.allocate(node, cpu, memory, milli, (gpu,) if milli else ())
    assert (state.cpu_free_milli >= 0).all()
    assert (state.memory_free_mib >= 0).all()
    assert (state.gpu_free_milli >= 0).all()
    assert np.array_equal(state.gpu_free_max, state.gpu_free_milli.max(axis=1))
