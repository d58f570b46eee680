"""Announced facts about real campuses as a check on the planner.

Each case in ``data/validation/announced_cases.csv`` gives one announced input (accelerator
counts, facility power or IT power), the region, the quantity we derive from it and the
announced value to compare with. `asserted` marks the cases whose announced figure is
well-defined: a company statement whose scope (same buildings, same date, same cost
categories) matches what the planner derives. The others are shown, not asserted, with the
reason in `why`. The facts themselves, with sources, are in ``announced_facts.csv`` (a copy of
the project's shared validation_cases.csv).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gigawatt.catalog.models import Catalog
from gigawatt.validation.campus import (
    CampusOutcome,
    campus_scenario,
    it_mw_for_accelerators,
    median_abs_error,
    plan_campus,
    relative_error,
)
from gigawatt.validation.data_folder import validation_dir

#: Announced cases are planned as if online in this month; nothing compared depends on it.
CASE_MONTH = dt.date(2026, 1, 1)

Relation = Literal["equal", "at_least"]


@dataclass(frozen=True)
class AnnouncedCase:
    """One announced input and the announced figure we compare with."""

    id: str
    case: str
    compares: str
    input_kind: Literal["accelerators", "facility_mw", "it_mw"]
    input: str
    accelerator: str
    region: str
    metric: str
    relation: Relation
    announced: float
    asserted: bool
    why: str
    source: str

    def it_mw_by_accelerator(self, catalog: Catalog) -> dict[str, float]:
        """IT power per accelerator type that the announced input stands for, MW."""
        if self.input_kind == "accelerators":
            it_mw: dict[str, float] = {}
            for item in self.input.split():
                acc_id, count = item.split(":")
                it_mw[acc_id] = it_mw_for_accelerators(int(count), catalog.accelerators[acc_id])
            return it_mw
        power = float(self.input)
        if self.input_kind == "facility_mw":
            power /= catalog.regions[self.region].pue.value
        return {self.accelerator: power}


@dataclass(frozen=True)
class CaseComparison:
    """What we derive for a case against what was announced."""

    case: AnnouncedCase
    ours: CampusOutcome

    @property
    def ours_value(self) -> float:
        value = getattr(self.ours, self.case.metric)
        return float(value)

    @property
    def error(self) -> float:
        """(ours - announced) / announced."""
        return relative_error(self.ours_value, self.case.announced)

    @property
    def consistent(self) -> bool:
        """For a lower bound, whether ours reaches it; for a value, whether within 20%."""
        if self.case.relation == "at_least":
            return self.ours_value >= self.case.announced
        return abs(self.error) < 0.2


def load_announced_cases(folder: Path | None = None) -> list[AnnouncedCase]:
    """Read ``announced_cases.csv`` from `folder` (default: data/validation)."""
    base = folder or validation_dir()
    with (base / "announced_cases.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        AnnouncedCase(
            id=r["id"],
            case=r["case"],
            compares=r["compares"],
            input_kind=r["input_kind"],  # type: ignore[arg-type]
            input=r["input"],
            accelerator=r["accelerator"],
            region=r["region"],
            metric=r["metric"],
            relation=r["relation"],  # type: ignore[arg-type]
            announced=float(r["announced"]),
            asserted=r["asserted"] == "yes",
            why=r["why"],
            source=r["source"],
        )
        for r in rows
    ]


def compare_case(case: AnnouncedCase, catalog: Catalog) -> CaseComparison:
    """Plan the announced input as a one-site campus and read back the compared quantity."""
    scenario = campus_scenario(
        case.case, case.region, CASE_MONTH, case.it_mw_by_accelerator(catalog), catalog
    )
    return CaseComparison(case=case, ours=plan_campus(scenario, catalog))


def announced_validation(
    catalog: Catalog, cases: list[AnnouncedCase] | None = None
) -> list[CaseComparison]:
    """Every announced case planned and compared."""
    return [compare_case(c, catalog) for c in (cases or load_announced_cases())]


def asserted_median_abs_error(comparisons: list[CaseComparison]) -> float:
    """Median absolute error over the asserted, value-type cases."""
    return median_abs_error(
        c.error for c in comparisons if c.case.asserted and c.case.relation == "equal"
    )
