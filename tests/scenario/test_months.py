"""Months: ``YYYY-MM`` text and YAML dates parse to the first of the month, and round-trip,
the same way in every section of the scenario."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigawatt.scenario.finance import Revenue
from gigawatt.scenario.models import RampPoint
from gigawatt.scenario.months import FIRST_YEAR, LAST_YEAR, format_month, parse_month

years = st.integers(min_value=FIRST_YEAR, max_value=LAST_YEAR)
months = st.integers(min_value=1, max_value=12)


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


@given(years, months)
def test_the_finance_section_reads_and_writes_months_as_the_program_does(
    year: int, month: int
) -> None:
    text = f"{year:04d}-{month:02d}"
    revenue = Revenue.model_validate({"price_reference_month": text})
    assert revenue.price_reference_month == dt.date(year, month, 1)
    assert revenue.model_dump(mode="json")["price_reference_month"] == text
    with pytest.raises(ValueError, match="expected a month as YYYY-MM"):
        Revenue.model_validate({"price_reference_month": "June 2026"})
