"""EASY backfill's two ways through a pass make the same decisions.

A pass over a few candidates steps through them in Python (`EasyBackfill._backfill_few`); over
many it jumps between hopeful candidates with NumPy (`_backfill_many`). Both are run on the same
busy queues here (mixed types, shared accelerators, gangs, estimates above the run times, a
reservation that keeps late jobs off the reserved type) and must start the same jobs at the
same times on the same nodes.
"""

from __future__ import annotations

import numpy as np
import pytest

import gigawatt.sched.queue as queue_module
import gigawatt.sched.topology  # noqa: F401
from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.sched.jobs import WHOLE_MILLI, JobTable
from gigawatt.sched.queue import make_queue_policy
from gigawatt.sim.replay import ReplayResult, replay


def busy_jobs(seed: int, sharing: float, count: int = 900) -> JobTable:
    rng = np.random.default_rng(seed)
    duration = rng.exponential(3_000.0, count) + 60.0
    sizes = rng.choice(
        [1, 2, 4, 8, 16, 32, 64, 96], count, p=[0.3, 0.15, 0.15, 0.15, 0.1, 0.07, 0.05, 0.03]
    )
    sizes[rng.random(count) < 0.02] = 160  # gangs that block the head
    milli = np.where(rng.random(count) < sharing, rng.choice([250, 500, 700], count), WHOLE_MILLI)
    sizes[milli < WHOLE_MILLI] = 1
    return JobTable(
        tenants=("a", "b"),
        tenant_weight=np.ones(2),
        types=("x", "y"),
        tenant=rng.integers(0, 2, count),
        accelerators=sizes.astype(np.int64),
        gpu_milli=milli.astype(np.int64),
        allowed=rng.choice([0, 1, 2], count, p=[0.6, 0.2, 0.2]).astype(np.int64),
        gang=np.ones(count, bool),
        priority=np.zeros(count, np.int64),
        arrival_s=np.sort(rng.uniform(0.0, 40_000.0, count)),
        duration_s=duration,
        # Estimates at or above the run times (users overestimate): ends come early.
        estimate_s=duration * rng.choice([1.0, 1.5, 3.0], count),
        checkpoint_s=np.full(count, np.inf),
    )


def run(
    jobs: JobTable, prefilter_from: int, monkeypatch: pytest.MonkeyPatch, chunk: int = 64
) -> ReplayResult:
    fleet = build_fleet(
        [
            HallBlock("s", "h-x", "x", 24, 4, 4, 0.0),
            HallBlock("s", "h-y", "y", 12, 8, 1, 0.0),
            HallBlock("s", "h-x2", "x", 8, 4, 4, 20_000.0),  # comes online later
        ]
    )
    monkeypatch.setattr(queue_module, "PREFILTER_FROM", prefilter_from)
    monkeypatch.setattr(queue_module, "BACKFILL_CHUNK", chunk)
    return replay(fleet, jobs, make_queue_policy("easy-backfill", "topology"), 2e5, 600.0)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("sharing", [0.15, 0.0])  # without shared jobs a pass can end early
@pytest.mark.parametrize("chunk", [64, 5])
def test_numpy_and_python_passes_decide_alike(
    seed: int, sharing: float, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = busy_jobs(seed, sharing)
    python_steps = run(jobs, 10**9, monkeypatch).records
    numpy_steps = run(jobs, 0, monkeypatch, chunk).records
    # The queue really is busy and backfilled: many jobs wait, many overtake earlier ones.
    waited = python_steps.start_s > jobs.arrival_s
    assert waited.sum() > len(jobs.arrival_s) // 2
    overtakes = np.sum(np.diff(python_steps.start_s[np.argsort(jobs.arrival_s)]) < 0)
    assert overtakes > 50
    np.testing.assert_array_equal(numpy_steps.start_s, python_steps.start_s)
    np.testing.assert_array_equal(numpy_steps.end_s, python_steps.end_s)
    np.testing.assert_array_equal(numpy_steps.nodes, python_steps.nodes)
    np.testing.assert_array_equal(numpy_steps.domains, python_steps.domains)
    np.testing.assert_array_equal(numpy_steps.type_index, python_steps.type_index)
