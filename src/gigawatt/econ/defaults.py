"""Sourced default financial parameters: ``data/finance/defaults.yaml`` (read once, validated).

This module is the econ package's one reader of files, as `gigawatt.catalog.load` is the
catalog's: the core functions take the parsed `FinanceDefaults` as a value.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from gigawatt.catalog.models import Sourced
from gigawatt.datafiles import data_dir


class FinanceDefaults(BaseModel):
    """Every default number of the finance model, each with its source and date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    life_it_hardware_years: Sourced
    life_network_years: Sourced
    life_shell_years: Sourced
    life_electrical_years: Sourced
    life_mechanical_years: Sourced
    tax_life_it_years: Sourced
    tax_life_facility_years: Sourced
    corporate_tax_rate: Sourced
    debt_share: Sourced
    debt_rate: Sourced
    debt_term_years: Sourced
    cost_of_equity: Sourced
    loan_guarantee_debt_rate: Sourced
    om_usd_per_mw_it_year: Sourced
    electricity_escalation_per_year: Sourced
    property_tax_rate: Sourced
    sales_tax_rate: Sourced
    property_tax_abatement_share: Sourced
    property_tax_abatement_years: Sourced
    investment_tax_credit_rate: Sourced
    bonus_depreciation_share: Sourced
    price_per_h100e_hour_usd: Sourced
    market_price_per_accelerator_hour_usd: dict[str, Sourced] = {}
    price_decline_per_year: Sourced
    utilization: Sourced


def finance_data_dir() -> Path:
    """The folder holding ``defaults.yaml`` and ``uncertainty.yaml``: ``data/finance``."""
    return data_dir("finance", "defaults.yaml")


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def load_finance_defaults(folder: Path | None = None) -> FinanceDefaults:
    """The bundled finance defaults (validated once and cached)."""
    base = folder or finance_data_dir()
    return FinanceDefaults.model_validate(_read(base / "defaults.yaml")["finance"])


@cache
def load_uncertainty_defaults(folder: Path | None = None) -> dict[str, Any]:
    """The bundled uncertain inputs (raw mapping for `UncertaintySettings.inputs`)."""
    base = folder or finance_data_dir()
    raw = _read(base / "uncertainty.yaml")["inputs"]
    # Each entry carries its source; the distribution model takes only the numbers.
    return {
        name: {k: v for k, v in spec.items() if k not in ("source", "date", "note")}
        for name, spec in raw.items()
    }
