"""Closed forms for a gang job under independent, exponentially distributed interruptions.

Notation: Lambda = job interruption rate (1/s), M = 1/Lambda_u its mean time to an
interruption that loses work (MTTI), tau = checkpoint interval (useful work between
checkpoints), delta = blocking checkpoint cost, R = detection + restart time.

Sources:
- Young, J. W. (1974), "A first order approximation to the optimum checkpoint interval",
  Communications of the ACM 17(9): tau_opt ~ sqrt(2 delta M).
- Daly, J. T. (2006), "A higher order estimate of the optimum checkpoint interval for restart
  dumps", Future Generation Computer Systems 22(3): the corrected tau_opt and the exact
  expected runtime under exponential failures, whose reciprocal is the goodput used here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gigawatt.failures.exposure import JobRates


def young_interval_s(checkpoint_cost_s: float, mtti_s: float) -> float:
    """Young (1974): sqrt(2 delta M), seconds."""
    return math.sqrt(2.0 * checkpoint_cost_s * mtti_s)


def daly_interval_s(checkpoint_cost_s: float, mtti_s: float) -> float:
    """Daly (2006) eq. 37: sqrt(2 delta M) [1 + (1/3) sqrt(delta/2M) + (1/9)(delta/2M)] - delta
    for delta < 2M, else M. Seconds; infinite when nothing loses work (M infinite)."""
    delta, m = checkpoint_cost_s, mtti_s
    if math.isinf(m):
        return math.inf
    if delta >= 2.0 * m:
        return m
    x = delta / (2.0 * m)
    return math.sqrt(2.0 * delta * m) * (1.0 + math.sqrt(x) / 3.0 + x / 9.0) - delta


def goodput_exact(
    rates: JobRates, interval_s: float, checkpoint_cost_s: float, recovery_s: float
) -> float:
    """Long-run fraction of wall-clock spent on useful training (the effective training time
    ratio), exact for Poisson interruptions under these semantics: a run segment does blocks of
    `interval_s` work + `checkpoint_cost_s`; an unplanned stop loses the unfinished block; a
    planned stop keeps its work (it checkpoints first); every stop costs `recovery_s`, and a
    stop during recovery starts the recovery over.

    Renewal-reward over cycles (run ~ Exp(Lambda), then recovery of mean (e^(Lambda R)-1)/Lambda):
        G = Lambda e^(-Lambda R) [tau / (e^(Lambda s) - 1) + (Lambda_p / Lambda) E min(X mod s, tau)]
    with s = tau + delta. With no planned stops this is Daly's (2006) exact
    tau / (M e^(R/M) (e^(s/M) - 1)).
    """
    lam = rates.total_per_s
    tau, s, r = interval_s, interval_s + checkpoint_cost_s, recovery_s
    if lam == 0.0:
        return tau / s if math.isfinite(tau) else 1.0
    if math.isinf(tau):  # never checkpoint: only planned stops keep work
        return (rates.planned_per_s / lam) * math.exp(-lam * r)
    # Written with e^(-Lambda s) so long intervals do not overflow.
    q = math.exp(-lam * s)
    e_blocks = q / -math.expm1(-lam * s)
    e_partial = (-math.expm1(-lam * tau) / lam - tau * q) / -math.expm1(-lam * s)
    useful_per_cycle = tau * e_blocks + (rates.planned_per_s / lam) * e_partial
    return useful_per_cycle * lam * math.exp(-lam * r)


def goodput_first_order(
    rates: JobRates, interval_s: float, checkpoint_cost_s: float, recovery_s: float
) -> float:
    """First-order approximation, (tau/s) (1 - Lambda_u (R + s/2) - Lambda_p R): each unplanned
    stop loses half a block plus the recovery, each planned stop the recovery. Error is
    O((Lambda s)^2 + (Lambda R)^2): within ~1% of `goodput_exact` while Lambda s and Lambda R
    are below ~0.1 (16k H100s with 10-minute checkpoints), and useless once a job fails about
    once per checkpoint interval (100k GPUs with 30-minute checkpoints)."""
    s = interval_s + checkpoint_cost_s
    loss = rates.unplanned_per_s * (recovery_s + s / 2.0) + rates.planned_per_s * recovery_s
    return (interval_s / s) * (1.0 - loss)


@dataclass(frozen=True)
class AnalyticGoodput:
    """The sizing answers for one job, analytically."""

    expected_interruptions: float
    expected_by_cause: dict[str, float]
    mtti_s: float  # all interruptions
    mtti_unplanned_s: float
    young_interval_s: float
    daly_interval_s: float
    interval_s: float  # the one used
    goodput: float  # exact under exponential interruptions
    goodput_first_order: float
    lost_accelerator_h: float


def analyze(
    rates: JobRates,
    accelerators: int,
    horizon_s: float,
    checkpoint_cost_s: float,
    recovery_s: float,
    interval_s: float | None,
) -> AnalyticGoodput:
    """Expected interruptions (sum of rate x count x time), MTTI, optimal intervals and goodput.
    `interval_s` None means Daly-optimal from the unplanned MTTI."""
    lam, lam_u = rates.total_per_s, rates.unplanned_per_s
    mtti = 1.0 / lam if lam > 0 else math.inf
    mtti_u = 1.0 / lam_u if lam_u > 0 else math.inf
    daly = daly_interval_s(checkpoint_cost_s, mtti_u)
    tau = daly if interval_s is None else interval_s
    if math.isinf(tau):
        tau = horizon_s
    good = goodput_exact(rates, tau, checkpoint_cost_s, recovery_s)
    return AnalyticGoodput(
        expected_interruptions=lam * horizon_s,
        expected_by_cause={i: r * horizon_s for i, r in zip(rates.ids, rates.per_s, strict=True)},
        mtti_s=mtti,
        mtti_unplanned_s=mtti_u,
        young_interval_s=young_interval_s(checkpoint_cost_s, mtti_u),
        daly_interval_s=daly,
        interval_s=tau,
        goodput=good,
        goodput_first_order=goodput_first_order(rates, tau, checkpoint_cost_s, recovery_s),
        lost_accelerator_h=accelerators * horizon_s * (1.0 - good) / 3600.0,
    )
