"""The planner: scenario -> dated capacity ramp, capex ledger, energy, jobs, findings."""

from gigawatt.plan.buildout import Buildout, CapexEntry, Finding, PhasePlan, TimelineRow
from gigawatt.plan.planner import plan_scenario
from gigawatt.plan.summary import summarize

__all__ = [
    "Buildout",
    "CapexEntry",
    "Finding",
    "PhasePlan",
    "TimelineRow",
    "plan_scenario",
    "summarize",
]
