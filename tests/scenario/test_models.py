"""The scenario models: the demo loads, models are frozen, numbers are strict."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from gigawatt.scenario import Scenario, load_scenario
from gigawatt.scenario.models import Phase

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "anthropic-fluidstack-2026.yaml"


def phase(**changes: object) -> dict[str, object]:
    return {"name": "p", "online": "2026-06", "it_mw": 10, "accelerator": "h100", **changes}


def test_the_demo_loads() -> None:
    scenario = load_scenario(DEMO)
    assert scenario.program.start == dt.date(2025, 11, 1)
    assert [site.id for site in scenario.sites] == ["ny-1", "tx-1", "tx-2", "tx-3"]
    assert [p.name for p in scenario.sites[0].phases] == ["cb-3", "cb-4", "cb-5"]
    assert scenario.sites[0].phases[0].it_mw == 42
    assert scenario.contracts[0].ramp[-1].accelerators == 1_000_000


def test_the_demo_round_trips_through_json() -> None:
    scenario = load_scenario(DEMO)
    dumped = scenario.model_dump(mode="json")
    assert dumped["program"]["start"] == "2025-11"
    assert Scenario.model_validate(dumped) == scenario


def test_models_are_frozen() -> None:
    scenario = load_scenario(DEMO)
    with pytest.raises(ValidationError, match="frozen"):
        scenario.program.name = "renamed"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        scenario.sites[0].phases[0].it_mw = 1.0  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        scenario.sites = []  # type: ignore[misc]


@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_numbers(value: bool) -> None:
    with pytest.raises(ValidationError, match="expected a number, got a boolean"):
        Phase.model_validate(phase(it_mw=value))


def test_booleans_are_still_booleans_where_a_boolean_is_expected() -> None:
    scenario = load_scenario(DEMO)
    program = scenario.program.model_dump() | {"budget_includes_accelerators": False}
    assert type(scenario.program).model_validate(program).budget_includes_accelerators is False


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_numbers_are_finite(value: float) -> None:
    with pytest.raises(ValidationError, match="finite number"):
        Phase.model_validate(phase(it_mw=value))


def test_unknown_keys_are_errors() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Phase.model_validate(phase(it_mv=10))
