"""Failures, checkpoints and goodput: failure models as data, closed forms, job Monte Carlo."""

from gigawatt.failures.analytic import (
    AnalyticGoodput,
    analyze,
    daly_interval_s,
    goodput_exact,
    goodput_first_order,
    young_interval_s,
)
from gigawatt.failures.exposure import JobRates, JobShape, job_rates
from gigawatt.failures.load import FailureModelError, available_models, load_failure_model
from gigawatt.failures.models import Component, FailureModel
from gigawatt.failures.montecarlo import SimResult, simulate_job

__all__ = [
    "AnalyticGoodput",
    "Component",
    "FailureModel",
    "FailureModelError",
    "JobRates",
    "JobShape",
    "SimResult",
    "analyze",
    "available_models",
    "daly_interval_s",
    "goodput_exact",
    "goodput_first_order",
    "job_rates",
    "load_failure_model",
    "simulate_job",
    "young_interval_s",
]
