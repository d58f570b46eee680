"""Jobs with their published ranges set against what was announced, and the budget line:
committed, remaining and why."""

from __future__ import annotations

from typing import Any

import pytest

from gigawatt.catalog.models import Catalog
from gigawatt.plan import plan_scenario, summarize
from gigawatt.scenario import load_scenario, scenario_catalog
from gigawatt.scenario.models import Scenario

DEMO = "scenarios/anthropic-fluidstack-2026.yaml"


def base_scenario() -> Scenario:
    """One site in tx, 2 phases of 100 MW IT (0.25 GW of facility at PUE 1.25), $20B."""
    phase = {"it_mw": 100, "accelerator": "h100"}
    return Scenario.model_validate(
        {
            "program": {"name": "t", "start": "2025-06", "horizon_months": 24, "budget_usd": 20e9},
            "sites": [
                {
                    "id": "tx-1",
                    "name": "T",
                    "region": "tx",
                    "land_acres": 500,
                    "grid": {"power_mw": 300, "interconnect": "2025-01"},
                    "equipment_ordered": "2025-01",
                    "phases": [
                        {
                            "name": "p1",
                            "online": "2026-06",
                            "construction_start": "2025-06",
                            **phase,
                        },
                        {
                            "name": "p2",
                            "online": "2026-12",
                            "construction_start": "2025-12",
                            **phase,
                        },
                    ],
                }
            ],
        }
    )


def with_costs(catalog: Catalog, **values: Any) -> Catalog:
    data = catalog.model_dump()
    for name, entry in values.items():
        data["cost"][name].update(entry)
    return Catalog.model_validate(data)


def test_permanent_jobs_are_a_staff_per_site_plus_jobs_per_gw(tiny_catalog: Catalog) -> None:
    catalog = with_costs(
        tiny_catalog,
        permanent_jobs_per_site={"value": 100, "low": 50, "high": 200},
        permanent_jobs_per_gw={"value": 200, "low": 100, "high": 400},
    )
    s = base_scenario()  # one site, 2 x 100 MW IT at PUE 1.25 = 0.25 GW of facility
    jobs = summarize(plan_scenario(s, catalog))["jobs"]
    assert jobs["permanent"] == 100 + 200 * 0.25
    assert (jobs["permanent_low"], jobs["permanent_high"]) == (50 + 25, 200 + 100)


def test_announced_jobs_are_set_against_the_range_with_the_reason(tiny_catalog: Catalog) -> None:
    catalog = with_costs(
        tiny_catalog, construction_workers_per_gw={"value": 3000, "low": 2000, "high": 5000}
    )
    data = base_scenario().model_dump(mode="json")
    data["program"]["announced"] = {
        "permanent_jobs": 5,
        "construction_jobs": 100,
        "source": "a press release",
    }
    jobs = summarize(plan_scenario(Scenario.model_validate(data), catalog))["jobs"]
    peak = jobs["construction_peak"]
    assert jobs["construction_peak_low"] == round(peak * 2 / 3)
    permanent, construction = jobs["reconciliation"]
    assert permanent.startswith("Permanent jobs: 5 announced") and "below the plan's range" in (
        permanent
    )
    assert "Construction jobs: 100 announced" in construction
    assert f"{100 / 3000:.2f} GW under construction at once" in construction
    assert jobs["announced"]["source"] == "a press release"


def test_the_budget_line_says_what_is_committed_what_remains_and_why(
    tiny_catalog: Catalog,
) -> None:
    s = base_scenario()  # budget $20B
    b = summarize(plan_scenario(s, tiny_catalog))["budget"]
    assert b["committed_usd"] == pytest.approx(b["committed_capex_usd"])
    assert b["remaining_usd"] == pytest.approx(20e9 - b["committed_usd"])
    assert any("not committed to any phase" in w for w in b["why"])


def test_contract_payments_count_against_a_budget_that_covers_them() -> None:
    path = "scenarios/openai-commitments.yaml"
    s = load_scenario(path)
    b = summarize(plan_scenario(s, scenario_catalog(s)))["budget"]
    assert b["includes_contracts"]
    assert b["committed_usd"] == pytest.approx(
        b["committed_capex_usd"] + b["contract_payments_usd"]
    )
    assert b["used_share"] > 0.5  # was 31% with the contracts left out


def test_the_demo_reconciles_its_announced_jobs() -> None:
    s = load_scenario(DEMO)
    jobs = summarize(plan_scenario(s, scenario_catalog(s)))["jobs"]
    assert jobs["announced"]["permanent"] == 800
    assert jobs["permanent_low"] <= 800 <= jobs["permanent_high"]
    assert len(jobs["reconciliation"]) == 2
