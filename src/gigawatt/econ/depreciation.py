"""Depreciation schedules: straight-line book depreciation and US tax depreciation (MACRS,
bonus). Each returns a monthly array over the plan months."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def straight_line(cost: float, in_service: int, life_months: float, months: int) -> FloatArray:
    """Book depreciation: `cost` spread evenly over `life_months` from month index
    `in_service`; a fractional last month is charged in proportion. Months past `months` are
    dropped (their value is the net book value at the end)."""
    out = np.zeros(months)
    if cost == 0 or in_service >= months:
        return out
    whole = math.floor(life_months)
    per_month = cost / life_months
    end = min(months, in_service + whole)
    out[max(0, in_service) : end] = per_month
    tail = life_months - whole
    if tail > 0 and in_service + whole < months:
        out[in_service + whole] = per_month * tail
    return out


def macrs_rates(life_years: int) -> list[float]:
    """Yearly MACRS rates for 200% declining balance with the half-year convention, switching
    to straight line when that is larger (IRS Publication 946, Table A-1). life_years=5 gives
    20%, 32%, 19.2%, 11.52%, 11.52%, 5.76%."""
    rates: list[float] = []
    remaining = 1.0
    db = 2.0 / life_years
    for year in range(life_years + 1):
        if year == 0:
            amount = remaining * db * 0.5
        else:
            left = life_years - year + 0.5  # years of straight line left at the start of this one
            amount = max(remaining * db, remaining / left) if left > 0 else remaining
            amount = min(amount, remaining)
        rates.append(amount)
        remaining -= amount
    return [round(r, 6) for r in rates]


def tax_depreciation(
    basis: float,
    in_service: int,
    months: int,
    *,
    life_years: float,
    method: str,
    bonus_share: float = 0.0,
) -> FloatArray:
    """Tax depreciation of `basis` placed in service at month index `in_service`.

    method "macrs": 200% DB half-year (servers, network: 5-year property); each tax year's
    amount is spread evenly over the twelve months from the in-service month (a simplification
    of calendar tax years). method "sl": straight line over `life_years` (39-year buildings).
    `bonus_share` of the basis is deducted at once in the in-service month (bonus
    depreciation), the rest follows the method."""
    out = np.zeros(months)
    if basis == 0 or in_service >= months:
        return out
    start = max(0, in_service)
    bonus = basis * bonus_share
    out[start] += bonus
    rest = basis - bonus
    if rest <= 0:
        return out
    if method == "sl":
        return out + straight_line(rest, in_service, life_years * 12.0, months)
    for year, rate in enumerate(macrs_rates(round(life_years))):
        first = in_service + 12 * year
        if first >= months:
            break
        out[max(0, first) : min(months, first + 12)] += rest * rate / 12.0
    return out
