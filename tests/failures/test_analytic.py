"""Closed forms: Young/Daly intervals and the goodput formulas (Young 1974, Daly 2006)."""

from __future__ import annotations

import math

import pytest

from gigawatt.failures import (
    JobRates,
    daly_interval_s,
    goodput_exact,
    goodput_first_order,
    young_interval_s,
)


def _rates(unplanned_per_s: float, planned_per_s: float = 0.0) -> JobRates:
    return JobRates(("u", "p"), (unplanned_per_s, planned_per_s), (True, False))


def test_young_is_sqrt_two_c_m() -> None:
    assert young_interval_s(60.0, 3600.0) == pytest.approx(math.sqrt(2 * 60 * 3600))


def test_daly_corrects_young_slightly_for_small_cost_and_caps_at_m() -> None:
    young, daly = young_interval_s(10.0, 10_000.0), daly_interval_s(10.0, 10_000.0)
    assert daly == pytest.approx(young * (1 + math.sqrt(10 / 20_000) / 3 + 10 / 20_000 / 9) - 10)
    assert daly_interval_s(500.0, 100.0) == 100.0
    assert math.isinf(daly_interval_s(10.0, math.inf))


def test_exact_goodput_matches_dalys_runtime_formula_without_planned_stops() -> None:
    m, tau, delta, r = 10_000.0, 600.0, 30.0, 240.0
    daly = tau / (m * math.exp(r / m) * (math.exp((tau + delta) / m) - 1))
    assert goodput_exact(_rates(1 / m), tau, delta, r) == pytest.approx(daly, rel=1e-12)


def test_first_order_is_close_when_failures_are_rare_per_interval() -> None:
    rates = _rates(1 / 11_000, 1 / 100_000)
    exact = goodput_exact(rates, 470.0, 10.0, 240.0)
    assert goodput_first_order(rates, 470.0, 10.0, 240.0) == pytest.approx(exact, abs=0.01)


def test_no_failures_leaves_only_checkpoint_overhead() -> None:
    assert goodput_exact(_rates(0.0), 90.0, 10.0, 240.0) == pytest.approx(0.9)


def test_planned_stops_lose_only_the_restart() -> None:
    lam = 1 / 3600
    no_ckpt = goodput_exact(_rates(0.0, lam), 1e9, 0.0, 60.0)
    assert no_ckpt == pytest.approx(math.exp(-lam * 60), rel=1e-6)
