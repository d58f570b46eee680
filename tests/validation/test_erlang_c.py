"""Queueing theory: FIFO on c identical GPUs with Poisson arrivals and exponential run times is
an M/M/c queue, whose mean wait is Erlang C's (A. K. Erlang 1917; e.g. Kleinrock, *Queueing
Systems* vol. 1, 1975, eq. 3.40):

    W_q = C(c, a) / (c mu - lambda),  C(c, a) = (a^c / c!) / (1 - rho) / (sum_{k<c} a^k / k! +
    (a^c / c!) / (1 - rho)),  a = lambda / mu,  rho = a / c.

Our replay's mean wait must be within 5% of it at loads 0.5, 0.8 and 0.95.

Statistics: c = 2 GPUs, 50,000 jobs per seed, the first 5% dropped as warm-up, averaged over
seeds. Inter-arrival and run times of each seed are rescaled so their sample means are exactly
1/lambda and 1/mu (moment matching, a standard variance reduction: the wait is very sensitive
to the realized load near saturation). Measured per-seed relative standard deviation of the
mean wait: 2.5% (0.5), 4.2% (0.8), 5.5% (0.95); with the seed counts below the standard error
of the average is 1.4%, 1.7% and 1.7%, about a third of the 5% tolerance. Seeds are fixed, so
the test is deterministic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import gigawatt.sched.topology  # noqa: F401  (registers the placements)
from gigawatt.fleet import uniform_fleet
from gigawatt.sched.jobs import simple_jobs
from gigawatt.sched.queue import make_queue_policy
from gigawatt.sim.replay import replay

GPUS = 2
JOBS_PER_SEED = 50_000
WARM_UP = JOBS_PER_SEED // 20
TOLERANCE = 0.05


def erlang_c_mean_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean wait in queue of M/M/c (Erlang C)."""
    offered = arrival_rate / service_rate
    rho = offered / servers
    top = offered**servers / math.factorial(servers) / (1.0 - rho)
    below = sum(offered**k / math.factorial(k) for k in range(servers))
    return top / (below + top) / (servers * service_rate - arrival_rate)


def simulated_mean_wait(load: float, seed: int) -> float:
    service_rate = 1.0
    arrival_rate = load * GPUS * service_rate
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0 / arrival_rate, JOBS_PER_SEED)
    gaps *= (1.0 / arrival_rate) / gaps.mean()
    runs = rng.exponential(1.0 / service_rate, JOBS_PER_SEED)
    runs *= (1.0 / service_rate) / runs.mean()
    jobs = simple_jobs(np.cumsum(gaps), runs)
    result = replay(
        uniform_fleet(GPUS), jobs, make_queue_policy("fifo"), horizon_s=1e12, sample_every_s=1e12
    )
    return float(np.mean(result.records.wait_s(jobs)[WARM_UP:]))


@pytest.mark.parametrize(("load", "seeds"), [(0.5, 3), (0.8, 6), (0.95, 10)])
def test_fifo_mean_wait_matches_erlang_c(load: float, seeds: int) -> None:
    expected = erlang_c_mean_wait(GPUS, load * GPUS, 1.0)
    measured = float(np.mean([simulated_mean_wait(load, seed) for seed in range(seeds)]))
    assert measured == pytest.approx(expected, rel=TOLERANCE)


def test_erlang_c_formula_known_value() -> None:
    # M/M/1: W_q = rho / (mu - lambda); at rho 0.5, mu 1: 1.0
    assert erlang_c_mean_wait(1, 0.5, 1.0) == pytest.approx(1.0)
    # M/M/2 at a = 1 (rho 0.5): C = 1/3, W_q = (1/3) / (2 - 1)
    assert erlang_c_mean_wait(2, 1.0, 1.0) == pytest.approx(1 / 3)
