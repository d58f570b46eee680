"""The payback vocabulary: the named answers to "does it pay back, and when?", each defined
once here and used with the same name, label and meaning by `gigawatt finance`, `run`,
`sweep`, the report and summary.json (docs/finance.md, "Payback vocabulary", quotes
`TERMS`).

- NPV and IRR of the project's free cash flow (see `gigawatt.econ.cashflow.verdict`).
- ``operating_profit_month``: the first month with positive operating income.
- ``payback_month``: the first month in which the money put in has come back (cumulative
  free cash flow >= 0 after the first outlay).
- A year's *break-even revenue* (``revenue_needed_to_break_even``): the revenue a calendar
  year needs for its book P&L to reach zero (its opex + depreciation + interest). "Break-even"
  in gigawatt only ever means this per-year test; it is not a month.

A month that does not happen within the plan horizon is ``None`` here, ``null`` in JSON and
"never" in text (with the horizon's last month, so "never" is never read as "later").
Sweeps count "never" in their quantiles: a median is "never" when more than half of the
samples never get there (`milestone_distribution`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class PaybackTerm:
    """One named milestone: its summary.json key (under ``finance.verdict``), the label every
    output uses, and its definition."""

    key: str
    label: str
    definition: str


OPERATING_PROFIT = PaybackTerm(
    "operating_profit_month",
    "First operating profit",
    "the first month in which operating income (revenue - operating costs - book "
    "depreciation, before interest and tax) is positive",
)
PAYBACK = PaybackTerm(
    "payback_month",
    "Payback",
    "the first month in which cumulative free cash flow (without terminal value) is >= 0 "
    "after the first outlay: the money put in has come back",
)

#: The milestone months, in the order outputs list them.
TERMS: tuple[PaybackTerm, ...] = (OPERATING_PROFIT, PAYBACK)

#: The quantiles sweeps report for every milestone (and for NPV, IRR, cost).
QUANTILES = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)


def operating_profit_index(operating_income: FloatArray) -> int | None:
    """Index of the first month with operating income > 0; None if there is none."""
    positive = np.nonzero(operating_income > 0)[0]
    return int(positive[0]) if len(positive) else None


def payback_index(free_cash_flow: FloatArray) -> int | None:
    """Index of the first month, from the first month with any cash flow on, in which the
    cumulative free cash flow is >= 0 after having been negative (or at once, when it never
    goes negative); None when it ends negative-only within the horizon or there is no flow."""
    moving = np.nonzero(free_cash_flow != 0)[0]
    if not len(moving):
        return None
    cumulative = np.cumsum(free_cash_flow)
    negative = np.nonzero(cumulative < 0)[0]
    if not len(negative):
        return int(moving[0])
    for k in range(int(negative[0]), len(cumulative)):
        if cumulative[k] >= 0:
            return k
    return None


def month_text(month: str | dt.date | None, horizon_end: str | dt.date | None = None) -> str:
    """How every output writes a milestone: "2028-05", or "never (by 2030-12)"."""
    if month is None:
        if horizon_end is None:
            return "never"
        end = horizon_end if isinstance(horizon_end, str) else horizon_end.strftime("%Y-%m")
        return f"never (by {end})"
    return month if isinstance(month, str) else month.strftime("%Y-%m")


def _month_after(start: dt.date, months: int) -> str:
    total = start.year * 12 + start.month - 1 + months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def milestone_distribution(
    months_after: FloatArray, start: dt.date, horizon_months: int | None = None
) -> dict[str, object]:
    """A sweep's distribution of one milestone: `months_after` the program `start` per
    sample, NaN where it never happens within the horizon.

    Returns the share of samples reaching it in each calendar year, the share that never
    does (``share_never``), and quantiles as months ("YYYY-MM") in which "never" counts as
    later than any month: a quantile is ``None`` (never) when the samples at or above it never
    get there, so a median is never when more than half never do. Quantiles are sample
    values (inverted CDF), not interpolations between months."""
    n = len(months_after)
    values = np.where(np.isfinite(months_after), months_after, np.inf)
    by_year: dict[str, float] = {}
    for m in values[np.isfinite(values)]:
        year = _month_after(start, int(m))[:4]
        by_year[year] = by_year.get(year, 0.0) + 1.0 / n
    quantiles: dict[str, str | None] = {}
    for q in QUANTILES:
        key = f"p{round(q * 100)}"
        if n == 0:
            quantiles[key] = None
            continue
        value = float(np.quantile(values, q, method="inverted_cdf"))
        quantiles[key] = _month_after(start, round(value)) if math.isfinite(value) else None
    return {
        "share_by_year": dict(sorted(by_year.items())),
        "share_never": float(np.isinf(values).sum() / n) if n else 0.0,
        "quantiles": quantiles,
        "horizon_end": (
            _month_after(start, horizon_months - 1) if horizon_months is not None else None
        ),
    }


def share_by(months_after: FloatArray, start: dt.date, month: dt.date) -> float:
    """Share of samples whose milestone falls in or before `month` (never counts as no)."""
    n = len(months_after)
    if n == 0:
        return 0.0
    limit = (month.year - start.year) * 12 + month.month - start.month
    reached = np.isfinite(months_after) & (months_after <= limit)
    return float(reached.sum() / n)
