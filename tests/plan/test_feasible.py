"""Announced vs feasible: each phase moves to the month its binding constraints allow; storage
never counts as firm power; on-site generation is firm only from its delivery and only when it
carries the load. Tiny catalog: transformers 52 wk (12 months), switchgear 26 wk (6 months),
turbines 36 months, 1 MW/acre, PUE 1.25 in tx."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigawatt.catalog.models import Catalog
from gigawatt.plan import plan_scenario, summarize
from gigawatt.plan.feasible import feasible_ramp, ramped_scenario, site_power
from gigawatt.scenario.models import Scenario


def month(text: str) -> dt.date:
    return dt.date.fromisoformat(text + "-01")


def scenario(phases: list[dict[str, Any]] | None = None, **site: Any) -> Scenario:
    data: dict[str, Any] = {
        "id": "tx-1",
        "name": "T",
        "region": "tx",
        "land_acres": 1000,
        "grid": {"power_mw": 500, "interconnect": "2026-01"},
        "equipment_ordered": "2025-01",
        "phases": phases
        or [
            {"name": "p1", "online": "2026-03", "it_mw": 100, "accelerator": "h100",
             "construction_start": "2025-03"},
            {"name": "p2", "online": "2026-06", "it_mw": 100, "accelerator": "h100",
             "construction_start": "2025-06"},
        ],
    }  # fmt: skip
    data.update(site)
    return Scenario.model_validate(
        {
            "program": {"name": "t", "start": "2025-01", "horizon_months": 48, "budget_usd": 1e12},
            "sites": [data],
        }
    )


def shifts_of(s: Scenario, catalog: Catalog) -> dict[str, Any]:
    return {x.phase: x for x in feasible_ramp(s, catalog)}


def test_late_transformers_move_the_phases_to_their_arrival(tiny_catalog: Catalog) -> None:
    # A new interconnection (2026-01, after the 2025-01 start) waits for transformers ordered
    # 2025-01 + 12 months = 2026-01... ordered later here: 2025-06 + 12 = 2026-06.
    s = scenario(equipment_ordered="2025-06")
    shifts = shifts_of(s, tiny_catalog)
    assert shifts["p1"].feasible == month("2026-06")
    assert "transformers" in shifts["p1"].binding and "power" in shifts["p1"].binding
    assert shifts["p2"].feasible == month("2026-06") and shifts["p2"].delay_months == 0


def test_a_battery_never_counts_as_firm_power(tiny_catalog: Catalog) -> None:
    battery = [{"kind": "battery", "power_mw": 400, "online": "2025-06"}]
    s = scenario(grid={"power_mw": 500, "interconnect": "2026-09"}, onsite_generation=battery)
    assert site_power(s.sites[0], tiny_catalog, s.program.start).firm_mw(month("2026-03")) == 0
    assert shifts_of(s, tiny_catalog)["p1"].feasible == month("2026-09")
    b = plan_scenario(s, tiny_catalog)
    assert any(f.kind == "power" and "not counted as firm" in f.message for f in b.findings)


def test_turbines_carry_load_only_from_their_delivery_and_only_if_enough(
    tiny_catalog: Catalog,
) -> None:
    # Turbines ordered 2024-12 deliver 2027-12 (36 months), whatever online month is written.
    late = [{"kind": "gas_turbine", "power_mw": 300, "online": "2026-01", "ordered": "2024-12"}]
    s = scenario(grid={"power_mw": 500, "interconnect": "2028-06"}, onsite_generation=late)
    shifts = shifts_of(s, tiny_catalog)
    assert shifts["p1"].feasible == month("2027-12") and "turbines" in shifts["p1"].binding
    # 300 MW carries p1 (125 MW facility) and p2 (250 MW) but not a third 100 MW phase.
    findings = [f for f in plan_scenario(s, tiny_catalog).findings if f.kind == "interconnect"]
    assert findings and all("cannot carry" in f.message for f in findings)
    small = [{"kind": "gas_turbine", "power_mw": 130, "online": "2026-01"}]
    s2 = scenario(grid={"power_mw": 500, "interconnect": "2028-06"}, onsite_generation=small)
    shifts2 = shifts_of(s2, tiny_catalog)
    assert shifts2["p1"].feasible == month("2026-03")  # 130 MW carries 125 MW
    assert shifts2["p2"].feasible == month("2028-06")  # 250 MW waits for the grid
    messages = [f.message for f in plan_scenario(s2, tiny_catalog).findings]
    assert any("130 MW of firm on-site generation carries its 125 MW" in m for m in messages)


def test_a_phase_the_land_cannot_hold_never_comes_online(tiny_catalog: Catalog) -> None:
    s = scenario(land_acres=200)  # 200 MW of facility: p1 (125 MW) fits, p1 + p2 (250) do not
    shifts = shifts_of(s, tiny_catalog)
    assert shifts["p1"].feasible == month("2026-03")
    assert shifts["p2"].feasible is None and shifts["p2"].binding == ("land",)
    planned, _ = ramped_scenario(s, tiny_catalog)
    assert [p.name for p in planned.sites[0].phases] == ["p1"]


def test_a_chip_that_ships_later_moves_its_phase(tiny_catalog: Catalog) -> None:
    phases = [{"name": "p1", "online": "2025-10", "it_mw": 50, "accelerator": "fast",
               "construction_start": "2025-01"}]  # fmt: skip
    s = scenario(phases=phases, grid={"power_mw": 500, "interconnect": "2024-01"})
    shift = shifts_of(s, tiny_catalog)["p1"]
    assert shift.feasible == month("2026-01") and shift.binding == ("accelerator",)


def test_the_feasible_plan_has_no_capacity_before_the_feasible_month(
    tiny_catalog: Catalog,
) -> None:
    s = scenario(equipment_ordered="2025-06")
    announced = plan_scenario(s, tiny_catalog)
    feasible = plan_scenario(s, tiny_catalog, "feasible")
    online = {r.month for r in feasible.timeline if r.accelerators > 0}
    assert min(online) == month("2026-06")
    assert min(r.month for r in announced.timeline if r.accelerators > 0) == month("2026-03")
    # Both ramps are in each plan's summary, and the findings are the scenario's own.
    ramp = summarize(feasible)["ramp"]
    assert ramp["used"] == "feasible" and ramp["moved"] == 1
    assert [f.message for f in feasible.findings] == [f.message for f in announced.findings]
    # The capex follows the ramp: IT hardware is bought for the month the phase comes online.
    it_announced = [e.month for e in announced.capex if e.category == "it_hardware"]
    it_feasible = [e.month for e in feasible.capex if e.category == "it_hardware"]
    assert min(it_feasible) > min(it_announced)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=0, max_value=30),
    st.lists(st.integers(min_value=10, max_value=200), min_size=1, max_size=4),
    st.integers(min_value=100, max_value=600),
)
def test_feasible_months_are_never_early_keep_order_and_have_firm_power(
    tiny_catalog: Catalog, ordered: int, grid_at: int, sizes: list[int], grid_mw: int
) -> None:
    def at(k: int) -> str:
        return f"{2025 + k // 12}-{k % 12 + 1:02d}"

    phases = [
        {"name": f"p{k}", "online": at(6 + 3 * k), "it_mw": mw, "accelerator": "h100",
         "construction_start": at(3 * k)}
        for k, mw in enumerate(sizes)
    ]  # fmt: skip
    s = scenario(
        phases=phases,
        equipment_ordered=at(ordered),
        grid={"power_mw": grid_mw, "interconnect": at(grid_at)},
    )
    power = site_power(s.sites[0], tiny_catalog, s.program.start)
    load = 0.0
    previous = None
    for shift, size in zip(feasible_ramp(s, tiny_catalog), sizes, strict=True):
        if shift.feasible is None:
            continue
        load += size * 1.25
        assert shift.feasible >= shift.announced
        assert previous is None or shift.feasible >= previous
        assert power.firm_mw(shift.feasible) + 1e-9 >= load
        previous = shift.feasible
