"""Time value of money: monthly rates, capital recovery, level-annuity debt, NPV and IRR.

Formulas are the textbook ones (e.g. Brealey, Myers & Allen, *Principles of Corporate
Finance*, ch. 2-6). Rates in arguments are a year unless the name says ``monthly``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

FloatArray = NDArray[np.float64]


def monthly_rate(annual_rate: float) -> float:
    """The monthly rate that compounds to `annual_rate` in twelve months."""
    return float((1.0 + annual_rate) ** (1.0 / 12.0) - 1.0)


def capital_recovery_factor(rate: float, periods: float) -> float:
    """Level payment per period that repays 1 over `periods` at `rate` per period:
    r / (1 - (1 + r)^-n); 1/n when r = 0. Fractional `periods` are allowed."""
    if periods <= 0:
        raise ValueError(f"periods must be positive, got {periods}")
    if abs(rate) < 1e-12:
        return 1.0 / periods
    return float(rate / (1.0 - (1.0 + rate) ** -periods))


def annuity_interest(
    draws: FloatArray, monthly: float, term_months: int
) -> tuple[FloatArray, FloatArray]:
    """Interest and principal paid each month on debt drawn as `draws` (one per month), each
    draw repaid as a level monthly annuity over `term_months`, first payment a month after the
    draw. Returns (interest, principal) arrays as long as `draws` (payments past the end are
    not shown; the outstanding balance is what `outstanding_balance` returns)."""
    months = len(draws)
    interest = np.zeros(months)
    principal = np.zeros(months)
    if monthly <= 0 or term_months <= 0:
        return interest, principal
    payment_factor = capital_recovery_factor(monthly, term_months)
    growth = (1.0 + monthly) ** np.arange(term_months + 1)
    # Balance after j payments of a unit loan: ((1+r)^n - (1+r)^j) / ((1+r)^n - 1).
    balance_unit = (growth[-1] - growth) / (growth[-1] - 1.0)
    interest_unit = balance_unit[:-1] * monthly  # paid at payment j+1
    principal_unit = payment_factor - interest_unit
    for k in np.nonzero(draws)[0].tolist():
        start = int(k) + 1
        count = min(term_months, months - start)
        if count <= 0:
            continue
        interest[start : start + count] += draws[k] * interest_unit[:count]
        principal[start : start + count] += draws[k] * principal_unit[:count]
    return interest, principal


def npv(cash_flows: FloatArray, monthly: float, first_period: int = 0) -> float:
    """Net present value of monthly `cash_flows`, the first at period `first_period` (negative
    when it precedes the valuation month), discounted at `monthly`."""
    periods = np.arange(len(cash_flows)) + first_period
    return float(np.sum(cash_flows / (1.0 + monthly) ** periods))


def irr(cash_flows: FloatArray) -> float | None:
    """Internal rate of return, a year, of monthly `cash_flows`; None when the flows are not an
    investment (the first nonzero flow is not an outlay: a rate of return on money that was
    never put in means nothing) or NPV has no sign change on (-99%, +10,000%) a year (e.g.
    the flows never pay back)."""
    flows = np.asarray(cash_flows, dtype=float)
    if not (np.any(flows > 0) and np.any(flows < 0)):
        return None
    if flows[np.nonzero(flows)[0][0]] > 0:
        return None

    def value(annual: float) -> float:
        return npv(flows, monthly_rate(annual))

    low, high = -0.99, 100.0
    f_low, f_high = value(low), value(high)
    if math.isnan(f_low) or math.isnan(f_high) or f_low * f_high > 0:
        return None
    return float(brentq(value, low, high, xtol=1e-9, maxiter=200))
