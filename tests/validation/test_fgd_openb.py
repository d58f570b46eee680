"""FGD paper, openb trace: our allocation curves against the paper's artifact.

Source: Q. Weng et al., "Beware of Fragmentation: Scheduling GPU-Sharing Workloads with
Fragmentation Gradient Descent", USENIX ATC'23; artifact github.com/hkust-adsl/
kubernetes-scheduler-simulator, expected results ``experiments/analysis/expected_results/``
(copied to ``data/traces/fgd_expected``): 10 seeds (42..51) x 6 policies, tune 1.3.

Claim checked (issue 3): our mean allocation ratio at 100% and 130% arrived load is within 0.5
percentage points of the paper's for every policy and workload given, and the policy ranking is
the same. The five deterministic policies go further: we replay the artifact's random draws, so
their curves equal the artifact's seed by seed. Random differs per seed (the artifact's order of
feasible nodes depends on goroutine timing) but agrees on the mean.

The default workload runs everywhere (about half a minute on 2 cores). The eight other workloads
run in CI (``CI=true``) or with ``GIGAWATT_FULL_VALIDATION=1`` (a few minutes on 2 cores).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from gigawatt.cli.simulate_packing import RunSummary, run_experiments
from gigawatt.fgd.experiment import PAPER_POLICIES, PAPER_SEEDS
from gigawatt.traces.fgd_expected import expected_curves, expected_workloads

TOLERANCE_PP = 0.5
POINTS = (100, 130)  # arrived GPU load, % of the cluster's GPUs
DETERMINISTIC = [p for p in PAPER_POLICIES if p != "random"]
FULL = bool(os.environ.get("CI")) or os.environ.get("GIGAWATT_FULL_VALIDATION") == "1"
OTHER_WORKLOADS = [w for w in expected_workloads() if w != "default"]

_runs: dict[str, list[RunSummary]] = {}


def runs_for(workload: str) -> list[RunSummary]:
    if workload not in _runs:
        _runs[workload] = run_experiments("openb", workload, list(PAPER_POLICIES), PAPER_SEEDS)
    return _runs[workload]


def means(workload: str) -> tuple[dict[str, dict[int, float]], dict[str, dict[int, float]]]:
    """Ours and the paper's mean allocation % at each point, per policy."""
    ours: dict[str, dict[int, float]] = {}
    paper: dict[str, dict[int, float]] = {}
    for policy in PAPER_POLICIES:
        mine = [r for r in runs_for(workload) if r.policy == policy]
        theirs = [expected_curves(workload, policy, seed) for seed in PAPER_SEEDS]
        assert all(t is not None for t in theirs), (
            f"paper has no {workload}/{policy} for every seed"
        )
        ours[policy] = {p: float(np.mean([r.allocation[p] for r in mine])) for p in POINTS}
        paper[policy] = {
            p: float(np.mean([t.allocation[p] for t in theirs if t is not None])) for p in POINTS
        }
    return ours, paper


def check_table(workload: str) -> None:
    ours, paper = means(workload)
    for policy in PAPER_POLICIES:
        for point in POINTS:
            diff = ours[policy][point] - paper[policy][point]
            assert abs(diff) <= TOLERANCE_PP, (
                f"{workload}/{policy} at {point}% arrived: ours {ours[policy][point]:.2f}% vs paper "
                f"{paper[policy][point]:.2f}% ({diff:+.2f} pp)"
            )
    for point in POINTS:
        assert sorted(PAPER_POLICIES, key=lambda p: ours[p][point]) == sorted(
            PAPER_POLICIES, key=lambda p: paper[p][point]
        ), f"{workload}: policy ranking at {point}% arrived differs"


def test_default_workload_mean_allocation_within_half_a_point_and_same_ranking() -> None:
    check_table("default")


def test_deterministic_policies_equal_the_artifact_seed_by_seed() -> None:
    for run in runs_for("default"):
        if run.policy not in DETERMINISTIC:
            continue
        paper = expected_curves("default", run.policy, run.seed)
        assert paper is not None
        label = f"{run.policy} seed {run.seed}"
        np.testing.assert_array_equal(run.allocation, paper.allocation, err_msg=label)
        np.testing.assert_array_equal(run.frag_amount, paper.frag_amount, err_msg=label)
        np.testing.assert_allclose(
            run.frag_ratio, paper.frag_ratio, rtol=0, atol=1e-9, err_msg=label
        )


@pytest.mark.skipif(not FULL, reason="full FGD table: set CI=true or GIGAWATT_FULL_VALIDATION=1")
@pytest.mark.parametrize("workload", OTHER_WORKLOADS)
def test_other_workloads_mean_allocation_within_half_a_point_and_same_ranking(
    workload: str,
) -> None:
    check_table(workload)
    _runs.pop(workload, None)  # keep memory flat across the table
