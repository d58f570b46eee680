"""The shared scheduler steps: filter, normalize, select with the artifact's tie-break."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.fgd import experiment as _experiment  # noqa: F401  (registers the policies)
from gigawatt.fgd.nodes import NodeSpecs
from gigawatt.fgd.placement import (
    UnknownPolicyError,
    feasible_nodes,
    make_policy,
    normalize_min_max,
    policy_names,
    select_node,
    tightest_gpu,
)
from gigawatt.fgd.pods import PodShape, spec_accepts
from gigawatt.fgd.state import FleetState


def nodes() -> NodeSpecs:
    return NodeSpecs(
        names=("n0", "n1", "n2"),
        cpu_milli=np.array([8000, 64_000, 96_000]),
        memory_mib=np.array([100, 100, 100]),
        gpu_count=np.array([1, 2, 8]),
        gpu_model=np.array([0, 1, 1]),
        gpu_models=("T4", "V100M32"),
    )


def test_the_six_paper_policies_are_registered_by_name() -> None:
    assert set(policy_names()) >= {
        "random",
        "dotprod",
        "gpu-clustering",
        "gpu-packing",
        "bestfit",
        "fgd",
    }
    with pytest.raises(UnknownPolicyError):
        make_policy("nope", None)  # type: ignore[arg-type]


def test_highest_score_wins_and_ties_go_to_the_lowest_rank() -> None:
    candidates = np.array([0, 1, 2])
    rank = np.array([5, 9, 1])
    assert select_node(candidates, np.array([3, 7, 2]), rank) == 1
    assert select_node(candidates, np.array([7, 7, 7]), rank) == 2
    assert select_node(candidates, np.array([7, 7, 0]), rank) == 0


def test_min_max_normalization_floors_like_go_and_flat_scores_become_zero() -> None:
    assert normalize_min_max(np.array([10, 20, 40])).tolist() == [0, 33, 100]
    assert normalize_min_max(np.array([55, 55])).tolist() == [0, 0]


def test_filter_checks_cpu_memory_model_and_gpu_room() -> None:
    state = FleetState.empty(nodes())
    accepts = spec_accepts(("", "T4"), ("T4", "V100M32"))
    state.allocate(2, 0, 0, 1000, (0, 1, 2, 3, 4, 5, 6))
    share = PodShape(cpu_milli=1000, gpu_milli=500, num_gpu=1, gpu_spec=0)
    assert feasible_nodes(state, 1000, 10, share, accepts).tolist() == [True, True, True]
    assert feasible_nodes(state, 9000, 10, share, accepts).tolist() == [False, True, True]
    assert feasible_nodes(state, 1000, 200, share, accepts).tolist() == [False, False, False]
    t4_only = PodShape(cpu_milli=1000, gpu_milli=500, num_gpu=1, gpu_spec=1)
    assert feasible_nodes(state, 1000, 10, t4_only, accepts).tolist() == [True, False, False]
    two_gpus = PodShape(cpu_milli=1000, gpu_milli=1000, num_gpu=2, gpu_spec=0)
    assert feasible_nodes(state, 1000, 10, two_gpus, accepts).tolist() == [False, True, False]


def test_best_gpu_is_the_tightest_fit_lowest_index_first() -> None:
    assert tightest_gpu(np.array([1000, 300, 600, 300]), 250) == 1
    assert tightest_gpu(np.array([1000, 300, 600, 300]), 500) == 2
