"""Scenario files: models, loading, validation with clear errors.

Types below, loaders above: `months`, `errors`, then the sections' models (`tenants`,
`finance`), then `models` (the whole file), then `checks` and `overrides`, then `load` and the
docs generator `reference`. The models import nothing from gigawatt but the catalog's ids, so
every other package may import them."""

from gigawatt.scenario.errors import GigawattError, ScenarioError
from gigawatt.scenario.load import load_scenario, parse_scenario_text, scenario_catalog
from gigawatt.scenario.models import Scenario

__all__ = [
    "GigawattError",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parse_scenario_text",
    "scenario_catalog",
]
