"""Add up several programs against national yearly supply: can the industry build all of it?

Demand per calendar year:
- large power transformers: `transformers_per_gw` x facility GW of the phases coming online;
- gas turbines: on-site gas-turbine GW coming online;
- grid interconnections: GW of grid connections energized;
- accelerators: owned accelerators coming online plus contracted ramp increases.
Supply per year comes from the catalog's `supply` table (each figure sourced).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from gigawatt.catalog.models import Catalog
from gigawatt.plan.buildout import Buildout
from gigawatt.scenario.models import Scenario

ITEMS = ("large_transformers", "gas_turbines_gw", "grid_interconnection_gw", "accelerators_shipped")


def yearly_demand(
    buildout: Buildout, scenario: Scenario, catalog: Catalog
) -> dict[int, dict[str, float]]:
    """What one program asks of national supply, per calendar year."""
    demand: dict[int, dict[str, float]] = defaultdict(lambda: dict.fromkeys(ITEMS, 0.0))
    per_gw = catalog.cost.transformers_per_gw.value
    for phase in buildout.phases:
        year = demand[phase.online.year]
        year["large_transformers"] += per_gw * phase.facility_mw / 1000.0
        year["accelerators_shipped"] += phase.accelerators
    for site in scenario.sites:
        demand[site.grid.interconnect.year]["grid_interconnection_gw"] += (
            site.grid.power_mw / 1000.0
        )
        for gen in site.onsite_generation:
            if gen.kind == "gas_turbine":
                demand[gen.online.year]["gas_turbines_gw"] += gen.power_mw / 1000.0
    for contract in scenario.contracts:
        previous = 0
        for point in contract.ramp:
            added = point.accelerators - previous
            previous = point.accelerators
            if added > 0:
                demand[point.month.year]["accelerators_shipped"] += added
    return dict(demand)


def check_supply(
    buildouts: Sequence[Buildout], scenarios: Sequence[Scenario], catalog: Catalog
) -> dict[str, Any]:
    """Total demand of all programs per year and item against supply; flags shortfalls."""
    total: dict[int, dict[str, float]] = defaultdict(lambda: dict.fromkeys(ITEMS, 0.0))
    for buildout, scenario in zip(buildouts, scenarios, strict=True):
        for year, items in yearly_demand(buildout, scenario, catalog).items():
            for item, value in items.items():
                total[year][item] += value
    rows: list[dict[str, Any]] = []
    missing: list[int] = []
    for year in sorted(total):
        supply = catalog.supply.get(year)
        if supply is None:
            missing.append(year)
            continue
        for item in ITEMS:
            demand = total[year][item]
            if demand <= 0:
                continue
            available = getattr(supply, item)
            rows.append(
                {
                    "year": year,
                    "item": item,
                    "demand": demand,
                    "supply": available.value,
                    "share": demand / available.value if available.value else float("inf"),
                    "short": demand > available.value,
                    "source": available.source,
                }
            )
    return {
        "programs": [b.name for b in buildouts],
        "years": rows,
        "short": [f"{r['year']} {r['item']}" for r in rows if r["short"]],
        "years_without_supply_data": missing,
    }
