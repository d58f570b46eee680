"""The bundled scenarios in `scenarios/` load, plan, and encode the public facts they cite."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from gigawatt.plan import Buildout, plan_scenario, summarize
from gigawatt.scenario import Scenario, load_scenario, scenario_catalog

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BUNDLED = (
    "anthropic-fluidstack-2026.yaml",
    "project-rainier.yaml",
    "stargate-abilene.yaml",
    "openai-commitments.yaml",
)
#: Facility / IT power assumed for cloud capacity, whose facility power the planner leaves at 0
#: (the provider pays for it): between the catalog's New York (1.17) and Texas (1.40) values.
CLOUD_PUE = 1.35


@cache
def planned(name: str) -> tuple[Scenario, Buildout, dict[str, Any]]:
    scenario = load_scenario(SCENARIOS / name)
    buildout = plan_scenario(scenario, scenario_catalog(scenario))
    return scenario, buildout, summarize(buildout)


def month(text: str) -> dt.date:
    return dt.date.fromisoformat(f"{text}-01")


def at(buildout: Buildout, when: dt.date, ownership: str | None = None) -> dict[str, float]:
    """IT MW, facility MW and accelerators online in `when` (optionally owned or contracted)."""
    rows = [
        r
        for r in buildout.timeline
        if r.month == when and (ownership is None or r.ownership == ownership)
    ]
    return {
        "it_mw": sum(r.it_mw for r in rows),
        "facility_mw": sum(r.facility_mw for r in rows),
        "accelerators": sum(r.accelerators for r in rows),
    }


def test_the_four_bundled_scenarios_exist() -> None:
    present = {p.name for p in SCENARIOS.glob("*.yaml")}
    assert set(BUNDLED) <= present


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_loads_and_plans(name: str) -> None:
    scenario, buildout, summary = planned(name)
    assert scenario.sites, "every bundled scenario builds at least one site"
    assert buildout.months[-1] >= buildout.months[0]
    assert summary["capex_total_usd"] > 0
    assert all(p.accelerators > 0 for p in buildout.phases)
    assert max(p["owned"]["facility_mw"] for p in summary["year_end"]) > 0
    for finding in summary["findings"]:
        assert finding["severity"] in ("error", "warning")
        assert finding["message"]


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_cites_its_sources(name: str) -> None:
    text = (SCENARIOS / name).read_text(encoding="utf-8")
    header = text.split("\nprogram:", 1)[0]
    assert header.startswith("#"), "the file opens with a comment header"
    assert "Public facts" in header
    assert "ASSUMED" in text
    # Every bundled file cites at least a few web sources by address.
    cited = sum(header.count(domain) for domain in (".com", ".ai", ".net", ".org", ".news"))
    assert cited >= 3


# --- Project Rainier -------------------------------------------------------------------------


def test_rainier_is_trainium_in_indiana() -> None:
    scenario, buildout, _ = planned("project-rainier.yaml")
    assert [s.region for s in scenario.sites] == ["in"]
    assert scenario.sites[0].land_acres == 1200
    types = {p.accelerator for p in buildout.phases}
    assert types <= {"trainium2", "trainium3"}
    assert buildout.phases[0].accelerator == "trainium2"


def test_rainier_runs_hundreds_of_thousands_of_trainium2_in_2025() -> None:
    _, buildout, _ = planned("project-rainier.yaml")
    # AWS, Oct 2025: "about 500,000" Trainium2 (Epoch: buildings 1-7, 457k).
    october = at(buildout, month("2025-10"))
    assert 400_000 <= october["accelerators"] <= 550_000
    end_2025 = at(buildout, month("2025-12"))
    assert 100_000 <= end_2025["accelerators"] < 1_000_000
    # Epoch: 626 MW IT / 751 MW facility at the end of 2025.
    assert end_2025["it_mw"] == pytest.approx(626, rel=0.02)
    assert end_2025["facility_mw"] == pytest.approx(751, rel=0.02)


def test_rainier_reaches_the_planned_2_2_gw() -> None:
    _, _, summary = planned("project-rainier.yaml")
    peak = max(p["owned"]["facility_mw"] for p in summary["year_end"])
    assert peak == pytest.approx(2200, rel=0.05)
    assert not [f for f in summary["findings"] if f["kind"] in ("land", "power")]


def test_rainier_budget_is_the_announced_11b_of_facility() -> None:
    scenario, buildout, summary = planned("project-rainier.yaml")
    assert scenario.program.budget_usd == pytest.approx(11e9)
    assert scenario.program.budget_includes_accelerators is False
    # The $11B matches the facility cost of the first 16 buildings (plus land)...
    first_16 = {"buildings-1-7", "buildings-8-11", "buildings-12-16"}
    facility = sum(
        e.usd
        for e in buildout.capex
        if e.category not in ("it_hardware", "network") and (e.phase in first_16 or not e.phase)
    )
    assert facility == pytest.approx(11e9, rel=0.10)
    # ...so the 2.2 GW campus overruns it, and the planner says so.
    assert [f["kind"] for f in summary["findings"]].count("budget") == 1


# --- Stargate Abilene ------------------------------------------------------------------------


def test_abilene_is_1_2_gw_of_gb200_by_end_of_2026() -> None:
    scenario, buildout, _ = planned("stargate-abilene.yaml")
    site = scenario.sites[0]
    assert site.region == "tx"
    assert site.pue == pytest.approx(1.4)
    assert site.land_acres == 1100
    assert {p.accelerator for p in buildout.phases} == {"gb200-nvl72"}
    end_2026 = at(buildout, month("2026-12"))
    assert end_2026["facility_mw"] == pytest.approx(1200, rel=0.15)
    assert end_2026["it_mw"] == pytest.approx(843, rel=0.02)
    # FT: ~400,000 GB200.
    assert end_2026["accelerators"] == pytest.approx(400_000, rel=0.10)


def test_abilene_ramp_follows_epoch() -> None:
    _, buildout, _ = planned("stargate-abilene.yaml")
    assert at(buildout, month("2025-09"))["it_mw"] == pytest.approx(105, rel=0.02)
    assert at(buildout, month("2025-12"))["it_mw"] == pytest.approx(211, rel=0.02)
    assert at(buildout, month("2026-05"))["it_mw"] == pytest.approx(421, rel=0.02)
    assert at(buildout, month("2026-11"))["it_mw"] == pytest.approx(843, rel=0.02)


def test_abilene_power_and_money() -> None:
    scenario, _, summary = planned("stargate-abilene.yaml")
    site = scenario.sites[0]
    turbines = sum(g.power_mw for g in site.onsite_generation if g.kind == "gas_turbine")
    assert turbines == pytest.approx(360, rel=0.1)
    assert site.grid.power_mw >= 1000
    # $15B facility + ~$40B Oracle chips.
    assert scenario.program.budget_usd == pytest.approx(55e9)
    assert scenario.program.budget_includes_accelerators is True
    # The campus was built and runs: nothing binds on power, land or budget.
    assert not [f for f in summary["findings"] if f["kind"] in ("power", "land", "budget")]


# --- OpenAI commitments ----------------------------------------------------------------------


def test_openai_portfolio_mixes_stargate_sites_and_contracts() -> None:
    scenario, buildout, _ = planned("openai-commitments.yaml")
    assert len(scenario.sites) == 7
    assert {s.region for s in scenario.sites} >= {"tx", "oh", "nm", "mi", "wi"}
    types = {p.accelerator for p in buildout.phases}
    assert {"gb200-nvl72", "gb300-nvl72", "mi355x"} <= types
    kinds = {c.kind for c in scenario.contracts}
    assert kinds == {"cloud", "colocation"}


def test_openai_reaches_about_30_gw() -> None:
    _, buildout, _ = planned("openai-commitments.yaml")
    end = buildout.months[-1]
    assert end.year == 2033
    owned = at(buildout, end, "owned")
    facility = owned["facility_mw"]
    for r in buildout.timeline:
        if r.month == end and r.ownership == "contracted":
            # Cloud rows carry no facility power (the provider pays for it): use IT x PUE.
            facility += r.facility_mw if r.facility_mw > 0 else r.it_mw * CLOUD_PUE
    assert facility == pytest.approx(30_000, rel=0.20)
    # The owned Stargate campuses are Epoch's ~6.8 GW IT / ~9.5 GW facility.
    assert owned["it_mw"] == pytest.approx(6800, rel=0.05)
    assert owned["facility_mw"] == pytest.approx(9530, rel=0.05)


def test_openai_money_is_on_the_scale_of_1_4_trillion() -> None:
    scenario, buildout, summary = planned("openai-commitments.yaml")
    assert scenario.program.budget_usd == pytest.approx(1.4e12)
    assert scenario.program.budget_includes_accelerators is True
    contracts = sum(r.contract_cost_usd for r in buildout.timeline)
    committed = summary["capex_total_usd"] + contracts
    # Same order of magnitude as Altman's ~$1.4T (catalog unit prices are lower; no refresh).
    assert 0.5 * 1.4e12 <= committed <= 1.5 * 1.4e12
    # Cloud deals are sized to their announced dollar values.
    by_contract: dict[str, float] = {}
    for r in buildout.timeline:
        by_contract[r.source_id] = by_contract.get(r.source_id, 0.0) + r.contract_cost_usd
    assert by_contract["microsoft-azure"] == pytest.approx(250e9, rel=0.02)
    assert by_contract["aws"] == pytest.approx(38e9, rel=0.02)
    assert by_contract["coreweave"] == pytest.approx(22.4e9, rel=0.02)


def test_openai_chip_deals_match_their_gigawatts() -> None:
    _, buildout, _ = planned("openai-commitments.yaml")
    end = buildout.months[-1]
    rows = {r.source_id: r for r in buildout.timeline if r.month == end}
    # Broadcom 10 GW by end of 2029; AMD 6 GW = Milam (owned, MI355X) + colocation.
    assert rows["broadcom-colo"].facility_mw == pytest.approx(10_000, rel=0.02)
    milam = sum(p.facility_mw for p in buildout.phases if p.site_id == "tx-milam")
    assert {p.accelerator for p in buildout.phases if p.site_id == "tx-milam"} == {"mi355x"}
    assert rows["amd-colo"].facility_mw + milam == pytest.approx(6_000, rel=0.02)
