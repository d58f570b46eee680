"""Adding programs up against national supply."""

from __future__ import annotations

from typing import Any

import pytest

from gigawatt.catalog.models import Catalog
from gigawatt.plan import plan_scenario
from gigawatt.plan.supply import check_supply
from gigawatt.scenario.models import Scenario


def program(name: str, it_mw: float, turbines_mw: float = 0.0) -> Scenario:
    site: dict[str, Any] = {
        "id": "s1",
        "name": "s",
        "region": "tx",
        "land_acres": 10_000,
        "grid": {"power_mw": 5000, "interconnect": "2026-01"},
        "equipment_ordered": "2024-01",
        "phases": [{"name": "p", "online": "2026-06", "it_mw": it_mw, "accelerator": "h100"}],
    }
    if turbines_mw:
        site["onsite_generation"] = [
            {"kind": "gas_turbine", "power_mw": turbines_mw, "online": "2026-03"}
        ]
    return Scenario.model_validate(
        {
            "program": {"name": name, "start": "2025-01", "horizon_months": 24, "budget_usd": 1e12},
            "sites": [site],
        }
    )


def test_programs_add_up_and_shortfalls_are_flagged(tiny_catalog: Catalog) -> None:
    scenarios = [program("a", 2000), program("b", 2000, turbines_mw=6000)]
    buildouts = [plan_scenario(s, tiny_catalog) for s in scenarios]
    report = check_supply(buildouts, scenarios, tiny_catalog)
    rows = {r["item"]: r for r in report["years"] if r["year"] == 2026}
    # 4,000 MW IT x PUE 1.25 = 5 GW facility x 10 transformers/GW = 50 of 100 units.
    assert rows["large_transformers"]["demand"] == pytest.approx(50)
    assert not rows["large_transformers"]["short"]
    # Two 5 GW grid connections = 10 GW of 20.
    assert rows["grid_interconnection_gw"]["demand"] == pytest.approx(10)
    # 6 GW of turbines against 10 GW supply; 4M accelerators against 5M.
    assert rows["gas_turbines_gw"]["share"] == pytest.approx(0.6)
    assert rows["accelerators_shipped"]["demand"] == pytest.approx(4_000_000)
    assert report["short"] == []
    more = [*scenarios, program("c", 2000)]
    report = check_supply([plan_scenario(s, tiny_catalog) for s in more], more, tiny_catalog)
    assert report["short"] == ["2026 accelerators_shipped"]
