"""The optimizer on small scenarios whose optimum can be worked out by hand.

The catalog here is the shared tiny one (`tests/conftest.py`: Texas PUE 1.25, land $10k/acre,
facility $10M per IT MW, network 10% of IT, 12-month builds, 1 MW/acre, switchgear 26 weeks =
6 months, transformers 52 weeks = 12 months) with two accelerator types of 1 kW each, so one
25 MW block is 25,000 accelerators and 31.25 MW of facility power in Texas:

- ``cheap``: 1 H100e each (FP8 = one H100's), $20k -> 1,000 H100e/MW; capex per block
  25 x ($10M + 1,000 x $20k x 1.1) = 25 x $32M = $0.8B;
- ``dense``: 2 H100e each, $90k -> 2,000 H100e/MW; capex per block 25 x ($10M + $99M) =
  $2.725B.

``cheap`` gives more compute per dollar (1,000/32 > 2,000/109), ``dense`` more per MW. The
reference ``h100`` (1 H100e, $30k) is ``cheap`` at a higher price, so it is never chosen.

Sites start building at the program start (2025-06): 12 months of construction put the earliest
online month at 2026-06; the target 2026-11 counts 6 months (June to November) for a block
online in June.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigawatt.catalog.models import Catalog
from gigawatt.plan import plan_scenario
from gigawatt.plan.calendar import add_months, months_between
from gigawatt.plan.optimize import OptimizeError, OptimizeResult, optimize_scenario
from gigawatt.scenario import GigawattError
from gigawatt.scenario.models import Scenario

START = dt.date(2025, 6, 1)
TARGET = dt.date(2026, 11, 1)
EARLIEST = dt.date(2026, 6, 1)
CHEAP_BLOCK_USD = 0.8e9
#: Plan errors the optimizer must never cause (the scenario's own grid and turbine dates aside).
PHASE_ERRORS = {"power", "budget", "land", "accelerator_availability", "construction_time"}


@pytest.fixture
def catalog(tiny_catalog: Catalog) -> Catalog:
    data = tiny_catalog.model_dump()
    h100 = data["accelerators"]["h100"]

    def kind(acc_id: str, fp8: float, price: float, available: str = "2023-01") -> dict[str, Any]:
        acc = {**h100, "id": acc_id, "fp8_tflops": {**h100["fp8_tflops"], "value": fp8}}
        acc["price_usd"] = {**h100["price_usd"], "value": price}
        return {**acc, "available_from": available}

    data["accelerators"] = {
        "h100": kind("h100", 2000, 30_000),
        "cheap": kind("cheap", 2000, 20_000),
        "dense": kind("dense", 4000, 90_000),
    }
    return Catalog.model_validate(data)


def site(site_id: str = "tx-1", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": site_id,
        "name": site_id,
        "region": "tx",
        "land_acres": 2000,
        "grid": {"power_mw": 1000, "interconnect": "2025-01"},
        "equipment_ordered": "2025-01",
        # The scenario's own phase: replaced by the optimizer.
        "phases": [
            {
                "name": "p1",
                "online": "2026-06",
                "it_mw": 25,
                "accelerator": "cheap",
                "construction_start": "2025-06",
            }
        ],
    }
    data.update(overrides)
    return data


def scenario(
    *sites: dict[str, Any],
    budget_usd: float = 100e9,
    includes_accelerators: bool = True,
    contracts: list[dict[str, Any]] | None = None,
) -> Scenario:
    return Scenario.model_validate(
        {
            "program": {
                "name": "optimize test",
                "start": START.strftime("%Y-%m"),
                "horizon_months": 24,
                "budget_usd": budget_usd,
                "budget_includes_accelerators": includes_accelerators,
            },
            "sites": list(sites) or [site()],
            "contracts": contracts or [],
        }
    )


def phases_of(result: OptimizeResult, site_id: str = "tx-1") -> list[tuple[dt.date, float]]:
    choice = next(c for c in result.chosen if c.site_id == site_id)
    return [(p.online, p.it_mw) for p in choice.phases]


def accelerator_of(result: OptimizeResult, site_id: str = "tx-1") -> str | None:
    return next(c.accelerator for c in result.chosen if c.site_id == site_id)


def plan_errors(result: OptimizeResult, catalog: Catalog) -> list[str]:
    findings = plan_scenario(result.scenario, catalog).findings
    return [f.message for f in findings if f.severity == "error"]


def test_budget_binding_picks_more_compute_per_dollar(catalog: Catalog) -> None:
    # $8.4B - $20M land: cheap fits floor(8.38 / 0.8) = 10 blocks = 250 MW -> 250,000 H100e x 6
    # months = 1.5M; dense fits floor(8.38 / 2.725) = 3 blocks = 75 MW -> 150,000 x 6 = 0.9M.
    # Power (1,000 MW) and land (2,000 MW) are far off.
    result = optimize_scenario(scenario(budget_usd=8.4e9), catalog, TARGET)
    assert accelerator_of(result) == "cheap"
    assert phases_of(result) == [(EARLIEST, 250.0)]
    assert result.h100e_months == pytest.approx(1.5e6)
    assert result.budget_capex_usd == pytest.approx(20e6 + 10 * CHEAP_BLOCK_USD)
    assert [b.split(":")[0] for b in result.binding] == ["budget"]
    assert "Optimal" in result.status


def test_power_binding_picks_more_compute_per_mw(catalog: Catalog) -> None:
    # 125 MW of grid holds 125 / 31.25 = 4 blocks = 100 MW IT of either type: dense gives
    # 200,000 H100e x 6 = 1.2M H100e-months, cheap 0.6M. The budget ($100B) is far off.
    result = optimize_scenario(
        scenario(site(grid={"power_mw": 125, "interconnect": "2025-01"})), catalog, TARGET
    )
    assert accelerator_of(result) == "dense"
    assert phases_of(result) == [(EARLIEST, 100.0)]
    assert result.h100e_months == pytest.approx(1.2e6)
    assert result.binding == ["power at tx-1 from 2026-06: 125 of 125 MW facility power"]


def test_land_binding_caps_the_site(catalog: Catalog) -> None:
    # 150 acres x 1 MW/acre = 150 MW facility: floor(150 / 31.25) = 4 blocks (125 MW), dense.
    result = optimize_scenario(scenario(site(land_acres=150)), catalog, TARGET)
    assert accelerator_of(result) == "dense"
    assert phases_of(result) == [(EARLIEST, 100.0)]
    assert result.h100e_months == pytest.approx(1.2e6)
    assert result.binding == ["land at tx-1: 125 of 150 MW (150 acres)"]


def test_site_powered_after_the_target_contributes_nothing(catalog: Catalog) -> None:
    # tx-2's grid arrives 2027-01, after the target: it stays unbuilt (no land bought) and the
    # optimum is tx-1's alone (power-bound at 4 dense blocks, as above).
    late = site("tx-2", grid={"power_mw": 1000, "interconnect": "2027-01"})
    alone = scenario(site(grid={"power_mw": 125, "interconnect": "2025-01"}))
    both = scenario(site(grid={"power_mw": 125, "interconnect": "2025-01"}), late)
    result = optimize_scenario(both, catalog, TARGET)
    assert result.h100e_months == pytest.approx(
        optimize_scenario(alone, catalog, TARGET).h100e_months
    )
    choice = next(c for c in result.chosen if c.site_id == "tx-2")
    assert choice.accelerator is None
    assert (choice.earliest_online, choice.earliest_reason) == (
        dt.date(2027, 1, 1),
        "grid interconnect",
    )
    assert [s.id for s in result.scenario.sites] == ["tx-1"]


def test_nothing_possible_by_the_target_is_a_clear_error(catalog: Catalog) -> None:
    late = site(grid={"power_mw": 1000, "interconnect": "2027-01"})
    with pytest.raises(OptimizeError, match=r"tx-1: earliest online 2027-01 \(grid interconnect\)"):
        optimize_scenario(scenario(late), catalog, TARGET)
    assert issubclass(OptimizeError, GigawattError)  # the CLI prints it and exits 2


def test_budget_below_land_and_one_block_is_a_clear_error(catalog: Catalog) -> None:
    with pytest.raises(OptimizeError, match=r"land \+ one block cost \$0\.82B"):
        optimize_scenario(scenario(budget_usd=0.5e9), catalog, TARGET)


def test_target_outside_the_horizon_is_an_error(catalog: Catalog) -> None:
    with pytest.raises(OptimizeError, match="outside the plan horizon 2025-06 to 2027-05"):
        optimize_scenario(scenario(), catalog, dt.date(2027, 6, 1))


def test_capacity_follows_supply_steps(catalog: Catalog) -> None:
    # 62.5 MW of fuel cells from 2026-06 carry 2 blocks (50 MW IT); the grid adds 125 MW in
    # 2026-09: 6 blocks in all, 4 more then. Dense, power-bound:
    # 50 MW x 2,000 x 6 months + 100 MW x 2,000 x 3 months (Sep-Nov) = 0.6M + 0.6M.
    powered = site(
        grid={"power_mw": 125, "interconnect": "2026-09"},
        onsite_generation=[{"kind": "fuel_cell", "power_mw": 62.5, "online": "2026-06"}],
    )
    result = optimize_scenario(scenario(powered), catalog, TARGET)
    assert accelerator_of(result) == "dense"
    assert phases_of(result) == [(EARLIEST, 50.0), (dt.date(2026, 9, 1), 100.0)]
    assert result.h100e_months == pytest.approx(1.2e6)
    phases = result.scenario.sites[0].phases
    assert [(p.name, p.construction_start) for p in phases] == [
        ("opt-2026-06", dt.date(2025, 6, 1)),
        ("opt-2026-09", dt.date(2025, 9, 1)),
    ]
    assert plan_errors(result, catalog) == []


def test_later_shipping_type_wins_only_with_enough_months_left(catalog: Catalog) -> None:
    # dense ships from 2026-08. 100 MW IT of power: cheap from 2026-06 earns 100,000 H100e a
    # month, dense from 2026-08 200,000. By 2026-11: cheap 6 months = 0.6M < dense 4 = 0.8M.
    # By 2026-08: cheap 3 months = 0.3M > dense 1 = 0.2M.
    data = catalog.model_dump()
    data["accelerators"]["dense"]["available_from"] = "2026-08"
    late_dense = Catalog.model_validate(data)
    s = scenario(site(grid={"power_mw": 125, "interconnect": "2025-01"}))
    by_november = optimize_scenario(s, late_dense, TARGET)
    assert phases_of(by_november) == [(dt.date(2026, 8, 1), 100.0)]
    assert by_november.h100e_months == pytest.approx(0.8e6)
    choice = by_november.chosen[0]
    assert (choice.accelerator, choice.earliest_reason) == ("dense", "dense volume shipments")
    by_august = optimize_scenario(s, late_dense, dt.date(2026, 8, 1))
    assert accelerator_of(by_august) == "cheap"
    assert by_august.h100e_months == pytest.approx(0.3e6)
    assert plan_errors(by_november, late_dense) == []


def test_late_switchgear_order_sets_the_earliest_month(catalog: Catalog) -> None:
    # Ordered 2026-01 + 6 months = 2026-07, a month after construction could finish.
    result = optimize_scenario(scenario(site(equipment_ordered="2026-01")), catalog, TARGET)
    choice = result.chosen[0]
    assert (choice.earliest_online, choice.earliest_reason) == (dt.date(2026, 7, 1), "switchgear")
    assert choice.phases[0].online == dt.date(2026, 7, 1)


def test_budget_without_accelerators_counts_land_and_facility_only(catalog: Catalog) -> None:
    # IT is paid by someone else: a block costs 25 x $10M = $0.25B whatever its type, so
    # floor(($1.1B - $20M land) / $0.25B) = 4 blocks of dense (more compute per MW).
    result = optimize_scenario(
        scenario(budget_usd=1.1e9, includes_accelerators=False), catalog, TARGET
    )
    assert accelerator_of(result) == "dense"
    assert phases_of(result) == [(EARLIEST, 100.0)]
    assert plan_errors(result, catalog) == []


def test_colocation_hardware_comes_out_of_the_budget(catalog: Catalog) -> None:
    # $8.03B fits land + 10 cheap blocks ($8.02B); 10,000 colocated cheap accelerators cost
    # 10,000 x $20k x 1.1 = $0.22B of it, which leaves room for 9.
    colocation = {
        "id": "colo-1",
        "provider": "Colo Inc",
        "kind": "colocation",
        "accelerator": "cheap",
        "region": "tx",
        "ramp": [{"month": "2026-01", "accelerators": 10_000}],
        "price_per_kw_month_usd": 150,
        "term_months": 24,
    }
    assert phases_of(optimize_scenario(scenario(budget_usd=8.03e9), catalog, TARGET)) == [
        (EARLIEST, 250.0)
    ]
    result = optimize_scenario(scenario(budget_usd=8.03e9, contracts=[colocation]), catalog, TARGET)
    assert phases_of(result) == [(EARLIEST, 225.0)]
    assert result.scenario.contracts == scenario(contracts=[colocation]).contracts
    assert plan_errors(result, catalog) == []


def test_binding_budget_can_mix_types_across_sites(catalog: Catalog) -> None:
    # Two sites, each power-bound at 4 blocks; $12B, land $20M each. One type per site:
    #   cheap 4 + cheap 4: $6.44B, (100 + 100) MW x 1,000 x 6 = 1.2M
    #   dense 4 + cheap 1: $11.76B, (100 x 2,000 + 25 x 1,000) x 6 = 1.35M
    #   dense 3 + cheap 4: $11.415B, (75 x 2,000 + 100 x 1,000) x 6 = 1.5M   <- optimum
    #   dense 2 + cheap 4: 1.2M; dense + dense: 4 blocks in all, 1.2M
    # Budget binds ($0.585B left, under one cheap block) and so does power at the cheap site.
    s = scenario(
        site("tx-1", grid={"power_mw": 125, "interconnect": "2025-01"}),
        site("tx-2", grid={"power_mw": 125, "interconnect": "2025-01"}),
        budget_usd=12e9,
    )
    result = optimize_scenario(s, catalog, TARGET)
    by_type = {c.accelerator: c for c in result.chosen}
    assert sorted(by_type) == ["cheap", "dense"]
    assert (by_type["dense"].it_mw, by_type["cheap"].it_mw) == (75.0, 100.0)
    assert result.h100e_months == pytest.approx(1.5e6)
    assert result.budget_capex_usd == pytest.approx(11.415e9)
    cheap_site = by_type["cheap"].site_id
    assert [b.split(":")[0] for b in result.binding] == [
        "budget",
        f"power at {cheap_site} from 2026-06",
    ]
    assert plan_errors(result, catalog) == []


def test_repair_drops_latest_blocks_until_the_planner_would_accept(catalog: Catalog) -> None:
    # The safety net behind HiGHS's feasibility tolerance. 125 MW of power holds 4 blocks: of
    # 3 + 2, one comes off the later month.
    from gigawatt.plan.optimize import _Blocks, _repair, _site_terms, _type_terms

    s = scenario(site(grid={"power_mw": 125, "interconnect": "2025-01"}), budget_usd=8.4e9)
    types = _type_terms(catalog, TARGET, None, it_in_budget=True)
    terms = [_site_terms(s.sites[0], s, catalog, types)]
    later = dt.date(2026, 9, 1)
    over_power = _Blocks({(0, "cheap", EARLIEST): 3, (0, "cheap", later): 2}, "test")
    repaired = _repair(over_power, terms, types, 25.0, 8.38e9)
    assert repaired.solution == {(0, "cheap", EARLIEST): 3, (0, "cheap", later): 1}
    big = scenario()
    big_terms = [_site_terms(big.sites[0], big, catalog, types)]
    # Land $20M + 10 cheap blocks = $8.02B; $100 less (the planner lets 1e-9 = $8 pass) buys 9.
    over_budget = _Blocks({(0, "cheap", EARLIEST): 10}, "test")
    assert _repair(over_budget, big_terms, types, 25.0, 8.02e9 - 100).solution == {
        (0, "cheap", EARLIEST): 9
    }


def test_objective_equals_the_planned_timeline(catalog: Catalog) -> None:
    powered = site(
        grid={"power_mw": 125, "interconnect": "2026-09"},
        onsite_generation=[{"kind": "fuel_cell", "power_mw": 62.5, "online": "2026-06"}],
    )
    result = optimize_scenario(scenario(powered, budget_usd=9e9), catalog, TARGET)
    buildout = plan_scenario(result.scenario, catalog)
    planned = sum(r.h100e for r in buildout.timeline if r.month <= TARGET)
    assert result.h100e_months == pytest.approx(planned)


def test_demo_scenario_optimizes_and_replans_cleanly() -> None:
    from pathlib import Path

    from gigawatt.scenario import load_scenario, scenario_catalog

    path = Path(__file__).parents[2] / "scenarios" / "anthropic-fluidstack-2026.yaml"
    demo = load_scenario(path)
    demo_catalog = scenario_catalog(demo)
    result = optimize_scenario(demo, demo_catalog, dt.date(2027, 12, 1))
    assert "Optimal" in result.status
    assert result.h100e_months > 0
    assert result.budget_capex_usd <= demo.program.budget_usd
    findings = plan_scenario(result.scenario, demo_catalog).findings
    assert not [f.message for f in findings if f.kind in PHASE_ERRORS]
    # Lead-time errors left are the scenario's own grid and turbine dates, not the phases'.
    assert all(f.phase is None for f in findings if f.kind == "lead_time")
    assert result.scenario.contracts == demo.contracts
    exhaustive = optimize_scenario(demo, demo_catalog, dt.date(2027, 12, 1), exhaustive=True)
    assert exhaustive.h100e_months == pytest.approx(result.h100e_months, rel=1e-5)


# ---------------------------------------------------------------------------------------------
# Property: any small scenario. The plan the optimizer returns never breaks budget, power, land,
# availability or lead times when planned; the fast formulation finds what the exhaustive one
# does; on one site it matches a greedy reference that is optimal there (all blocks of a type
# cost the same and an earlier block is worth more, so fill the earliest months first).


def greedy_single_site(s: Scenario, catalog: Catalog, target: dt.date) -> float:
    site_ = s.sites[0]
    program = s.program
    region = catalog.regions[site_.region]
    pue = region.pue.value
    block_facility = 25 * pue
    ordered = site_.equipment_ordered
    assert ordered is not None
    grid_start = site_.grid.interconnect
    if grid_start > program.start:
        grid_start = max(grid_start, add_months(ordered, 12))  # transformers: 52 weeks
    steps = [(grid_start, site_.grid.power_mw)] if site_.grid.power_mw > 0 else []
    # Batteries and solar are never firm capacity (gigawatt.plan.feasible.FIRM_KINDS).
    steps += [
        (g.online, g.power_mw)
        for g in site_.onsite_generation
        if g.kind not in ("battery", "solar")
    ]
    best = 0.0
    for acc in catalog.accelerators.values():
        available = dt.date.fromisoformat(acc.available_from + "-01")
        earliest = max(add_months(program.start, 12), add_months(ordered, 6), available)
        h100e_per_mw = 1000 * acc.fp8_tflops.value / 2000
        it_usd = 1000 * acc.price_usd.value * 1.1 if program.budget_includes_accelerators else 0
        block_usd = 25 * (10e6 * region.construction_cost_factor.value + it_usd)
        money = program.budget_usd - site_.land_acres * region.land_usd_per_acre.value
        blocks_left = int(money // block_usd + 1e-9) if money >= 0 else 0
        land_blocks = int(site_.land_acres / block_facility + 1e-9)
        placed = 0
        value = 0.0
        month = earliest
        while month <= target:
            supply = sum(mw for start, mw in steps if start <= month)
            fit = min(int(supply / block_facility + 1e-9), land_blocks, placed + blocks_left)
            if fit > placed:
                value += (fit - placed) * 25 * h100e_per_mw * (months_between(month, target) + 1)
                blocks_left -= fit - placed
                placed = fit
            month = add_months(month, 1)
        best = max(best, value)
    return best


@st.composite
def small_scenarios(draw: st.DrawFn) -> tuple[Scenario, dt.date]:
    def month(offset: int) -> str:
        return add_months(START, offset).strftime("%Y-%m")

    sites = []
    for k in range(draw(st.integers(1, 3))):
        onsite = []
        if draw(st.booleans()):
            onsite.append(
                {
                    "kind": draw(st.sampled_from(["fuel_cell", "battery"])),
                    "power_mw": draw(st.sampled_from([20.0, 40.0, 62.5, 100.0])),
                    "online": month(draw(st.integers(6, 20))),
                }
            )
        sites.append(
            site(
                f"s-{k}",
                region=draw(st.sampled_from(["tx", "ny"])),
                land_acres=draw(st.sampled_from([30, 100, 150, 400, 1000])),
                grid={
                    "power_mw": draw(st.sampled_from([0.0, 50.0, 125.0, 300.0])),
                    "interconnect": month(draw(st.integers(-6, 20))),
                },
                equipment_ordered=month(draw(st.integers(-6, 10))),
                onsite_generation=onsite,
            )
        )
    s = scenario(
        *sites,
        budget_usd=draw(st.sampled_from([1e9, 3e9, 8.4e9, 20e9])),
        includes_accelerators=draw(st.booleans()),
    )
    return s, add_months(START, draw(st.integers(8, 23)))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=small_scenarios(), dense_from=st.integers(0, 20))
def test_optimum_respects_every_limit_and_matches_references(
    catalog: Catalog, case: tuple[Scenario, dt.date], dense_from: int
) -> None:
    s, target = case
    data = catalog.model_dump()
    data["accelerators"]["dense"]["available_from"] = add_months(START, dense_from).strftime(
        "%Y-%m"
    )
    cat = Catalog.model_validate(data)
    try:
        result = optimize_scenario(s, cat, target)
    except OptimizeError:
        with pytest.raises(OptimizeError):
            optimize_scenario(s, cat, target, exhaustive=True)
        if len(s.sites) == 1:
            assert greedy_single_site(s, cat, target) == 0
        return
    buildout = plan_scenario(result.scenario, cat)
    errors = [f for f in buildout.findings if f.severity == "error"]
    assert not [f.message for f in errors if f.kind in PHASE_ERRORS or f.phase is not None]
    assert result.budget_capex_usd <= s.program.budget_usd * (1 + 1e-9)
    exhaustive = optimize_scenario(s, cat, target, exhaustive=True)
    assert exhaustive.h100e_months == pytest.approx(result.h100e_months, rel=1e-5)
    if len(s.sites) == 1:
        assert result.h100e_months == pytest.approx(greedy_single_site(s, cat, target), rel=1e-6)


def test_a_site_keeps_its_own_demonstrated_build_pace(catalog: Catalog) -> None:
    # The scenario's phase broke ground 2025-06 and went live 2026-02: an 8-month build, faster
    # than the catalog's typical 12. The optimizer's first block there comes online 2026-02.
    fast = site(phases=[{"name": "p1", "online": "2026-02", "it_mw": 25, "accelerator": "cheap",
                         "construction_start": "2025-06"}])
    result = optimize_scenario(scenario(fast), catalog, target=dt.date(2026, 12, 1))
    assert phases_of(result)[0][0] == dt.date(2026, 2, 1)
    planned = [p for p in result.scenario.sites[0].phases]
    assert all(months_between(p.construction_start, p.online) == 8 for p in planned)
