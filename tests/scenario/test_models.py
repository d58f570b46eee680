"""The scenario models: the demo loads, models are frozen, months parse and round-trip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from gigawatt.scenario import Scenario, load_scenario
from gigawatt.scenario.models import (
    FIRST_YEAR,
    LAST_YEAR,
    Phase,
    RampPoint,
    format_month,
    parse_month,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "anthropic-fluidstack-2026.yaml"

years = st.integers(min_value=FIRST_YEAR, max_value=LAST_YEAR)
months = st.integers(min_value=1, max_value=12)


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


@pytest.mark.parametrize("text", ["2026-06", "2026-06-15", " 2026-06 ", "2026-06-01", "2026-6"])
def test_month_text_parses_to_the_first_of_the_month(text: str) -> None:
    assert parse_month(text) == dt.date(2026, 6, 1)


@pytest.mark.parametrize(
    "value", [dt.date(2026, 6, 15), dt.datetime(2026, 6, 30, 23, 59)], ids=["date", "datetime"]
)
def test_yaml_dates_parse_to_the_first_of_the_month(value: dt.date) -> None:
    # YAML reads an unquoted 2026-06-15 as a date, not a string.
    assert parse_month(value) == dt.date(2026, 6, 1)


@pytest.mark.parametrize(
    "value", ["June 2026", "2026/06", "06-2026", "2026-13", "2026-06-31", "", 202606, None]
)
def test_anything_else_is_not_a_month(value: object) -> None:
    with pytest.raises(ValueError, match="expected a month as YYYY-MM"):
        parse_month(value)


@pytest.mark.parametrize("text", [f"{FIRST_YEAR - 1}-12", f"{LAST_YEAR + 1}-01", "0999-06"])
def test_months_outside_the_supported_years_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="expected a month between"):
        parse_month(text)


@given(years, months)
def test_any_valid_month_string_round_trips(year: int, month: int) -> None:
    text = f"{year:04d}-{month:02d}"
    parsed = parse_month(text)
    assert parsed == dt.date(year, month, 1)
    assert format_month(parsed) == text
    # Through a model too: what a scenario dumps is what it reads back.
    point = RampPoint(month=text, accelerators=1)
    assert point.model_dump(mode="json")["month"] == text
    assert RampPoint.model_validate(point.model_dump(mode="json")) == point


@given(years, months, st.integers(min_value=1, max_value=28))
def test_any_valid_date_string_parses_to_its_month(year: int, month: int, day: int) -> None:
    assert parse_month(f"{year:04d}-{month:02d}-{day:02d}") == dt.date(year, month, 1)


@given(st.text(max_size=20))
def test_any_text_is_a_month_or_a_value_error(text: str) -> None:
    try:
        month = parse_month(text)
    except ValueError:
        return
    assert month.day == 1 and FIRST_YEAR <= month.year <= LAST_YEAR


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
