"""Monthly P&L and cash flow, and the verdict: NPV, IRR, the payback milestones
(`gigawatt.econ.payback`) and the revenue a year needs to break even.

Two views, as in corporate finance practice:
- the *project* (unlevered) free cash flow, EBITDA - capex - income tax as if all-equity,
  discounted at the after-tax WACC (which carries the debt tax shield): NPV, IRR, payback;
- the *book* P&L with straight-line depreciation and the interest on the debt share of capex:
  operating income, net income, revenue needed to break even in a year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gigawatt.econ.cost import Costs
from gigawatt.econ.financing import annuity_interest, irr, monthly_rate, npv
from gigawatt.econ.inputs import FinanceInputs
from gigawatt.econ.payback import operating_profit_index, payback_index
from gigawatt.econ.revenue import RevenueStreams

FloatArray = NDArray[np.float64]


@dataclass
class CashFlow:
    """Monthly P&L and cash flow arrays (USD) over the plan months."""

    months: list[dt.date]
    revenue: FloatArray
    opex: FloatArray
    ebitda: FloatArray
    book_depreciation: FloatArray
    ebit: FloatArray
    interest: FloatArray
    income_tax: FloatArray  # on the book P&L (levered); negative = a tax saving
    net_income: FloatArray
    capex: FloatArray
    project_tax: FloatArray  # on the unlevered project
    free_cash_flow: FloatArray  # unlevered, before terminal value
    terminal_value_usd: float


@dataclass(frozen=True)
class Verdict:
    """Does it pay back? The milestones of `gigawatt.econ.payback.TERMS` as months; None
    when one does not happen within the horizon."""

    npv_usd: float
    irr: float | None
    operating_profit_month: dt.date | None
    payback_month: dt.date | None
    valuation_month: dt.date
    wacc: float


def income_tax(taxable: FloatArray, credits: FloatArray, rate: float, losses: str) -> FloatArray:
    """Tax paid each month on `taxable` income at `rate`, less investment tax `credits`.

    losses "carry_forward": losses offset later profits (the 80% limit on post-2017 net
    operating losses is left out); "group_relief": the owner has other profits, so a loss
    saves tax at once. Credits are paid out in the month they arise whatever the tax
    position, as a 48D credit can be under elective pay (26 USC 6417); the result is negative
    when they exceed the tax."""
    if losses == "group_relief":
        return taxable * rate - credits
    out = np.zeros(len(taxable))
    loss_pool = 0.0
    for k in range(len(taxable)):
        income = float(taxable[k])
        if income <= 0:
            loss_pool -= income
            continue
        used = min(loss_pool, income)
        loss_pool -= used
        out[k] = (income - used) * rate
    return out - credits


def build_cash_flow(costs: Costs, revenue: RevenueStreams, inputs: FinanceInputs) -> CashFlow:
    """P&L and free cash flow from monthly costs and revenue."""
    total_revenue = revenue.total
    opex = costs.opex
    ebitda = total_revenue - opex
    ebit = ebitda - costs.book_depreciation
    debt_monthly = monthly_rate(inputs.debt_rate) if inputs.debt_rate > 0 else 0.0
    interest, _ = annuity_interest(
        costs.capex * inputs.debt_share, debt_monthly, round(inputs.debt_term_years * 12)
    )
    levered_taxable = ebitda - costs.tax_depreciation - interest
    tax = income_tax(levered_taxable, costs.itc, inputs.tax_rate, inputs.tax_losses)
    net_income = ebit - interest - tax
    project_tax = income_tax(
        ebitda - costs.tax_depreciation, costs.itc, inputs.tax_rate, inputs.tax_losses
    )
    fcf = ebitda - costs.capex - project_tax
    terminal = costs.net_book_value_end_usd if inputs.terminal_value == "book_value" else 0.0
    return CashFlow(
        months=costs.months,
        revenue=total_revenue,
        opex=opex,
        ebitda=ebitda,
        book_depreciation=costs.book_depreciation,
        ebit=ebit,
        interest=interest,
        income_tax=tax,
        net_income=net_income,
        capex=costs.capex,
        project_tax=project_tax,
        free_cash_flow=fcf,
        terminal_value_usd=terminal,
    )


def verdict(cash: CashFlow, inputs: FinanceInputs, valuation_index: int) -> Verdict:
    """NPV at the WACC (valued at month `valuation_index`), IRR, and the milestones of
    `gigawatt.econ.payback`: the first month of positive operating income (EBIT) and payback
    (cumulative free cash flow >= 0 after the first outlay)."""
    flows = cash.free_cash_flow.copy()
    flows[-1] += cash.terminal_value_usd
    r_m = monthly_rate(inputs.wacc)
    value = npv(flows, r_m, first_period=-valuation_index)
    rate = irr(flows)
    operating = operating_profit_index(cash.ebit)
    payback = payback_index(cash.free_cash_flow)
    months = cash.months
    return Verdict(
        npv_usd=value,
        irr=rate,
        operating_profit_month=months[operating] if operating is not None else None,
        payback_month=months[payback] if payback is not None else None,
        valuation_month=months[valuation_index],
        wacc=inputs.wacc,
    )


def yearly(cash: CashFlow) -> dict[int, dict[str, float]]:
    """Calendar-year totals of the P&L and cash flow, USD (partial years for edge years)."""
    out: dict[int, dict[str, float]] = {}
    names = (
        "revenue",
        "opex",
        "ebitda",
        "book_depreciation",
        "ebit",
        "interest",
        "income_tax",
        "net_income",
        "capex",
        "free_cash_flow",
    )
    years = np.array([m.year for m in cash.months])
    for year in sorted(set(years.tolist())):
        mask = years == year
        out[int(year)] = {name: float(getattr(cash, name)[mask].sum()) for name in names}
    return out


def revenue_needed(cash: CashFlow, year: int) -> dict[str, float] | None:
    """Revenue that year `year` needs for its book P&L to break even (pre-tax income 0): its
    opex + depreciation + interest, next to the revenue the scenario assumes. None if the
    year is not wholly in the plan."""
    mask = np.array([m.year == year for m in cash.months])
    if mask.sum() < 12:
        return None
    costs = cash.opex[mask].sum() + cash.book_depreciation[mask].sum() + cash.interest[mask].sum()
    assumed = cash.revenue[mask].sum()
    return {
        "year": year,
        "revenue_needed_usd": float(costs),
        "revenue_assumed_usd": float(assumed),
        "gap_usd": float(costs - assumed),
        "covered": bool(assumed >= costs),
    }
