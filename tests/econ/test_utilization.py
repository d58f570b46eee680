"""Utilization as finance means it."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from gigawatt.econ.utilization import useful_utilization

share = st.floats(min_value=0.0, max_value=1.0)


def test_without_failures_it_is_the_busy_share() -> None:
    assert useful_utilization(0.64) == 0.64
    assert useful_utilization(0.64, math.nan, 0.5) == 0.64  # no finite goodput: no failures


def test_goodput_and_capacity_in_repair_earn_nothing() -> None:
    assert useful_utilization(0.8, 0.9, 0.1) == 0.8 * (0.9 * 0.9)


@given(share, share, share)
def test_never_above_the_busy_share(busy: float, goodput: float, out: float) -> None:
    assert 0.0 <= useful_utilization(busy, goodput, out) <= busy
