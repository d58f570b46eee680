"""The planner against announced facts about real campuses (data/validation/announced_facts.csv,
each with its sources; the cases built from them are in announced_cases.csv).

Each case plans one announced input (accelerator counts, or power) as a one-site campus and
compares one derived quantity with the announced figure. Only cases whose announced figure is
well-defined (a company statement with the same scope as what we derive) are asserted; the
others are printed with the reason. Results: docs/validation.md. `pytest -s` prints the table.
"""

from __future__ import annotations

import csv

import pytest

from gigawatt.catalog import load_catalog
from gigawatt.validation.announced import (
    CaseComparison,
    announced_validation,
    asserted_median_abs_error,
)
from gigawatt.validation.data_folder import validation_dir
from gigawatt.validation.report import announced_table

TOLERANCE = 0.20


@pytest.fixture(scope="module")
def comparisons() -> list[CaseComparison]:
    return announced_validation(load_catalog())


def test_every_case_comes_from_an_announced_fact_with_a_source(
    comparisons: list[CaseComparison],
) -> None:
    with (validation_dir() / "announced_facts.csv").open(encoding="utf-8", newline="") as f:
        facts = {row["case"] for row in csv.DictReader(f)}
    for comparison in comparisons:
        assert comparison.case.case in facts
        assert comparison.case.source.startswith("https://")
        assert comparison.case.why


def test_accelerator_counts_round_trip_through_the_planner(
    comparisons: list[CaseComparison],
) -> None:
    for comparison in comparisons:
        if comparison.case.input_kind == "accelerators":
            given = {
                acc: int(count)
                for acc, count in (item.split(":") for item in comparison.case.input.split())
            }
            assert comparison.ours.accelerators_by_type == given


def test_median_error_on_well_defined_announced_figures_is_under_20_percent(
    comparisons: list[CaseComparison],
) -> None:
    print()
    print(announced_table(comparisons))
    assert any(c.case.asserted for c in comparisons)
    assert asserted_median_abs_error(comparisons) < TOLERANCE
