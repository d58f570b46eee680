"""One published campus as the planner sees it: a one-site scenario built from observed inputs
(accelerator counts or power), planned, and read back at its online month.

The scenario schema takes IT power per phase, not accelerator counts, so a count becomes
``count x it_power_w`` (the catalog's all-in IT watts per accelerator) and the planner turns it
back into the same count. Facility power is then IT power times the region's default PUE.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gigawatt.catalog.models import Accelerator, Catalog
from gigawatt.plan import plan_scenario
from gigawatt.plan.summary import capacity_at
from gigawatt.scenario.models import Scenario

#: Relative nudge so that ``it_mw * 1e6 // it_power_w`` floors back to the exact count
#: despite binary rounding (the planner counts whole accelerators with a floor division).
_COUNT_NUDGE = 1e-12

FACILITY_CATEGORIES = ("shell", "electrical", "mechanical")
IT_CATEGORIES = ("it_hardware", "network")


@dataclass(frozen=True)
class CampusOutcome:
    """What the planner derives for a campus at its online month. Capex in USD, power in MW."""

    it_mw: float
    facility_mw: float
    pue: float
    accelerators: int
    accelerators_by_type: dict[str, int]
    h100e: float
    facility_capex_usd: float
    it_capex_usd: float
    land_capex_usd: float

    @property
    def capex_usd(self) -> float:
        """Facility + IT hardware + network capex, USD; land excluded (Epoch's has none)."""
        return self.facility_capex_usd + self.it_capex_usd


def it_mw_for_accelerators(accelerators: int, accelerator: Accelerator) -> float:
    """IT power (MW) that holds exactly `accelerators` units at the catalog's all-in watts."""
    return accelerators * accelerator.it_power_w.value / 1e6 * (1 + _COUNT_NUDGE)


def campus_scenario(
    name: str,
    region: str,
    month: dt.date,
    it_mw_by_accelerator: Mapping[str, float],
    catalog: Catalog,
) -> Scenario:
    """A one-site scenario: one phase per accelerator type, all online in `month`.

    PUE is the region's default (never an observed facility/IT ratio, which would make the
    facility-power comparison circular). The grid and land are sized to fit, and the budget is
    unlimited, so no constraint changes what the planner derives; land is bought at the
    catalog's MW per acre.
    """
    pue = catalog.regions[region].pue.value
    facility_mw = sum(it_mw_by_accelerator.values()) * pue
    acres = facility_mw / catalog.cost.facility_mw_per_acre.value * 1.01
    month_text = month.strftime("%Y-%m")
    return Scenario.model_validate(
        {
            "program": {
                "name": name,
                "start": month_text,
                "horizon_months": 1,
                "budget_usd": 1e15,
            },
            "sites": [
                {
                    "id": "campus",
                    "name": name,
                    "region": region,
                    "land_acres": acres,
                    "grid": {"power_mw": facility_mw * 1.01, "interconnect": month_text},
                    "phases": [
                        {
                            "name": accelerator,
                            "online": month_text,
                            "it_mw": it_mw,
                            "accelerator": accelerator,
                        }
                        for accelerator, it_mw in sorted(it_mw_by_accelerator.items())
                    ],
                }
            ],
        }
    )


def plan_campus(scenario: Scenario, catalog: Catalog) -> CampusOutcome:
    """Plan the scenario and read capacity at its start month and capex over the whole plan."""
    buildout = plan_scenario(scenario, catalog)
    owned = capacity_at(buildout, scenario.program.start)["owned"]
    by_category: dict[str, float] = {}
    for entry in buildout.capex:
        by_category[entry.category] = by_category.get(entry.category, 0.0) + entry.usd
    it_mw = float(owned["it_mw"])
    return CampusOutcome(
        it_mw=it_mw,
        facility_mw=float(owned["facility_mw"]),
        pue=float(owned["facility_mw"]) / it_mw if it_mw else 0.0,
        accelerators=int(owned["accelerators"]),
        accelerators_by_type=dict(owned["accelerators_by_type"]),
        h100e=float(owned["h100e"]),
        facility_capex_usd=sum(by_category.get(c, 0.0) for c in FACILITY_CATEGORIES),
        it_capex_usd=sum(by_category.get(c, 0.0) for c in IT_CATEGORIES),
        land_capex_usd=by_category.get("land", 0.0),
    )


def relative_error(ours: float, theirs: float) -> float:
    """(ours - theirs) / theirs: +0.10 means we are 10% above the published figure."""
    if theirs == 0:
        raise ValueError("cannot compare against a published value of zero")
    return (ours - theirs) / theirs


def median_abs_error(errors: Iterable[float]) -> float:
    """Median of the absolute relative errors (0.2 = 20%)."""
    values = [abs(e) for e in errors]
    if not values:
        raise ValueError("no comparisons to take a median of")
    return statistics.median(values)
