"""Scenario files: models, loading, validation with clear errors."""

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
