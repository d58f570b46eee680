"""The replay engine: deterministic ties, growing fleets, interruptions, samples."""

from __future__ import annotations

import math

import numpy as np

import gigawatt.sched.topology  # noqa: F401
from gigawatt.fleet import uniform_fleet
from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.sched.jobs import simple_jobs
from gigawatt.sched.queue import make_queue_policy
from gigawatt.sim.replay import busy_accelerator_seconds, replay


def test_jobs_wait_for_their_hall_to_come_online() -> None:
    fleet = build_fleet([HallBlock("s", "later", "gpu", 2, 8, 1, 100.0)])
    jobs = simple_jobs(np.array([0.0, 0.0]), np.array([50.0, 50.0]), np.array([16, 8]))
    result = replay(fleet, jobs, make_queue_policy("fifo"), horizon_s=1000.0, sample_every_s=50)
    assert result.records.start_s.tolist() == [100.0, 150.0]
    assert result.samples.group_online[:3, 0].tolist() == [0.0, 0.0, 16.0]
    assert result.group_online_s.sum() == 16 * 900.0


def test_a_job_too_big_for_the_fleet_is_rejected_not_queued_forever() -> None:
    jobs = simple_jobs(np.array([0.0, 1.0]), np.array([5.0, 5.0]), np.array([5, 1]))
    result = replay(uniform_fleet(4), jobs, make_queue_policy("fifo"), horizon_s=100.0)
    assert result.records.rejected.tolist() == [True, False]
    assert result.records.start_s[1] == 1.0


def test_offline_nodes_interrupt_jobs_which_restart_from_their_checkpoint() -> None:
    fleet = build_fleet(
        [
            HallBlock("s", "leaving", "gpu", 1, 4, 1, 0.0, offline_s=25.0),
            HallBlock("s", "staying", "gpu", 1, 4, 1, 30.0),
        ]
    )
    jobs = simple_jobs(np.array([0.0]), np.array([100.0]), np.array([4]))
    jobs = jobs.take(np.array([0]))
    object.__setattr__(jobs, "checkpoint_s", np.array([10.0]))
    result = replay(fleet, jobs, make_queue_policy("fifo"), horizon_s=1000.0)
    # 20 s were checkpointed before the node left at 25 s; 80 s remain from 30 s.
    assert result.records.interruptions.tolist() == [1]
    assert result.records.end_s.tolist() == [110.0]


def test_same_instant_events_resolve_the_same_way_every_run() -> None:
    rng = np.random.default_rng(0)
    arrival = np.round(rng.uniform(0, 20, 300))  # many ties
    duration = np.round(rng.uniform(1, 10, 300))
    size = rng.choice([1, 2, 4], 300)
    jobs = simple_jobs(arrival, duration, size)
    runs = [
        replay(uniform_fleet(4, 4, 2), jobs, make_queue_policy("easy-backfill"), 1e5).records
        for _ in range(2)
    ]
    assert np.array_equal(runs[0].start_s, runs[1].start_s)


def test_busy_integral_matches_the_job_records() -> None:
    rng = np.random.default_rng(1)
    jobs = simple_jobs(rng.uniform(0, 100, 200), rng.uniform(1, 30, 200), rng.choice([1, 2], 200))
    result = replay(uniform_fleet(3, 2), jobs, make_queue_policy("drf"), horizon_s=150.0)
    assert math.isclose(result.group_busy_s.sum(), busy_accelerator_seconds(result), rel_tol=1e-9)
