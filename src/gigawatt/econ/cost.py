"""Cost of a `Buildout`: capex with sales tax, capital tranches and their in-service months,
capital charges, book and tax depreciation, property tax, energy, O&M and contract payments,
as monthly arrays over the plan months (overall and per site or contract).

The cost of ownership is *levelized*: each tranche of capex, valued at its in-service month
(with the cost of capital during construction when `capitalize_construction_interest`), is
charged as a level monthly payment over its life at the WACC (capital recovery factor), as in
Epoch AI's annualized TCO (epoch.ai/data-insights/ai-datacenter-cost-breakdown). Land is never
used up: it is charged the WACC on its value. The total cost of ownership (TCO) is that
capital charge plus operating costs and contract payments, before income tax.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gigawatt.econ.depreciation import straight_line, tax_depreciation
from gigawatt.econ.financing import capital_recovery_factor, monthly_rate
from gigawatt.econ.inputs import FinanceInputs
from gigawatt.plan.buildout import Buildout
from gigawatt.plan.calendar import hours_in_month, months_between

FloatArray = NDArray[np.float64]
IT_CATEGORIES = ("it_hardware", "network")


@dataclass(frozen=True)
class Tranche:
    """Capex of one category for one site phase (or contract), placed in service together."""

    source_id: str
    phase: str
    category: str
    in_service: int  # month index; may be >= the number of plan months (after the horizon)
    spend_usd: dict[int, float]  # month index -> USD, incl. sales tax
    sales_tax_rate: float  # applied to this tranche's purchases (0 when exempt or not IT)
    itc_usd: float

    @property
    def cost_usd(self) -> float:
        """What was paid, incl. sales tax, USD."""
        return sum(self.spend_usd.values())


@dataclass
class Costs:
    """Monthly cost arrays (USD) over the plan months; `*_by_source` split by site/contract."""

    months: list[dt.date]
    tranches: list[Tranche]
    capex: FloatArray
    capex_by_category: dict[str, FloatArray]
    sales_tax: FloatArray
    itc: FloatArray
    capital_charge: FloatArray
    book_depreciation: FloatArray
    tax_depreciation: FloatArray
    property_tax: FloatArray
    property_tax_abated: FloatArray
    energy: FloatArray
    om: FloatArray
    contract: FloatArray
    accelerator_hours: FloatArray
    accelerators: FloatArray
    it_mw: FloatArray
    net_book_value_end_usd: float
    capital_charge_by_source: dict[str, FloatArray] = field(default_factory=dict)
    opex_by_source: dict[str, FloatArray] = field(default_factory=dict)
    accelerator_hours_by_source: dict[str, FloatArray] = field(default_factory=dict)

    @property
    def opex(self) -> FloatArray:
        """Operating costs: energy, O&M, property tax and contract payments, USD per month."""
        return self.energy + self.om + self.property_tax + self.contract

    @property
    def tco(self) -> FloatArray:
        """Total cost of ownership per month: capital charge plus opex, USD."""
        return self.capital_charge + self.opex


def _in_service_months(
    buildout: Buildout,
) -> tuple[dict[tuple[str, str], int], dict[str, list[int]]]:
    """Online month index of each site phase, and for every source the month indices in
    which its accelerator count grows (a colocation ramp step)."""
    start = buildout.months[0]
    phase_online = {(p.site_id, p.phase): months_between(start, p.online) for p in buildout.phases}
    counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in buildout.timeline:
        counts[row.source_id][months_between(start, row.month)] += row.accelerators
    growth: dict[str, list[int]] = {}
    for source, by_month in counts.items():
        previous = 0
        steps = []
        for k in sorted(by_month):
            if by_month[k] > previous:
                steps.append(k)
            previous = by_month[k]
        growth[source] = steps
    return phase_online, growth


def build_tranches(buildout: Buildout, inputs: FinanceInputs) -> list[Tranche]:
    """Group the capex ledger into tranches placed in service together, adding sales tax on IT
    purchases (unless exempt) and the investment tax credit where it applies.

    In service: a site phase's facility and IT at the phase's online month; land when bought;
    a colocation contract's hardware at its next ramp step (the first month on or after the
    purchase in which the contract's accelerator count grows)."""
    start = buildout.months[0]
    phase_online, ramp_steps = _in_service_months(buildout)
    grouped: dict[tuple[str, str, str, int], dict[int, float]] = defaultdict(
        lambda: defaultdict(float)
    )
    for entry in buildout.capex:
        k = months_between(start, entry.month)
        if entry.category == "land":
            in_service = k
        elif (entry.site_id, entry.phase) in phase_online:
            in_service = phase_online[(entry.site_id, entry.phase)]
        else:
            later = [m for m in ramp_steps.get(entry.site_id, []) if m >= k]
            in_service = later[0] if later else k + 1
        grouped[(entry.site_id, entry.phase, entry.category, in_service)][k] += entry.usd
    tranches: list[Tranche] = []
    for (source, phase, category, in_service), spend in sorted(grouped.items()):
        tax_rate = 0.0
        if category in IT_CATEGORIES and not inputs.sales_tax_exemption:
            tax_rate = inputs.sales_tax_rate
        with_tax = {k: v * (1 + tax_rate) for k, v in spend.items()}
        cost = sum(with_tax.values())
        itc = 0.0
        if inputs.investment_tax_credit and category in inputs.itc_categories:
            itc = cost * inputs.itc_rate
        tranches.append(
            Tranche(
                source,
                phase,
                category,
                in_service,
                dict(with_tax),
                tax_rate,
                itc,
            )
        )
    return tranches


