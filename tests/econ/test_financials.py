"""Costs, revenue, cash flow and verdict of a small plan whose numbers can be checked by hand
(the tiny catalog of tests/conftest.py: 1 kW and $30,000 per H100, $10M per MW of facility)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from gigawatt.catalog.models import Catalog
from gigawatt.econ.defaults import load_finance_defaults
from gigawatt.econ.financials import finance_buildout, incentive_effects
from gigawatt.econ.financing import capital_recovery_factor, monthly_rate, npv
from gigawatt.econ.inputs import FinanceInputError
from gigawatt.plan import plan_scenario
from gigawatt.plan.buildout import Buildout
from gigawatt.scenario.finance import FinanceSettings
from gigawatt.scenario.models import Scenario

START = dt.date(2026, 1, 1)
STEADY = dt.date(2027, 6, 1)  # everything in service, nothing worn out


def small_plan(catalog: Catalog, horizon: int = 72) -> Buildout:
    scenario = Scenario.model_validate(
        {
            "program": {
                "name": "small",
                "start": "2026-01",
                "horizon_months": horizon,
                "budget_usd": 1e12,
            },
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
    )
    return plan_scenario(scenario, catalog)


def settings(**data: Any) -> FinanceSettings:
    return FinanceSettings.model_validate(data)


def run(buildout: Buildout, finance: FinanceSettings, **kw: Any) -> Any:
    return finance_buildout(buildout, finance, load_finance_defaults(), valuation_month=START, **kw)


def test_monthly_capital_charge_is_each_tranche_levelized_over_its_life(
    tiny_catalog: Catalog,
) -> None:
    plan = small_plan(tiny_catalog)
    fin = run(
        plan,
        settings(
            financing={"wacc": 0.10},
            capitalize_construction_interest=False,
            incentives={"sales_tax_exemption": True},
        ),
    )
    r = monthly_rate(0.10)
    lives = {"it_hardware": 5, "network": 5, "shell": 25, "electrical": 14, "mechanical": 14}
    by_category: dict[str, float] = {}
    for e in plan.capex:
        by_category[e.category] = by_category.get(e.category, 0.0) + e.usd
    expected = by_category["land"] * r + sum(
        usd * capital_recovery_factor(r, lives[c] * 12)
        for c, usd in by_category.items()
        if c != "land"
    )
    k = plan.months.index(STEADY)
    assert fin.costs.capital_charge[k] == pytest.approx(expected, rel=1e-9)
    # 10,000 H100s at $30,000 plus a 10% network: the IT bill is $330M.
    assert by_category["it_hardware"] + by_category["network"] == pytest.approx(330e6)


def test_energy_and_om_follow_the_plan(tiny_catalog: Catalog) -> None:
    plan = small_plan(tiny_catalog)
    fin = run(plan, settings(om_usd_per_mw_it_year=120_000))
    k = plan.months.index(STEADY)
    hours = 30 * 24  # June
    assert fin.costs.energy[k] == pytest.approx(10 * 1.25 * 0.8 * hours * 50)
    assert fin.costs.om[k] == pytest.approx(10 * 10_000)
    assert fin.costs.accelerator_hours[k] == 10_000 * hours


def test_cost_at_utilization_is_all_in_cost_over_the_used_share(tiny_catalog: Catalog) -> None:
    fin = run(small_plan(tiny_catalog), settings(), utilization=0.5)
    cost = fin.cost_per_accelerator_hour()
    assert cost["at_utilization_usd_per_hour"] == pytest.approx(2 * cost["all_in_usd_per_hour"])
    assert fin.cost_per_accelerator_hour("tx-1")["tco_usd"] == pytest.approx(cost["tco_usd"])


def test_sales_tax_applies_to_it_purchases_unless_exempt(tiny_catalog: Catalog) -> None:
    plan = small_plan(tiny_catalog)
    taxed = run(plan, settings(sales_tax_rate=0.08))
    exempt = run(plan, settings(sales_tax_rate=0.08, incentives={"sales_tax_exemption": True}))
    assert taxed.costs.sales_tax.sum() == pytest.approx(0.08 * 330e6)
    assert exempt.costs.sales_tax.sum() == 0
    assert taxed.costs.capex.sum() - exempt.costs.capex.sum() == pytest.approx(0.08 * 330e6)


def test_each_enabled_incentive_reports_its_effect_separately(tiny_catalog: Catalog) -> None:
    plan = small_plan(tiny_catalog)
    finance = settings(
        incentives={
            "sales_tax_exemption": True,
            "property_tax_abatement": True,
            "investment_tax_credit": True,
            "loan_guarantee": True,
        }
    )
    defaults = load_finance_defaults()
    base = run(plan, finance)
    effects = {
        e["incentive"]: e
        for e in incentive_effects(plan, finance, defaults, base, valuation_month=START)
    }
    assert set(effects) == {
        "sales_tax_exemption",
        "property_tax_abatement",
        "investment_tax_credit",
        "bonus_depreciation",
        "loan_guarantee",
    }
    for name, effect in effects.items():
        assert effect["npv_effect_usd"] > 0, name
    assert effects["sales_tax_exemption"]["capex_effect_usd"] < 0  # less capex
    assert effects["bonus_depreciation"]["tco_effect_usd"] == 0  # tax timing only
    assert effects["loan_guarantee"]["cost_per_accelerator_hour_effect_usd"] < 0
    assert all(e["enabled"] for e in effects.values())


def test_incentives_not_taken_show_what_they_would_be_worth(tiny_catalog: Catalog) -> None:
    plan = small_plan(tiny_catalog)
    finance = settings()
    base = run(plan, finance)
    effects = {
        e["incentive"]: e
        for e in incentive_effects(
            plan, finance, load_finance_defaults(), base, valuation_month=START
        )
    }
    assert not effects["sales_tax_exemption"]["enabled"]
    assert effects["sales_tax_exemption"]["capex_effect_usd"] == pytest.approx(
        -base.costs.sales_tax.sum()
    )
    assert effects["bonus_depreciation"]["enabled"]


def test_loan_guarantee_lowers_the_wacc(tiny_catalog: Catalog) -> None:
    plan = small_plan(tiny_catalog)
    plain = run(plan, settings())
    guaranteed = run(plan, settings(incentives={"loan_guarantee": True}))
    assert guaranteed.inputs.debt_rate == pytest.approx(0.047)
    assert guaranteed.verdict.wacc < plain.verdict.wacc


def test_market_price_declines_along_the_price_path(tiny_catalog: Catalog) -> None:
    plan = small_plan(tiny_catalog)
    fin = run(
        plan,
        settings(
            revenue={
                "price_per_h100e_hour_usd": 2.0,
                "price_reference_month": "2027-01",
                "price_decline_per_year": 0.25,
                "utilization": 1.0,
            }
        ),
    )
    k0, k12 = plan.months.index(dt.date(2027, 1, 1)), plan.months.index(dt.date(2028, 1, 1))
    assert fin.revenue.internal[k0] == pytest.approx(10_000 * 31 * 24 * 2.0)
    assert fin.revenue.internal[k12] == pytest.approx(10_000 * 31 * 24 * 1.5)


def test_an_accelerator_generation_can_have_its_own_price_decline(tiny_catalog: Catalog) -> None:
    plan = small_plan(tiny_catalog)
    revenue = {
        "price_per_h100e_hour_usd": 2.0,
        "price_reference_month": "2027-01",
        "price_decline_per_year": 0.25,
        "price_decline_per_year_by_accelerator": {"h100": 0.5},
        "utilization": 1.0,
    }
    fin = run(plan, settings(revenue=revenue))
    k12 = plan.months.index(dt.date(2028, 1, 1))
    assert fin.revenue.internal[k12] == pytest.approx(10_000 * 31 * 24 * 1.0)


def test_reserved_contracts_earn_their_price_and_the_rest_sells_on_demand(
    tiny_catalog: Catalog,
) -> None:
    plan = small_plan(tiny_catalog)
    reserved = {
        "tenant": "acme",
        "accelerators": 4_000,
        "start": "2027-01",
        "term_months": 12,
        "price_per_accelerator_hour_usd": 1.5,
    }
    fin = run(
        plan,
        settings(
            revenue={
                "reserved": [reserved],
                "on_demand_share": 1.0,
                "internal_use": "none",
                "utilization": 0.5,
                "price_per_h100e_hour_usd": 2.0,
                "price_decline_per_year": 0.0,
            }
        ),
    )
    k = plan.months.index(STEADY)
    hours = 30 * 24
    assert fin.revenue.reserved[k] == pytest.approx(4_000 * hours * 1.5)
    assert fin.revenue.on_demand[k] == pytest.approx(6_000 * 0.5 * hours * 2.0)
    assert fin.revenue.internal.sum() == 0


def test_reservation_larger_than_the_fleet_is_a_warning_not_revenue(tiny_catalog: Catalog) -> None:
    plan = small_plan(tiny_catalog)
    big = {
        "tenant": "acme",
        "accelerators": 50_000,
        "start": "2027-01",
        "term_months": 12,
        "price_per_accelerator_hour_usd": 1.5,
    }
    fin = run(plan, settings(revenue={"reserved": [big]}))
    assert fin.revenue.shortfalls and "acme" in fin.revenue.shortfalls[0]
    k = plan.months.index(STEADY)
    assert fin.revenue.reserved[k] == pytest.approx(10_000 * 30 * 24 * 1.5)


def test_reserving_an_accelerator_the_fleet_never_has_is_an_error(tiny_catalog: Catalog) -> None:
    plan = small_plan(tiny_catalog)
    wrong = {
        "tenant": "acme",
        "accelerator": "fast",
        "accelerators": 10,
        "start": "2027-01",
        "term_months": 12,
        "price_per_accelerator_hour_usd": 1.5,
    }
    with pytest.raises(FinanceInputError, match="never has"):
        run(plan, settings(revenue={"reserved": [wrong]}))


def test_customer_tiers_grow_by_their_yearly_multiple(tiny_catalog: Catalog) -> None:
    plan = small_plan(tiny_catalog)
    tiers = [
        {"name": "large", "customers": 100, "annual_spend_usd": 120_000, "growth_per_year": 7},
        {"name": "small", "customers": 300_000, "annual_spend_usd": 1_200},
    ]
    fin = run(plan, settings(revenue={"internal_use": "customers", "customers": tiers}))
    k0, k12 = plan.months.index(START), plan.months.index(dt.date(2027, 1, 1))
    assert fin.revenue.customers[k0] == pytest.approx(100 * 10_000 + 300_000 * 100)
    assert fin.revenue.customers[k12] == pytest.approx(7 * 100 * 10_000 + 300_000 * 100)
    assert fin.revenue.internal.sum() == 0


def test_npv_is_zero_at_the_irr_and_payback_follows_the_cumulative_cash(
    tiny_catalog: Catalog,
) -> None:
    plan = small_plan(tiny_catalog, horizon=96)
    fin = run(plan, settings(revenue={"price_per_h100e_hour_usd": 4.0}))
    assert fin.verdict.irr is not None and fin.verdict.irr > 0
    flows = fin.cash.free_cash_flow.copy()
    flows[-1] += fin.cash.terminal_value_usd
    assert npv(flows, monthly_rate(fin.verdict.irr)) == pytest.approx(0.0, abs=1.0)
    cumulative = fin.cash.free_cash_flow.cumsum()
    assert fin.verdict.payback_month is not None
    k = plan.months.index(fin.verdict.payback_month)
    assert cumulative[k] >= 0 > cumulative[k - 1]


def test_first_operating_profit_is_the_first_month_of_positive_operating_income(
    tiny_catalog: Catalog,
) -> None:
    plan = small_plan(tiny_catalog)
    flat = {"price_per_h100e_hour_usd": 3.0, "price_decline_per_year": 0.0}
    fin = run(plan, settings(revenue=flat))
    assert fin.verdict.operating_profit_month is not None
    k = plan.months.index(fin.verdict.operating_profit_month)
    operating = fin.cash.ebitda - fin.cash.book_depreciation
    assert operating[k] > 0 and (operating[:k] <= 0).all()


def test_profits_that_fade_below_zero_keep_their_first_operating_profit(
    tiny_catalog: Catalog,
) -> None:
    # The milestone is the *first* month: a later loss does not undo it (the yearly P&L and
    # each year's break-even revenue say when the profits fade).
    fading = {"price_per_h100e_hour_usd": 3.0, "price_decline_per_year": 0.3}
    fin = run(small_plan(tiny_catalog), settings(revenue=fading))
    assert (fin.cash.net_income > 0).any() and fin.cash.net_income[-1] < 0
    assert fin.verdict.operating_profit_month is not None


def test_cheap_compute_never_reaches_a_milestone(tiny_catalog: Catalog) -> None:
    fin = run(small_plan(tiny_catalog), settings(revenue={"price_per_h100e_hour_usd": 0.2}))
    assert fin.verdict.operating_profit_month is None
    assert fin.verdict.payback_month is None
    assert fin.verdict.npv_usd < 0


def test_revenue_needed_covers_that_years_costs(tiny_catalog: Catalog) -> None:
    from gigawatt.econ.cashflow import revenue_needed

    fin = run(small_plan(tiny_catalog), settings())
    need = revenue_needed(fin.cash, 2028)
    assert need is not None
    mask = [m.year == 2028 for m in fin.cash.months]
    profit = sum(
        r - o - d - i
        for r, o, d, i, keep in zip(
            fin.cash.revenue,
            fin.cash.opex,
            fin.cash.book_depreciation,
            fin.cash.interest,
            mask,
            strict=True,
        )
        if keep
    )
    assert need["revenue_assumed_usd"] - need["revenue_needed_usd"] == pytest.approx(profit)
    assert revenue_needed(fin.cash, 2040) is None


def test_colocated_hardware_enters_service_at_its_ramp_step(tiny_catalog: Catalog) -> None:
    scenario = Scenario.model_validate(
        {
            "program": {"name": "c", "start": "2026-01", "horizon_months": 36, "budget_usd": 1e12},
            "contracts": [
                {
                    "id": "co",
                    "provider": "x",
                    "kind": "colocation",
                    "accelerator": "h100",
                    "region": "tx",
                    "ramp": [
                        {"month": "2026-06", "accelerators": 1000},
                        {"month": "2027-01", "accelerators": 3000},
                    ],
                    "price_per_kw_month_usd": 150,
                    "term_months": 24,
                }
            ],
        }
    )
    plan = plan_scenario(scenario, tiny_catalog)
    fin = run(plan, settings())
    in_service = {plan.months[t.in_service] for t in fin.costs.tranches}
    assert in_service == {dt.date(2026, 6, 1), dt.date(2027, 1, 1)}
    assert fin.costs.capital_charge[plan.months.index(dt.date(2026, 5, 1))] == 0


@hyp_settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    low=st.floats(min_value=0.5, max_value=3.0),
    step=st.floats(min_value=0.1, max_value=2.0),
    utilization=st.floats(min_value=0.3, max_value=1.0),
)
def test_npv_rises_with_the_price_and_costs_ignore_revenue_inputs(
    tiny_catalog: Catalog, low: float, step: float, utilization: float
) -> None:
    plan = small_plan(tiny_catalog)
    cheap = run(
        plan, settings(revenue={"price_per_h100e_hour_usd": low, "utilization": utilization})
    )
    dear = run(plan, settings(revenue={"price_per_h100e_hour_usd": low + step, "utilization": 1.0}))
    assert dear.verdict.npv_usd > cheap.verdict.npv_usd
    assert dear.costs.tco.sum() == pytest.approx(cheap.costs.tco.sum())
