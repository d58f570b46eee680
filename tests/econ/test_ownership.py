"""Owned vs contracted: each part financed alone, the contract valued at a stated price, and a
headline saying which part carries the result."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from gigawatt.catalog.models import Catalog
from gigawatt.econ.defaults import load_finance_defaults
from gigawatt.econ.financials import finance_summary
from gigawatt.econ.ownership import carried_by_text, part_buildout
from gigawatt.econ.revenue import price_path
from gigawatt.plan import plan_scenario
from gigawatt.plan.calendar import hours_in_month
from gigawatt.scenario.finance import FinanceSettings
from gigawatt.scenario.models import Scenario

START = dt.date(2026, 1, 1)


def scenario(contracts: bool = True) -> Scenario:
    data: dict[str, Any] = {
        "program": {"name": "mix", "start": "2026-01", "horizon_months": 48, "budget_usd": 1e12},
        "sites": [
            {
                "id": "tx-1",
                "name": "T",
                "region": "tx",
                "land_acres": 20,
                "grid": {"power_mw": 100, "interconnect": "2020-01"},
                "equipment_ordered": "2020-01",
                "phases": [
                    {"name": "p1", "online": "2027-01", "it_mw": 10, "accelerator": "h100"}
                ],
            }
        ],
    }
    if contracts:
        data["contracts"] = [
            {
                "id": "cloud-1",
                "provider": "P",
                "kind": "cloud",
                "accelerator": "h100",
                "ramp": [{"month": "2026-03", "accelerators": 5000}],
                "price_per_accelerator_hour_usd": 1.0,
                "term_months": 24,
            }
        ]
    return Scenario.model_validate(data)


def summary_of(s: Scenario, catalog: Catalog, **revenue: Any) -> dict[str, Any]:
    buildout = plan_scenario(s, catalog)
    settings = FinanceSettings.model_validate({"revenue": revenue} if revenue else {})
    _, out = finance_summary(buildout, settings, load_finance_defaults(), valuation_month=START)
    return out


def test_the_owned_part_is_the_program_without_its_contracts(tiny_catalog: Catalog) -> None:
    split = summary_of(scenario(), tiny_catalog)["ownership"]
    alone = summary_of(scenario(contracts=False), tiny_catalog)
    owned = next(p for p in split["parts"] if p["id"] == "owned")
    assert owned["npv_usd"] == pytest.approx(alone["verdict"]["npv_usd"], rel=1e-9)
    assert owned["payback_month"] == alone["verdict"]["payback_month"]
    assert owned["capex_usd"] == pytest.approx(alone["totals_usd"]["capex"])


def test_a_contract_costs_its_payments_and_earns_its_used_hours_at_the_stated_price(
    tiny_catalog: Catalog,
) -> None:
    out = summary_of(scenario(), tiny_catalog, price_per_h100e_hour_usd=2.0)
    contract = next(p for p in out["ownership"]["parts"] if p["id"] == "cloud-1")
    price = contract["valued_at"]
    assert price["accelerator"] == "h100" and price["usd_per_hour"] == pytest.approx(2.0)
    assert "H100-equivalents x $2.00" in price["basis"]
    months = [dt.date(2026 + (2 + k) // 12, (2 + k) % 12 + 1, 1) for k in range(24)]
    hours = np.array([hours_in_month(m) for m in months])
    assert contract["contract_payments_usd"] == pytest.approx(5000 * hours.sum() * 1.0)
    inputs_path = price_path(_inputs(tiny_catalog, 2.0), months)
    worth = (5000 * 0.85 * hours * 2.0 * inputs_path).sum()
    assert contract["revenue_usd"] == pytest.approx(worth, rel=1e-9)
    assert contract["capex_usd"] == 0


def _inputs(catalog: Catalog, h100_price: float) -> Any:
    from gigawatt.econ.inputs import resolve_inputs

    settings = FinanceSettings.model_validate({"revenue": {"price_per_h100e_hour_usd": h100_price}})
    return resolve_inputs(settings, load_finance_defaults())


def test_the_headline_names_the_part_that_carries_the_result() -> None:
    parts = [{"id": "owned", "npv_usd": 3e9}, {"id": "g", "npv_usd": 18e9}]
    assert carried_by_text(parts, 21e9).startswith("Contract g carries the result: NPV +$18.0B")
    losing = [{"id": "owned", "npv_usd": -7e9}, {"id": "g", "npv_usd": -1e9}]
    text = carried_by_text(losing, -8e9)
    assert text.startswith("The owned sites carry the loss: NPV -$7.0B of the program's -$8.0B")
    assert "contract g alone -$1.0B" in text


def test_a_part_keeps_only_its_own_sources(tiny_catalog: Catalog) -> None:
    buildout = plan_scenario(scenario(), tiny_catalog)
    part = part_buildout(buildout, {"cloud-1"})
    assert {r.source_id for r in part.timeline} == {"cloud-1"}
    assert not part.capex and not part.phases and part.months == buildout.months


def test_sourced_market_prices_value_accelerators_without_a_scenario_price(
    tiny_catalog: Catalog,
) -> None:
    from gigawatt.econ.inputs import resolve_inputs
    from gigawatt.econ.revenue import reference_price

    inputs = resolve_inputs(FinanceSettings(), load_finance_defaults())
    price, basis = reference_price(inputs, "tpu7x", 2.33)
    value, month, _ = inputs.market_prices["tpu7x"]
    years = (inputs.price_reference_month.year - month.year) + (
        inputs.price_reference_month.month - month.month
    ) / 12
    assert price == pytest.approx(value * (1 - inputs.price_decline_per_year) ** years)
    assert "Trillium TPU is GA" in basis
    own = resolve_inputs(
        FinanceSettings.model_validate({"revenue": {"price_per_accelerator_hour_usd": {"tpu7x": 4}}}),
        load_finance_defaults(),
    )
    assert reference_price(own, "tpu7x", 2.33) == (4.0, "scenario")
