"""One sweep sample: perturb the scenario, catalog and finance inputs, plan, finance, and
return the outputs as plain numbers (a row of the results table).

How each uncertain input acts:
- construction_delay_months: every phase comes online that many months later; groundbreaking
  stays, so the build takes longer (capex moves with the planner's S-curve and IT install).
- interconnect_delay_months: every grid connection energizes later, and a phase carries load
  only once grid plus firm on-site power (never batteries or solar) cover the site's facility
  load (on the announced ramp the planner alone would flag the shortfall but count the
  capacity; the feasible ramp then also applies every other binding constraint).
- chip_price_factor: multiplies every accelerator's price in the catalog.
- electricity_price_factor, price_decline_per_year, price_level_factor, utilization,
  demand_growth_factor: finance inputs (see gigawatt.scenario.finance).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from gigawatt.catalog.models import Catalog
from gigawatt.econ.defaults import FinanceDefaults
from gigawatt.econ.financials import compute_financials
from gigawatt.econ.inputs import FinanceInputs, resolve_inputs
from gigawatt.econ.payback import TERMS, PaybackTerm
from gigawatt.plan.calendar import add_months, months_between
from gigawatt.plan.feasible import FIRM_KINDS, Ramp
from gigawatt.plan.planner import phase_construction_start, plan_scenario, site_pue
from gigawatt.scenario.finance import FinanceSettings
from gigawatt.scenario.models import Scenario, Site
from gigawatt.sweep.simulated import SimulationSettings, simulated_utilization

#: Outputs of one sample, in column order.
OUTPUTS = (
    "npv_usd",
    "irr",
    "operating_profit_months",
    "payback_months",
    "cost_per_accelerator_hour_usd",
    "cost_per_used_accelerator_hour_usd",
    "revenue_usd",
    "capex_usd",
    "tco_usd",
    "plan_errors",
)


def milestone_column(term: PaybackTerm) -> str:
    """The results column of a payback milestone: months after the program start (NaN:
    never within the horizon), e.g. ``payback_months``."""
    return term.key.removesuffix("_month") + "_months"


@dataclass(frozen=True)
class SweepBase:
    """What every sample starts from (pickled once per worker)."""

    scenario: Scenario
    catalog: Catalog
    settings: FinanceSettings
    defaults: FinanceDefaults
    utilization: float | None = None
    #: When set, each sample is also simulated and finance takes its simulated utilization
    #: (output column ``simulated_utilization``); see `gigawatt.sweep.simulated`.
    simulation: SimulationSettings | None = None
    #: The ramp each sample is planned on (`gigawatt.plan.feasible`): "announced" or
    #: "feasible" (each phase at the month its binding constraints allow).
    ramp: Ramp = "announced"


def _delayed_site(site: Site, construction: int, interconnect: int, catalog: Catalog) -> Site:
    grid = site.grid
    if interconnect:
        grid = grid.model_copy(update={"interconnect": add_months(grid.interconnect, interconnect)})
    phases = []
    for phase in site.phases:
        start = phase_construction_start(phase, catalog)
        online = add_months(phase.online, construction)
        phases.append(phase.model_copy(update={"online": online, "construction_start": start}))
    if interconnect:
        # A phase carries load only once the site's power covers it and the phases before it.
        pue = site_pue(site, catalog)
        load = 0.0
        ready: list[Any] = []
        for phase in phases:
            load += phase.it_mw * pue
            month = phase.online
            for _ in range(600):
                onsite = sum(
                    g.power_mw
                    for g in site.onsite_generation
                    if g.kind in FIRM_KINDS and month >= g.online
                )
                power = onsite + (grid.power_mw if month >= grid.interconnect else 0.0)
                if power + 1e-9 >= load:
                    break
                month = add_months(month, 1)
            ready.append(phase.model_copy(update={"online": month}))
        phases = ready
    return site.model_copy(update={"grid": grid, "phases": phases})


def perturb(base: SweepBase, values: dict[str, float]) -> tuple[Scenario, Catalog, dict[str, Any]]:
    """The scenario, catalog and finance-input changes of one sample."""
    scenario, catalog = base.scenario, base.catalog
    construction = round(values.get("construction_delay_months", 0.0))
    interconnect = round(values.get("interconnect_delay_months", 0.0))
    if construction or interconnect:
        sites = [_delayed_site(s, construction, interconnect, catalog) for s in scenario.sites]
        scenario = scenario.model_copy(update={"sites": sites})
    factor = values.get("chip_price_factor", 1.0)
    if factor != 1.0:
        accelerators = {
            key: acc.model_copy(
                update={
                    "price_usd": acc.price_usd.model_copy(
                        update={"value": acc.price_usd.value * factor}
                    )
                }
            )
            for key, acc in catalog.accelerators.items()
        }
        catalog = catalog.model_copy(update={"accelerators": accelerators})
    changes: dict[str, Any] = {}
    for name in (
        "electricity_price_factor",
        "price_decline_per_year",
        "price_level_factor",
        "utilization",
        "demand_growth_factor",
    ):
        if name in values:
            changes[name] = float(values[name])
    return scenario, catalog, changes


def _months_after(start: dt.date, month: dt.date | None) -> float:
    return float(months_between(start, month)) if month is not None else math.nan


def evaluate(
    base: SweepBase, values: dict[str, float], inputs: FinanceInputs | None = None
) -> dict[str, float]:
    """Plan and finance one sample (and simulate it, with `base.simulation`: then finance
    uses the simulated utilization, and the row adds ``simulated_utilization``, NaN when
    nothing is online in the window, and ``utilization_used``); NaN marks "does not happen
    within the horizon"."""
    scenario, catalog, changes = perturb(base, values)
    buildout = plan_scenario(scenario, catalog, base.ramp)
    resolved = inputs or resolve_inputs(base.settings, base.defaults, base.utilization)
    if "electricity_price_factor" in changes:
        # A factor on top of the scenario's own.
        changes["electricity_price_factor"] *= resolved.electricity_price_factor
    simulated: float | None = None
    if base.simulation is not None:
        simulated = simulated_utilization(scenario, catalog, buildout, base.simulation)
        if simulated is not None and simulated > 0:
            changes["utilization"] = simulated
    if changes:
        resolved = resolved.with_changes(**changes)
    fin = compute_financials(buildout, resolved, scenario.program.start)
    cost = fin.cost_per_accelerator_hour()
    start = scenario.program.start
    extra: dict[str, float] = {}
    if base.simulation is not None:
        extra["simulated_utilization"] = math.nan if simulated is None else simulated
        extra["utilization_used"] = resolved.utilization
    return {
        "npv_usd": fin.verdict.npv_usd,
        "irr": fin.verdict.irr if fin.verdict.irr is not None else math.nan,
        **{
            milestone_column(term): _months_after(start, getattr(fin.verdict, term.key))
            for term in TERMS
        },
        "cost_per_accelerator_hour_usd": cost["all_in_usd_per_hour"] or math.nan,
        "cost_per_used_accelerator_hour_usd": cost["at_utilization_usd_per_hour"] or math.nan,
        "revenue_usd": float(fin.cash.revenue.sum()),
        "capex_usd": float(fin.costs.capex.sum()),
        "tco_usd": float(fin.costs.tco.sum()),
        "plan_errors": float(sum(1 for f in buildout.findings if f.severity == "error")),
        **extra,
    }


def evaluate_batch(base: SweepBase, rows: list[dict[str, float]]) -> list[dict[str, float]]:
    """Evaluate several samples (one task of an engine); resolves the inputs once."""
    inputs = resolve_inputs(base.settings, base.defaults, base.utilization)
    return [evaluate(base, values, inputs) for values in rows]
