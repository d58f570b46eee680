"""docs/scenario-reference.md is the generator's output, and it documents every field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pydantic import BaseModel

from gigawatt.scenario import finance, models, tenants
from gigawatt.scenario.reference import render_reference

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "scenario-reference.md"


def test_the_checked_in_reference_is_up_to_date() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == render_reference(), (
        "docs/scenario-reference.md is stale: run `make docs` "
        "(python -m gigawatt.scenario.reference > docs/scenario-reference.md)"
    )


def test_the_module_prints_the_reference() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gigawatt.scenario.reference"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert result.stdout == render_reference()


def test_every_field_of_every_model_is_documented_in_file_order() -> None:
    text = render_reference()
    scenario_models: list[type[BaseModel]] = [
        models.Scenario,
        models.Program,
        models.Announced,
        models.Site,
        models.Grid,
        models.OnsiteGeneration,
        models.Phase,
        models.CapacityContract,
        models.RampPoint,
        models.CatalogOverrides,
        tenants.Tenant,
        tenants.FrontierTraining,
        tenants.InferenceFleet,
        tenants.ResearchPool,
        tenants.ReservationSettings,
        finance.FinanceSettings,
        finance.Depreciation,
        finance.Financing,
        finance.Incentives,
        finance.Revenue,
        finance.ReservedContract,
        finance.CustomerTier,
        finance.UncertaintySettings,
        finance.Distribution,
    ]
    headings = [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("##")]
    assert headings == [m.__name__ for m in scenario_models]
    for model in scenario_models:
        section = text.split(f"# {model.__name__}\n", 1)[1].split("\n#", 1)[0]
        for name, field in model.model_fields.items():
            row = next(line for line in section.splitlines() if line.startswith(f"| `{name}` |"))
            assert field.description, f"{model.__name__}.{name} has no description"
            assert " ".join(field.description.split()).split("`")[0] in row


def test_constraints_and_defaults_come_from_the_models() -> None:
    text = render_reference()
    assert "| `it_mw` | number | required | > 0, ≤ 100,000 |" in text
    assert "| `pue` | number | not set | ≥ 1, ≤ 3 |" in text
    assert "| `average_it_load` | number | `0.8` | > 0, ≤ 1 |" in text
    assert "| `start` | month (`YYYY-MM`) | required |" in text
    assert "| `phases` | list of [Phase](#phase) | required | at least one item |" in text
