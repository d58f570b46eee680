"""Sweep samples: what each uncertain input does to the plan, and engines that agree."""

from __future__ import annotations

import datetime as dt
import importlib.util

import pytest

from gigawatt.catalog.models import Catalog
from gigawatt.econ.defaults import load_finance_defaults
from gigawatt.scenario.finance import FinanceSettings, UncertaintySettings
from gigawatt.scenario.models import Scenario
from gigawatt.sweep import SweepBase, get_engine, run_sweep
from gigawatt.sweep.evaluate import perturb


def scenario() -> Scenario:
    return Scenario.model_validate(
        {
            "program": {"name": "s", "start": "2026-01", "horizon_months": 60, "budget_usd": 1e12},
            "sites": [
                {
                    "id": "tx-1",
                    "name": "T",
                    "region": "tx",
                    "land_acres": 40,
                    "grid": {"power_mw": 30, "interconnect": "2026-06"},
                    "equipment_ordered": "2020-01",
                    "phases": [
                        {"name": "p1", "online": "2027-01", "it_mw": 10, "accelerator": "h100"},
                        {"name": "p2", "online": "2027-06", "it_mw": 10, "accelerator": "h100"},
                    ],
                }
            ],
        }
    )


@pytest.fixture
def base(tiny_catalog: Catalog) -> SweepBase:
    return SweepBase(scenario(), tiny_catalog, FinanceSettings(), load_finance_defaults())


def test_construction_delay_moves_online_but_not_groundbreaking(base: SweepBase) -> None:
    delayed, _, _ = perturb(base, {"construction_delay_months": 3})
    p1 = delayed.sites[0].phases[0]
    assert p1.online == dt.date(2027, 4, 1)
    assert p1.construction_start == dt.date(2026, 1, 1)  # online 2027-01 minus 12 months


def test_interconnect_delay_holds_each_phase_until_its_power_arrives(base: SweepBase) -> None:
    delayed, _, _ = perturb(base, {"interconnect_delay_months": 9})
    site = delayed.sites[0]
    assert site.grid.interconnect == dt.date(2027, 3, 1)
    assert site.phases[0].online == dt.date(2027, 3, 1)  # waits for the grid
    assert site.phases[1].online == dt.date(2027, 6, 1)  # grid already there


def test_chip_price_factor_scales_accelerator_prices(base: SweepBase) -> None:
    _, catalog, changes = perturb(base, {"chip_price_factor": 1.5, "utilization": 0.6})
    assert catalog.accelerators["h100"].price_usd.value == pytest.approx(45_000)
    assert changes == {"utilization": 0.6}


def same(a: list[dict[str, float]], b: list[dict[str, float]]) -> bool:
    """Equal results, NaN ("never") equal to NaN."""
    return [{k: None if v != v else v for k, v in r.items()} for r in a] == [
        {k: None if v != v else v for k, v in r.items()} for r in b
    ]


UNCERTAINTY = UncertaintySettings.model_validate(
    {
        "inputs": {
            "construction_delay_months": {"dist": "uniform", "low": 0, "high": 6},
            "utilization": {"dist": "triangular", "low": 0.5, "mode": 0.8, "high": 0.95},
            "price_decline_per_year": {"dist": "uniform", "low": 0.1, "high": 0.4},
        }
    }
)


def test_local_pool_gives_the_serial_results_in_sample_order(base: SweepBase) -> None:
    serial = run_sweep(base, UNCERTAINTY, 24, get_engine("serial"))
    pooled = run_sweep(base, UNCERTAINTY, 24, get_engine("local", workers=2, chunk_size=5))
    assert same(pooled.results, serial.results)
    assert len(serial.rows()) == 24 and "npv_usd" in serial.rows()[0]


def test_price_decline_moves_npv_the_most_in_the_tornado(base: SweepBase) -> None:
    result = run_sweep(base, UNCERTAINTY, 30, get_engine("serial"))
    tornado = result.summary["tornado_npv"]
    assert tornado[0]["input"] == "price_decline_per_year"
    assert tornado[0]["npv_at_high_usd"] < tornado[0]["npv_at_low_usd"]
    assert result.summary["spearman_with_npv"]["price_decline_per_year"] < 0
    for shares in result.summary["milestones"].values():
        total = sum(shares["share_by_year"].values()) + shares["share_never"]
        assert total == pytest.approx(1.0)


def test_unknown_engine_and_stray_address_are_errors() -> None:
    with pytest.raises(ValueError, match="unknown sweep engine"):
        get_engine("dask")
    with pytest.raises(ValueError, match="for the ray engine"):
        get_engine("local", address="ray://head:10001")


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed")
def test_ray_engine_on_a_local_instance_matches_serial(base: SweepBase) -> None:
    serial = run_sweep(base, UNCERTAINTY, 12, get_engine("serial"))
    ray = run_sweep(base, UNCERTAINTY, 12, get_engine("ray", workers=2, chunk_size=4))
    assert same(ray.results, serial.results)


def early_scenario() -> Scenario:
    """The tiny scenario, with the program starting a month before its first phase is online
    (so a short simulated window holds a fleet)."""
    s = scenario()
    return s.model_copy(
        update={"program": s.program.model_copy(update={"start": dt.date(2026, 12, 1)})}
    )


@pytest.mark.parametrize("engine", ["serial", "local"])
def test_simulate_feeds_each_samples_simulated_utilization_to_finance(
    tiny_catalog: Catalog, engine: str
) -> None:
    from gigawatt.sweep.simulated import SimulationSettings

    base = SweepBase(
        early_scenario(),
        tiny_catalog,
        FinanceSettings(),
        load_finance_defaults(),
        simulation=SimulationSettings(months=3),
    )
    default = load_finance_defaults().utilization.value
    short_delays = UncertaintySettings.model_validate(
        {
            "inputs": {
                **UNCERTAINTY.model_dump()["inputs"],
                "construction_delay_months": {"dist": "uniform", "low": 0, "high": 1},
            }
        }
    )
    result = run_sweep(base, short_delays, 4, get_engine(engine, workers=2, chunk_size=2))
    for row in result.rows():
        simulated = row["simulated_utilization"]
        assert 0 < simulated <= 1 and simulated != pytest.approx(default)
        assert simulated != pytest.approx(row["utilization"])  # not the sampled input
        assert row["utilization_used"] == simulated
        assert row["cost_per_used_accelerator_hour_usd"] == pytest.approx(
            row["cost_per_accelerator_hour_usd"] / simulated
        )
    assert result.summary["simulated_utilization"]["samples_without_online_capacity"] == 0