def _zeros_factory(n: int) -> Callable[[], FloatArray]:
    def zeros() -> FloatArray:
        return np.zeros(n)

    return zeros


def build_costs(buildout: Buildout, inputs: FinanceInputs, valuation_index: int = 0) -> Costs:
    """All monthly cost arrays of `buildout` under `inputs`. `valuation_index` is the month
    index from which electricity escalation counts (the program start)."""
    months = buildout.months
    n = len(months)
    r_m = monthly_rate(inputs.wacc)
    tranches = build_tranches(buildout, inputs)
    zeros = _zeros_factory(n)
    capex = zeros()
    sales_tax = zeros()
    itc = zeros()
    by_category: dict[str, FloatArray] = defaultdict(zeros)
    capital_charge = zeros()
    book = zeros()
    tax_dep = zeros()
    property_tax = zeros()
    abated = zeros()
    charge_by_source: dict[str, FloatArray] = defaultdict(zeros)
    opex_by_source: dict[str, FloatArray] = defaultdict(zeros)
    hours_by_source: dict[str, FloatArray] = defaultdict(zeros)
    nbv_end = 0.0
    index = np.arange(n)
    monthly_property_rate = inputs.property_tax_rate / 12.0
    for t in tranches:
        cost = t.cost_usd
        for k, usd in t.spend_usd.items():
            if k < n:
                capex[k] += usd
                by_category[t.category][k] += usd
                sales_tax[k] += usd * t.sales_tax_rate / (1 + t.sales_tax_rate)
        if t.in_service >= n:
            # Still under construction when the horizon ends: worth what was spent.
            nbv_end += sum(v for k, v in t.spend_usd.items() if k < n)
            continue
        value = cost
        if inputs.capitalize_construction_interest:
            value = sum(v * (1 + r_m) ** (t.in_service - k) for k, v in t.spend_usd.items())
        value -= t.itc_usd
        itc[t.in_service] += t.itc_usd
        live = index >= t.in_service
        if t.category == "land":
            charge = np.where(live, value * r_m, 0.0)
            nbv = np.where(live, cost, 0.0)
            nbv_end += cost
        else:
            life_months = inputs.lives_years[t.category] * 12.0
            crf = capital_recovery_factor(r_m, life_months)
            charge = np.where(live & (index < t.in_service + life_months), value * crf, 0.0)
            dep = straight_line(cost, t.in_service, life_months, n)
            book += dep
            nbv = np.where(live, cost - np.cumsum(dep), 0.0)
            nbv_end += float(max(0.0, cost - dep.sum()))
            if t.category in IT_CATEGORIES:
                tax_dep += tax_depreciation(
                    cost - t.itc_usd,
                    t.in_service,
                    n,
                    life_years=inputs.tax_life_it_years,
                    method="macrs",
                    bonus_share=inputs.bonus_depreciation_share
                    if inputs.bonus_depreciation
                    else 0.0,
                )
            else:
                tax_dep += tax_depreciation(
                    cost - t.itc_usd,
                    t.in_service,
                    n,
                    life_years=inputs.tax_life_facility_years,
                    method="sl",
                )
        capital_charge += charge
        charge_by_source[t.source_id] += charge
        tax = nbv * monthly_property_rate
        if inputs.property_tax_abatement:
            window = live & (index < t.in_service + inputs.abatement_years * 12.0)
            cut = np.where(window, tax * inputs.abatement_share, 0.0)
            abated += cut
            tax = tax - cut
        property_tax += tax
        opex_by_source[t.source_id] += tax

    energy = zeros()
    om = zeros()
    contract = zeros()
    hours = zeros()
    accelerators = zeros()
    it_mw = zeros()
    escalation = (1 + inputs.electricity_escalation_per_year) ** ((index - valuation_index) / 12.0)
    om_monthly_per_mw = inputs.om_usd_per_mw_it_year / 12.0
    month_index = {m: k for k, m in enumerate(months)}
    month_hours = [hours_in_month(m) for m in months]
    for row in buildout.timeline:
        k = month_index[row.month]
        e = row.energy_cost_usd * inputs.electricity_price_factor * float(escalation[k])
        o = row.it_mw * om_monthly_per_mw if row.ownership == "owned" else 0.0
        h = row.accelerators * month_hours[k]
        energy[k] += e
        om[k] += o
        contract[k] += row.contract_cost_usd
        hours[k] += h
        accelerators[k] += row.accelerators
        it_mw[k] += row.it_mw
        opex_by_source[row.source_id][k] += e + o + row.contract_cost_usd
        hours_by_source[row.source_id][k] += h
    return Costs(
        months=months,
        tranches=tranches,
        capex=capex,
        capex_by_category=dict(by_category),
        sales_tax=sales_tax,
        itc=itc,
        capital_charge=capital_charge,
        book_depreciation=book,
        tax_depreciation=tax_dep,
        property_tax=property_tax,
        property_tax_abated=abated,
        energy=energy,
        om=om,
        contract=contract,
        accelerator_hours=hours,
        accelerators=accelerators,
        it_mw=it_mw,
        net_book_value_end_usd=nbv_end,
        capital_charge_by_source=dict(charge_by_source),
        opex_by_source=dict(opex_by_source),
        accelerator_hours_by_source=dict(hours_by_source),
    )


def cost_per_accelerator_hour(
    tco_usd: float, accelerator_hours: float, utilization: float = 1.0
) -> float | None:
    """TCO divided by accelerator-hours available (all-in, utilization 1) or used
    (`utilization` < 1), USD per accelerator-hour; None with no hours."""
    used = accelerator_hours * utilization
    return tco_usd / used if used > 0 else None
