"""Inconsistent financial inputs and bad distributions are clear errors."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from gigawatt.scenario.finance import Distribution, FinanceSettings, UncertaintySettings


def _error(model: type[Any], data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return str(info.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"financing": {"wacc": 0.08, "debt_share": 0.5}}, "not both"),
        ({"financing": {"debt_rate": 0.09, "cost_of_equity": 0.05}}, "cannot be cheaper"),
        ({"financing": {"wacc": 0.08}, "incentives": {"loan_guarantee": True}}, "single wacc"),
        ({"financing": {"debt_share": 0}, "incentives": {"loan_guarantee": True}}, "needs debt"),
        ({"revenue": {"internal_use": "customers"}}, "no customer tiers"),
        (
            {"revenue": {"customers": [{"name": "x", "customers": 1, "annual_spend_usd": 1}]}},
            "double count",
        ),
        ({"depreciation": {"it_hardware_years": 0}}, "greater than 0"),
        ({"revenue": {"utilization": 1.5}}, "less than or equal to 1"),
        ({"incentives": {"itc_categories": ["servers"]}}, "it_hardware"),
        ({"discount": 0.1}, "Extra inputs are not permitted"),
    ],
)
def test_inconsistent_finance_settings_are_rejected(data: dict[str, Any], message: str) -> None:
    assert message in _error(FinanceSettings, data)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"dist": "uniform", "low": 5, "high": 2}, "must be below high"),
        ({"dist": "triangular", "low": 0, "mode": 9, "high": 6}, "within [low, high]"),
        ({"dist": "normal", "mean": 1, "sd": -1}, "sd must be positive"),
        ({"dist": "lognormal", "median": -1, "sigma": 0.2}, "median must be positive"),
        ({"dist": "uniform", "low": 0}, "needs high"),
        ({"dist": "uniform", "low": 0, "high": 1, "sd": 1}, "does not take sd"),
        ({"dist": "beta", "low": 0, "high": 1}, "dist"),
        ({"dist": "normal", "mean": 0, "sd": 1, "low": 20, "high": 30}, "8 sd"),
    ],
)
def test_bad_distributions_are_rejected(spec: dict[str, Any], message: str) -> None:
    assert message in _error(Distribution, spec)


@pytest.mark.parametrize(
    ("name", "spec", "message"),
    [
        ("utilization", {"dist": "normal", "mean": 0.8, "sd": 0.1}, "give low and high"),
        ("utilization", {"dist": "uniform", "low": 0.5, "high": 1.2}, "within [0.001, 1]"),
        ("construction_delay_months", {"dist": "uniform", "low": -3, "high": 6}, "[-3, 6]"),
        ("chip_price_factor", {"dist": "normal", "mean": 1, "sd": 0.2}, "give low and high"),
        ("rainfall", {"dist": "uniform", "low": 0, "high": 1}, "rainfall"),
    ],
)
def test_distributions_outside_an_inputs_domain_are_rejected(
    name: str, spec: dict[str, Any], message: str
) -> None:
    assert message in _error(UncertaintySettings, {"inputs": {name: spec}})


def test_truncated_normal_within_the_domain_is_accepted() -> None:
    settings = UncertaintySettings.model_validate(
        {
            "inputs": {
                "utilization": {"dist": "normal", "mean": 0.8, "sd": 0.1, "low": 0.3, "high": 1}
            }
        }
    )
    assert settings.inputs["utilization"].support() == (0.3, 1.0)
