"""The power read-out: IT power from busy and idle accelerators, facility power through PUE."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from gigawatt.fleet.topology import uniform_fleet
from gigawatt.plan.planner import site_pue
from gigawatt.scenario import load_scenario, scenario_catalog
from gigawatt.service.app import create_app, power_model_from_scenario
from gigawatt.service.power import PowerModel

from .conftest import SCENARIO


def test_power_counts_busy_at_full_idle_at_its_share_and_applies_pue(database_url: str) -> None:
    fleet = uniform_fleet(8, 4, 2, accelerator="gb200", site="tx-1")
    model = PowerModel(it_power_w={"gb200": 2000.0}, pue={"tx-1": 1.25}, idle_share=0.25)
    app = create_app(
        (fleet, dt.date(2026, 1, 1)), database_url, "adm",
        clock=lambda: dt.datetime(2026, 6, 1, tzinfo=dt.UTC), power=model, tick_interval_s=0,
    )  # fmt: skip
    admin = {"Authorization": "Bearer adm"}
    with TestClient(app) as client:
        idle = client.get("/v1/admin/metrics", headers=admin).json()["power"]
        # 32 idle accelerators at 25% of 2 kW.
        assert idle["it_mw"] == pytest.approx(32 * 0.25 * 2000 / 1e6)
        made = client.post(
            "/v1/admin/tenants", json={"name": "acme", "quotas": {"gb200": 32}}, headers=admin
        ).json()
        acme = {"Authorization": f"Bearer {made['token']}"}
        client.post(
            "/v1/jobs", json={"accelerator": "gb200", "accelerators": 24, "estimate_s": 60.0},
            headers=acme,
        )  # fmt: skip
        power = client.get("/v1/metrics", headers=acme).json()["power"]
    it_mw = (24 + 0.25 * 8) * 2000 / 1e6
    assert power["it_mw"] == pytest.approx(it_mw)
    assert power["facility_mw"] == pytest.approx(it_mw * 1.25)
    assert power["by_site"]["tx-1"] == {
        "it_mw": pytest.approx(it_mw), "facility_mw": pytest.approx(it_mw * 1.25), "pue": 1.25
    }  # fmt: skip


def test_scenario_power_model_uses_catalog_watts_and_planner_pue() -> None:
    scenario = load_scenario(SCENARIO)
    catalog = scenario_catalog(scenario)
    model = power_model_from_scenario(SCENARIO)
    for site in scenario.sites:
        assert model.pue[site.id] == site_pue(site, catalog)
    assert model.it_power_w["gb300-nvl72"] == catalog.accelerators["gb300-nvl72"].it_power_w.value
    # A group with 10 busy of 20 online draws 10 at full and 10 at the idle share.
    draw = model.draw_mw((("tx-1", "gb300-nvl72"),), [10.0], [20.0])
    watts = catalog.accelerators["gb300-nvl72"].it_power_w.value
    it_mw = watts * (10 + model.idle_share * 10) / 1e6
    assert draw["tx-1"] == pytest.approx((it_mw, it_mw * model.pue["tx-1"]))
