"""Buildout + finance settings -> `Financials`: costs, revenue, cash flow and verdict, plus
the read-outs a report shows (cost per accelerator-hour per site and month, incentives'
effects, revenue needed to break even). Pure: values in, values out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from gigawatt.econ.cashflow import (
    CashFlow,
    Verdict,
    build_cash_flow,
    revenue_needed,
    verdict,
    yearly,
)
from gigawatt.econ.cost import Costs, build_costs, cost_per_accelerator_hour
from gigawatt.econ.defaults import FinanceDefaults
from gigawatt.econ.financing import monthly_rate, npv
from gigawatt.econ.inputs import FinanceInputs, resolve_inputs
from gigawatt.econ.payback import TERMS
from gigawatt.econ.revenue import RevenueStreams, fleet_revenue, reference_prices
from gigawatt.plan.buildout import Buildout
from gigawatt.plan.calendar import months_between
from gigawatt.scenario.finance import FinanceSettings

#: Incentive switches, in report order.
INCENTIVES = (
    "sales_tax_exemption",
    "property_tax_abatement",
    "investment_tax_credit",
    "bonus_depreciation",
    "loan_guarantee",
)


@dataclass
class Financials:
    """Everything the finance model computed for one buildout."""

    inputs: FinanceInputs
    costs: Costs
    revenue: RevenueStreams
    cash: CashFlow
    verdict: Verdict
    valuation_index: int

    def cost_per_accelerator_hour(self, source_id: str | None = None) -> dict[str, float | None]:
        """TCO per accelerator-hour over the horizon, all-in (every hour available) and at
        the utilization (hours used), USD; for one site/contract or the whole fleet."""
        if source_id is None:
            tco = float(self.costs.tco.sum())
            hours = float(self.costs.accelerator_hours.sum())
        else:
            tco = float(
                self.costs.capital_charge_by_source.get(source_id, np.zeros(1)).sum()
                + self.costs.opex_by_source.get(source_id, np.zeros(1)).sum()
            )
            hours = float(self.costs.accelerator_hours_by_source.get(source_id, np.zeros(1)).sum())
        return {
            "tco_usd": tco,
            "accelerator_hours": hours,
            "all_in_usd_per_hour": cost_per_accelerator_hour(tco, hours),
            "at_utilization_usd_per_hour": cost_per_accelerator_hour(
                tco, hours, self.inputs.utilization
            ),
        }


def compute_financials(
    buildout: Buildout, inputs: FinanceInputs, valuation_month: dt.date | None = None
) -> Financials:
    """Costs, revenue, cash flow and verdict of `buildout` under resolved `inputs`.
    `valuation_month` (the program start; default the plan's first month) is when NPV is
    measured and electricity escalation starts."""
    first = buildout.months[0]
    valuation_index = months_between(first, valuation_month) if valuation_month else 0
    valuation_index = min(max(0, valuation_index), len(buildout.months) - 1)
    costs = build_costs(buildout, inputs, valuation_index)
    revenue = fleet_revenue(buildout, inputs, valuation_month)
    cash = build_cash_flow(costs, revenue, inputs)
    return Financials(
        inputs, costs, revenue, cash, verdict(cash, inputs, valuation_index), valuation_index
    )


def finance_buildout(
    buildout: Buildout,
    settings: FinanceSettings,
    defaults: FinanceDefaults,
    *,
    valuation_month: dt.date | None = None,
    utilization: float | None = None,
    changes: dict[str, Any] | None = None,
) -> Financials:
    """Resolve `settings` over `defaults` (and `utilization`, e.g. simulated), apply input
    `changes` (sweeps), and compute the financials."""
    inputs = resolve_inputs(settings, defaults, utilization)
    if changes:
        inputs = inputs.with_changes(**changes)
    return compute_financials(buildout, inputs, valuation_month)


def incentive_effects(
    buildout: Buildout,
    settings: FinanceSettings,
    defaults: FinanceDefaults,
    base: Financials,
    *,
    valuation_month: dt.date | None = None,
    utilization: float | None = None,
) -> list[dict[str, Any]]:
    """Each incentive's effect, one at a time: the financials with it minus without it.
    Enabled incentives are switched off, the others on (``enabled`` says which), so a report
    shows both what the scenario gets and what it leaves on the table. Effects interact
    slightly, so they need not add up. A loan guarantee cannot be tried when the scenario
    gives a single WACC (no debt rate to lower)."""
    effects = []
    for name in INCENTIVES:
        enabled = bool(getattr(settings.incentives, name))
        if name == "loan_guarantee" and not enabled and settings.financing.wacc is not None:
            continue
        toggled = settings.model_copy(
            update={"incentives": settings.incentives.model_copy(update={name: not enabled})}
        )
        other = finance_buildout(
            buildout, toggled, defaults, valuation_month=valuation_month, utilization=utilization
        )
        with_it, without = (base, other) if enabled else (other, base)
        npv_effect = with_it.verdict.npv_usd - without.verdict.npv_usd
        if name == "loan_guarantee":
            # A cheaper debt also lowers the discount rate, and NPVs at two rates do not
            # compare; value the guarantee as its after-tax interest saved, at the unguaranteed
            # WACC (the subsidy's present value).
            saved = (without.cash.interest - with_it.cash.interest) * (1 - base.inputs.tax_rate)
            npv_effect = npv(saved, monthly_rate(without.inputs.wacc), -base.valuation_index)
        hour_with = with_it.cost_per_accelerator_hour()["all_in_usd_per_hour"]
        hour_without = without.cost_per_accelerator_hour()["all_in_usd_per_hour"]
        effects.append(
            {
                "incentive": name,
                "enabled": enabled,
                "npv_effect_usd": npv_effect,
                "tco_effect_usd": float(with_it.costs.tco.sum() - without.costs.tco.sum()),
                "cost_per_accelerator_hour_effect_usd": (
                    hour_with - hour_without
                    if hour_with is not None and hour_without is not None
                    else None
                ),
                "capex_effect_usd": float(with_it.costs.capex.sum() - without.costs.capex.sum()),
                "tax_effect_usd": float(
                    with_it.cash.project_tax.sum() - without.cash.project_tax.sum()
                ),
            }
        )
    return effects


def finance_summary(
    buildout: Buildout,
    settings: FinanceSettings,
    defaults: FinanceDefaults,
    *,
    valuation_month: dt.date | None = None,
    utilization: float | None = None,
) -> tuple[Financials, dict[str, Any]]:
    """Everything `gigawatt finance` reports for one plan: the financials and the JSON
    summary (`summarize_financials`, with the incentives' effects), the price each
    accelerator's hours are valued at (``prices``), and the owned sites and each contract
    financed alone (``ownership``, `gigawatt.econ.ownership`)."""
    from gigawatt.econ.ownership import ownership_split

    fin = finance_buildout(
        buildout, settings, defaults, valuation_month=valuation_month, utilization=utilization
    )
    effects = incentive_effects(
        buildout, settings, defaults, fin, valuation_month=valuation_month, utilization=utilization
    )
    summary = summarize_financials(fin, effects)
    summary["prices"] = reference_prices(buildout, fin.inputs)
    summary["ownership"] = ownership_split(buildout, fin.inputs, fin, valuation_month)
    return fin, summary


def _month(value: dt.date | None) -> str | None:
    return value.strftime("%Y-%m") if value else None


def summarize_financials(
    fin: Financials, effects: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """JSON-ready summary: verdict, cost per accelerator-hour (fleet and per site), capex,
    yearly P&L, revenue needed to break even, incentives' effects, and every input with its
    source (so each number is traceable)."""
    costs, cash, v = fin.costs, fin.cash, fin.verdict
    inputs = fin.inputs
    sources = sorted(costs.accelerator_hours_by_source)
    resolved = {
        f.name: getattr(inputs, f.name)
        for f in fields(inputs)
        if f.name not in ("sources", "reserved", "customers", "market_prices")
    }
    resolved["market_prices"] = {
        acc: {"usd_per_hour": usd, "month": month.strftime("%Y-%m"), "source": source}
        for acc, (usd, month, source) in inputs.market_prices.items()
    }
    resolved["price_reference_month"] = inputs.price_reference_month.strftime("%Y-%m")
    resolved["reserved"] = [c.model_dump(mode="json") for c in inputs.reserved]
    resolved["customers"] = [c.model_dump(mode="json") for c in inputs.customers]
    years = yearly(cash)
    return {
        "horizon": {
            "first_month": costs.months[0].strftime("%Y-%m"),
            "last_month": costs.months[-1].strftime("%Y-%m"),
        },
        "verdict": {
            "npv_usd": v.npv_usd,
            "irr": v.irr,
            "wacc": v.wacc,
            "valuation_month": _month(v.valuation_month),
            **{term.key: _month(getattr(v, term.key)) for term in TERMS},
            "horizon_end": _month(costs.months[-1]),
            "terminal_value_usd": cash.terminal_value_usd,
        },
        "cost_per_accelerator_hour": {
            "fleet": fin.cost_per_accelerator_hour(),
            "by_source": {s: fin.cost_per_accelerator_hour(s) for s in sources},
            "utilization": inputs.utilization,
        },
        "totals_usd": {
            "capex": float(costs.capex.sum()),
            "sales_tax": float(costs.sales_tax.sum()),
            "investment_tax_credit": float(costs.itc.sum()),
            "capital_charge": float(costs.capital_charge.sum()),
            "energy": float(costs.energy.sum()),
            "om": float(costs.om.sum()),
            "property_tax": float(costs.property_tax.sum()),
            "property_tax_abated": float(costs.property_tax_abated.sum()),
            "contract_payments": float(costs.contract.sum()),
            "tco": float(costs.tco.sum()),
            "revenue": float(cash.revenue.sum()),
            "revenue_reserved": float(fin.revenue.reserved.sum()),
            "revenue_on_demand": float(fin.revenue.on_demand.sum()),
            "revenue_internal": float(fin.revenue.internal.sum()),
            "revenue_customers": float(fin.revenue.customers.sum()),
            "net_income": float(cash.net_income.sum()),
            "free_cash_flow": float(cash.free_cash_flow.sum()),
        },
        "yearly": {str(y): row for y, row in years.items()},
        "revenue_needed_to_break_even": [
            r for r in (revenue_needed(cash, y) for y in inputs.break_even_years) if r
        ],
        "incentives": effects or [],
        "warnings": list(fin.revenue.shortfalls),
        "inputs": resolved,
        "input_sources": inputs.sources,
    }


def monthly_rows(fin: Financials) -> list[dict[str, Any]]:
    """One row per plan month: costs, revenue, P&L, cash flow and cost per accelerator-hour."""
    costs, cash, rev = fin.costs, fin.cash, fin.revenue
    rows = []
    for k, month in enumerate(costs.months):
        hours = float(costs.accelerator_hours[k])
        tco = float(costs.tco[k])
        rows.append(
            {
                "month": month.strftime("%Y-%m"),
                "accelerators": float(costs.accelerators[k]),
                "accelerator_hours": hours,
                "capex_usd": float(costs.capex[k]),
                "capital_charge_usd": float(costs.capital_charge[k]),
                "energy_usd": float(costs.energy[k]),
                "om_usd": float(costs.om[k]),
                "property_tax_usd": float(costs.property_tax[k]),
                "contract_usd": float(costs.contract[k]),
                "tco_usd": tco,
                "cost_per_accelerator_hour_usd": tco / hours if hours else None,
                "cost_per_used_accelerator_hour_usd": (
                    tco / (hours * fin.inputs.utilization) if hours else None
                ),
                "revenue_reserved_usd": float(rev.reserved[k]),
                "revenue_on_demand_usd": float(rev.on_demand[k]),
                "revenue_internal_usd": float(rev.internal[k]),
                "revenue_customers_usd": float(rev.customers[k]),
                "price_per_h100e_hour_usd": float(rev.market_price_per_h100e_hour[k]),
                "revenue_usd": float(cash.revenue[k]),
                "ebitda_usd": float(cash.ebitda[k]),
                "book_depreciation_usd": float(cash.book_depreciation[k]),
                "interest_usd": float(cash.interest[k]),
                "income_tax_usd": float(cash.income_tax[k]),
                "operating_income_usd": float(cash.ebit[k]),
                "net_income_usd": float(cash.net_income[k]),
                "free_cash_flow_usd": float(cash.free_cash_flow[k]),
            }
        )
    return rows


def site_month_rows(fin: Financials) -> list[dict[str, Any]]:
    """Cost per accelerator-hour per site (or contract) and month."""
    costs = fin.costs
    rows = []
    for source in sorted(costs.accelerator_hours_by_source):
        charge = costs.capital_charge_by_source.get(source, np.zeros(len(costs.months)))
        opex = costs.opex_by_source.get(source, np.zeros(len(costs.months)))
        hours = costs.accelerator_hours_by_source[source]
        for k, month in enumerate(costs.months):
            if hours[k] <= 0:
                continue
            tco = float(charge[k] + opex[k])
            rows.append(
                {
                    "month": month.strftime("%Y-%m"),
                    "source_id": source,
                    "accelerator_hours": float(hours[k]),
                    "capital_charge_usd": float(charge[k]),
                    "opex_usd": float(opex[k]),
                    "cost_per_accelerator_hour_usd": tco / float(hours[k]),
                    "cost_per_used_accelerator_hour_usd": tco
                    / (float(hours[k]) * fin.inputs.utilization),
                }
            )
    return rows
