"""The planner on small scenarios whose results can be worked out by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gigawatt.catalog.models import Catalog
from gigawatt.plan import plan_scenario, summarize
from gigawatt.plan.buildout import CAPEX_CATEGORIES
from gigawatt.plan.calendar import add_months, hours_in_month, months_between
from gigawatt.plan.scurve import s_curve_weights
from gigawatt.scenario.models import Scenario


def scenario(**overrides: Any) -> Scenario:
    site: dict[str, Any] = {
        "id": "tx-1",
        "name": "Test TX",
        "region": "tx",
        "land_acres": 500,
        "grid": {"power_mw": 300, "interconnect": "2026-01"},
        "equipment_ordered": "2025-01",
        "phases": [
            {
                "name": "p1",
                "online": "2026-06",
                "it_mw": 100,
                "accelerator": "h100",
                "construction_start": "2025-06",
            },
            {
                "name": "p2",
                "online": "2026-12",
                "it_mw": 100,
                "accelerator": "h100",
                "construction_start": "2025-12",
            },
        ],
    }
    site.update(overrides.pop("site", {}))
    data: dict[str, Any] = {
        "program": {
            "name": "test",
            "start": "2025-06",
            "horizon_months": 24,
            "budget_usd": 20e9,
            "average_it_load": 0.8,
        },
        "sites": [site],
    }
    data.update(overrides)
    return Scenario.model_validate(data)


def test_phase_capacity_follows_it_power_per_accelerator(tiny_catalog: Catalog) -> None:
    b = plan_scenario(scenario(), tiny_catalog)
    p1 = b.phases[0]
    assert p1.accelerators == 100_000  # 100 MW / 1 kW
    assert p1.facility_mw == pytest.approx(125.0)  # PUE 1.25 (Texas)
    assert p1.flops_bf16 == pytest.approx(100_000 * 1000e12)
    assert p1.h100e == pytest.approx(100_000)


def test_capacity_comes_online_in_the_phase_month(tiny_catalog: Catalog) -> None:
    b = plan_scenario(scenario(), tiny_catalog)
    online = {r.month: r.accelerators for r in b.timeline if r.source_id == "tx-1"}
    assert dt.date(2026, 5, 1) not in online
    assert online[dt.date(2026, 6, 1)] == 100_000
    assert online[dt.date(2026, 12, 1)] == 200_000


def test_capex_adds_up_by_category(tiny_catalog: Catalog) -> None:
    b = plan_scenario(scenario(), tiny_catalog)
    totals = summarize(b)["capex_by_category_usd"]
    facility = 200 * 10e6  # 200 MW x $10M/MW, factor 1.0
    assert totals["land"] == pytest.approx(500 * 10_000)
    assert totals["shell"] == pytest.approx(0.4 * facility)
    assert totals["electrical"] == pytest.approx(0.35 * facility)
    assert totals["mechanical"] == pytest.approx(0.25 * facility)
    assert totals["it_hardware"] == pytest.approx(200_000 * 30_000)
    assert totals["network"] == pytest.approx(0.1 * 200_000 * 30_000)
    assert set(totals) == set(CAPEX_CATEGORIES)


def test_facility_spend_follows_an_s_curve_ending_before_online(tiny_catalog: Catalog) -> None:
    b = plan_scenario(scenario(), tiny_catalog)
    shell = [e for e in b.capex if e.phase == "p1" and e.category == "shell"]
    months = [e.month for e in shell]
    assert min(months) == dt.date(2025, 6, 1) and max(months) == dt.date(2026, 5, 1)
    spend = [e.usd for e in sorted(shell, key=lambda e: e.month)]
    assert spend[len(spend) // 2] > spend[0] and spend[len(spend) // 2] > spend[-1]
    it = [e for e in b.capex if e.phase == "p1" and e.category == "it_hardware"]
    assert sorted(e.month for e in it) == [dt.date(2026, 4, 1), dt.date(2026, 5, 1)]


def test_energy_uses_pue_load_and_regional_price(tiny_catalog: Catalog) -> None:
    b = plan_scenario(scenario(), tiny_catalog)
    june = next(r for r in b.timeline if r.month == dt.date(2026, 6, 1))
    expected = 100 * 1.25 * 0.8 * hours_in_month(dt.date(2026, 6, 1))
    assert june.energy_mwh == pytest.approx(expected)
    assert june.energy_cost_usd == pytest.approx(expected * 50)


def test_no_findings_for_a_feasible_plan(tiny_catalog: Catalog) -> None:
    assert plan_scenario(scenario(), tiny_catalog).findings == []


def test_power_shortfall_names_site_phase_and_month(tiny_catalog: Catalog) -> None:
    s = scenario(site={"grid": {"power_mw": 150, "interconnect": "2026-01"}})
    findings = [f for f in plan_scenario(s, tiny_catalog).findings if f.kind == "power"]
    assert len(findings) == 1
    f = findings[0]
    assert (f.site_id, f.phase, f.month) == ("tx-1", "p2", dt.date(2026, 12, 1))
    assert "250 MW" in f.message and "150 MW" in f.message


def test_phase_before_interconnect_is_an_error_without_onsite_power(tiny_catalog: Catalog) -> None:
    s = scenario(site={"grid": {"power_mw": 300, "interconnect": "2026-09"}})
    kinds = {(f.kind, f.phase, f.severity) for f in plan_scenario(s, tiny_catalog).findings}
    assert ("interconnect", "p1", "error") in kinds
    assert ("power", "p1", "error") in kinds


def test_onsite_generation_bridges_until_the_grid(tiny_catalog: Catalog) -> None:
    s = scenario(
        site={
            "grid": {"power_mw": 300, "interconnect": "2026-09"},
            "onsite_generation": [{"kind": "gas_turbine", "power_mw": 130, "online": "2026-05"}],
        }
    )
    findings = plan_scenario(s, tiny_catalog).findings
    assert [(f.kind, f.severity) for f in findings] == [("interconnect", "warning")]


def test_transformer_lead_time_binds_a_new_interconnection(tiny_catalog: Catalog) -> None:
    # Ordered 2026-01: transformers (52 wk = 12 months) arrive 2027-01, after the 2026-01
    # interconnect; switchgear (26 wk = 6 months) arrives 2026-07, after p1 (2026-06), not p2.
    s = scenario(site={"equipment_ordered": "2026-01"})
    late = [
        (f.phase, f.month) for f in plan_scenario(s, tiny_catalog).findings if f.kind == "lead_time"
    ]
    assert late == [(None, dt.date(2026, 1, 1)), ("p1", dt.date(2026, 6, 1))]


def test_existing_interconnection_needs_no_new_transformers(tiny_catalog: Catalog) -> None:
    s = scenario(
        site={"equipment_ordered": "2026-01", "grid": {"power_mw": 300, "interconnect": "2024-01"}}
    )
    late = [f.phase for f in plan_scenario(s, tiny_catalog).findings if f.kind == "lead_time"]
    assert late == ["p1"]


def test_turbine_lead_time_binds(tiny_catalog: Catalog) -> None:
    s = scenario(
        site={
            "onsite_generation": [
                {"kind": "gas_turbine", "power_mw": 50, "online": "2026-06", "ordered": "2025-06"}
            ]
        }
    )
    kinds = [f.kind for f in plan_scenario(s, tiny_catalog).findings]
    assert kinds == ["turbine_lead_time"]


def test_land_too_small_for_the_mw(tiny_catalog: Catalog) -> None:
    s = scenario(site={"land_acres": 200})  # 1 MW/acre -> 200 MW, plan needs 250 MW facility
    land = [f for f in plan_scenario(s, tiny_catalog).findings if f.kind == "land"]
    assert [f.phase for f in land] == ["p2"]


def test_budget_exceeded_names_the_month(tiny_catalog: Catalog) -> None:
    s = scenario(program={"name": "t", "start": "2025-06", "horizon_months": 24, "budget_usd": 5e9})
    budget = [f for f in plan_scenario(s, tiny_catalog).findings if f.kind == "budget"]
    assert len(budget) == 1 and budget[0].month is not None
    # Facility-only budgets ignore IT hardware: 2.005B of facility and land fits in 5B.
    s2 = scenario(
        program={
            "name": "t",
            "start": "2025-06",
            "horizon_months": 24,
            "budget_usd": 5e9,
            "budget_includes_accelerators": False,
        }
    )
    assert [f for f in plan_scenario(s2, tiny_catalog).findings if f.kind == "budget"] == []


def test_accelerator_not_yet_shipping(tiny_catalog: Catalog) -> None:
    s = scenario(
        site={
            "phases": [
                {
                    "name": "p1",
                    "online": "2025-12",
                    "it_mw": 50,
                    "accelerator": "fast",
                    "construction_start": "2025-01",
                }
            ],
            "equipment_ordered": "2024-06",
            "grid": {"power_mw": 300, "interconnect": "2025-01"},
        }
    )
    kinds = [f.kind for f in plan_scenario(s, tiny_catalog).findings]
    assert "accelerator_availability" in kinds


def test_jobs_peak_and_permanent(tiny_catalog: Catalog) -> None:
    b = plan_scenario(scenario(), tiny_catalog)
    # p1 builds 2025-06..2026-05, p2 2025-12..2026-11: overlap 2025-12..2026-05, 250 MW facility
    # at 3 workers/MW -> 750 workers at peak. Permanent: 0.3/MW x 250 MW = 75.
    s = summarize(b)
    assert s["jobs"]["construction_peak"] == 750
    assert s["jobs"]["permanent"] == 75


def test_contracts_are_reported_beside_owned_capacity(tiny_catalog: Catalog) -> None:
    s = scenario(
        contracts=[
            {
                "id": "cloud-1",
                "provider": "Cloud",
                "kind": "cloud",
                "accelerator": "h100",
                "ramp": [
                    {"month": "2026-01", "accelerators": 1000},
                    {"month": "2026-07", "accelerators": 3000},
                ],
                "price_per_accelerator_hour_usd": 2.0,
                "term_months": 12,
            }
        ]
    )
    b = plan_scenario(s, tiny_catalog)
    rows = {r.month: r for r in b.timeline if r.ownership == "contracted"}
    assert rows[dt.date(2026, 3, 1)].accelerators == 1000
    assert rows[dt.date(2026, 8, 1)].accelerators == 3000
    assert dt.date(2027, 1, 1) not in rows  # 12-month term ended
    march = rows[dt.date(2026, 3, 1)]
    assert march.contract_cost_usd == pytest.approx(
        1000 * 2.0 * hours_in_month(dt.date(2026, 3, 1))
    )
    dec = summarize(b)["year_end"][1]
    assert dec["contracted"]["accelerators"] == 3000
    assert dec["owned"]["accelerators"] == 200_000


def test_timeline_starts_at_the_first_spend(tiny_catalog: Catalog) -> None:
    s = scenario(
        program={"name": "t", "start": "2026-01", "horizon_months": 12, "budget_usd": 20e9}
    )
    b = plan_scenario(s, tiny_catalog)
    assert b.months[0] == dt.date(2025, 6, 1)  # land + construction of p1
    assert b.months[-1] == dt.date(2026, 12, 1)


def test_calendar_helpers() -> None:
    assert add_months(dt.date(2025, 11, 1), 3) == dt.date(2026, 2, 1)
    assert add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert months_between(dt.date(2025, 11, 1), dt.date(2026, 2, 1)) == 3
    assert hours_in_month(dt.date(2024, 2, 1)) == 29 * 24


@pytest.mark.parametrize("months", [1, 2, 7, 20, 48])
def test_s_curve_weights_sum_to_one(months: int) -> None:
    weights = s_curve_weights(months)
    assert len(weights) == months
    assert sum(weights) == pytest.approx(1.0)
    assert all(w > 0 for w in weights)


def test_summary_totals_contract_payments(tiny_catalog: Catalog) -> None:
    s = scenario(contracts=[{
        "id": "colo", "provider": "Colo", "kind": "colocation", "accelerator": "h100",
        "region": "ny", "ramp": [{"month": "2026-01", "accelerators": 1000}],
        "price_per_kw_month_usd": 150.0, "term_months": 6}])
    summary = summarize(plan_scenario(s, tiny_catalog))
    # 1,000 x 1 kW = 1,000 kW x $150 x 6 months.
    assert summary["contract_cost_total_usd"] == pytest.approx(900_000)
    assert summary["contract_cost_by_year_usd"] == {"2026": pytest.approx(900_000)}
    # Colocation: the tenant buys the hardware, paid before the ramp month.
    it = [e for e in plan_scenario(s, tiny_catalog).capex if e.site_id == "colo"]
    assert sum(e.usd for e in it if e.category == "it_hardware") == pytest.approx(1000 * 30_000)
