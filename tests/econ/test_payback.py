"""The payback vocabulary: milestone months and sweep distributions that count "never"."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gigawatt.econ.payback import (
    TERMS,
    milestone_distribution,
    month_text,
    operating_profit_index,
    payback_index,
    share_by,
)

START = dt.date(2026, 1, 1)


def test_each_term_has_a_distinct_key_label_and_definition() -> None:
    assert len({t.key for t in TERMS}) == len({t.label for t in TERMS}) == len(TERMS)
    assert all(t.key.endswith("_month") and len(t.definition) > 40 for t in TERMS)


def test_payback_is_when_cumulative_cash_comes_back_after_the_outlay() -> None:
    flows = np.array([0.0, -10.0, -5.0, 4.0, 6.0, 5.0, 1.0])
    assert payback_index(flows) == 5  # cumulative 0, -10, -15, -11, -5, 0: month 5 (>= 0)
    assert payback_index(np.array([0.0, 3.0, 1.0])) == 1  # never negative: at once
    assert payback_index(np.array([-1.0, 0.5, 0.2])) is None
    assert payback_index(np.zeros(4)) is None


def test_operating_profit_is_the_first_positive_month() -> None:
    assert operating_profit_index(np.array([-1.0, 0.0, 2.0, -3.0])) == 2
    assert operating_profit_index(np.array([-1.0, 0.0])) is None


def test_never_is_written_with_the_horizon() -> None:
    assert month_text(None, "2030-12") == "never (by 2030-12)"
    assert month_text(dt.date(2028, 5, 1)) == "2028-05"


def test_the_median_is_never_when_more_than_half_never_get_there() -> None:
    months = np.array([24.0, 30.0, math.nan, math.nan, math.nan])  # 2028-01, 2028-07
    dist = milestone_distribution(months, START, 60)
    assert dist["share_never"] == 0.6
    quantiles = dist["quantiles"]
    assert isinstance(quantiles, dict)
    assert quantiles["p50"] is None and quantiles["p10"] == "2028-01"
    assert dist["share_by_year"] == {"2028": 0.4}
    assert dist["horizon_end"] == "2030-12"


@given(
    st.lists(
        st.one_of(st.none(), st.integers(min_value=0, max_value=120)), min_size=1, max_size=40
    ),
    st.sampled_from([0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95]),
)
def test_a_quantile_is_never_exactly_when_too_many_samples_never_arrive(
    samples: list[int | None], q: float
) -> None:
    months = np.array([math.nan if m is None else float(m) for m in samples])
    dist = milestone_distribution(months, START)
    quantiles = dist["quantiles"]
    assert isinstance(quantiles, dict)
    value = quantiles[f"p{round(q * 100)}"]
    reached = sorted(m for m in samples if m is not None)
    # Inverted CDF: the smallest value with at least q of the samples at or below it.
    needed = math.ceil(q * len(samples) - 1e-12)
    if needed > len(reached):
        assert value is None
    else:
        expected = reached[max(needed, 1) - 1]
        year, month = divmod(START.month - 1 + expected, 12)
        assert value == f"{START.year + year:04d}-{month + 1:02d}"
    shares = dist["share_by_year"]
    assert isinstance(shares, dict)
    assert math.isclose(sum(shares.values()) + float(dist["share_never"]), 1.0)


def test_share_by_a_month_counts_never_as_not_reached() -> None:
    months = np.array([10.0, 40.0, math.nan, math.nan])
    assert share_by(months, START, dt.date(2028, 12, 1)) == 0.25
