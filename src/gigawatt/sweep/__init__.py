"""Sweeps: many plan+finance runs over uncertain inputs, on a local pool or Ray.

`run_sweep` draws the samples (Latin hypercube or grid), runs them on an engine, computes the
tornado (one input at a time) and summarizes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gigawatt.econ.defaults import load_uncertainty_defaults
from gigawatt.econ.financials import compute_financials, summarize_financials
from gigawatt.econ.inputs import resolve_inputs
from gigawatt.plan.planner import plan_scenario
from gigawatt.scenario.finance import Distribution, UncertaintySettings
from gigawatt.scenario.models import Scenario
from gigawatt.sweep.engines import ENGINES, Progress, SweepEngine, get_engine
from gigawatt.sweep.evaluate import OUTPUTS, SweepBase, evaluate, evaluate_batch
from gigawatt.sweep.sampling import draw, quantile_values
from gigawatt.sweep.summary import summarize_sweep, tornado

__all__ = [
    "ENGINES",
    "OUTPUTS",
    "SweepBase",
    "SweepEngine",
    "SweepResult",
    "evaluate",
    "evaluate_batch",
    "get_engine",
    "run_sweep",
    "scenario_uncertainty",
]


@dataclass
class SweepResult:
    """Inputs and outputs of every sample, and the summary."""

    names: list[str]
    inputs: NDArray[np.float64]
    results: list[dict[str, float]]
    summary: dict[str, Any]

    def rows(self) -> list[dict[str, float]]:
        """One dict per sample: its inputs and outputs (the results table)."""
        return [
            {"sample": float(k), **dict(zip(self.names, self.inputs[k].tolist(), strict=True)), **r}
            for k, r in enumerate(self.results)
        ]


def simulated_utilization_summary(results: list[dict[str, float]]) -> dict[str, Any]:
    """Quantiles of the samples' simulated utilization and how many samples had nothing
    online in the simulated window (those kept the sampled utilization)."""
    values = np.array([r["simulated_utilization"] for r in results], dtype=np.float64)
    finite = values[np.isfinite(values)]
    quantiles: dict[str, float | None] = {
        f"p{q}": (float(np.quantile(finite, q / 100)) if finite.size else None)
        for q in (10, 50, 90)
    }
    return {
        "quantiles": quantiles,
        "samples_without_online_capacity": int(values.size - finite.size),
    }


def horizon_months(base: SweepBase) -> int:
    """Months from the program start to the end of the plan horizon."""
    return base.scenario.program.horizon_months


def scenario_verdict(base: SweepBase) -> dict[str, Any]:
    """The scenario as given (no input perturbed, no simulation): the verdict `gigawatt
    finance` prints (NPV, IRR, payback milestones), so a reader can place the distributions
    around it and check that the two agree."""
    buildout = plan_scenario(base.scenario, base.catalog, base.ramp)
    inputs = resolve_inputs(base.settings, base.defaults, base.utilization)
    fin = compute_financials(buildout, inputs, base.scenario.program.start)
    verdict: dict[str, Any] = summarize_financials(fin)["verdict"]
    return verdict


def scenario_uncertainty(scenario: Scenario) -> UncertaintySettings:
    """The scenario's ``uncertainty:`` section; with no inputs, the bundled default inputs
    (data/finance/uncertainty.yaml)."""
    settings = scenario.uncertainty
    if settings.inputs:
        return settings
    return settings.model_copy(
        update={
            "inputs": UncertaintySettings.model_validate(
                {"inputs": load_uncertainty_defaults()}
            ).inputs
        }
    )


def run_sweep(
    base: SweepBase,
    uncertainty: UncertaintySettings,
    count: int,
    engine: SweepEngine,
    *,
    method: str | None = None,
    seed: int | None = None,
    on_done: Progress = None,
) -> SweepResult:
    """Draw `count` samples of `uncertainty.inputs`, evaluate them on `engine`, and add the
    tornado (2 extra runs per input, in this process)."""
    inputs: dict[str, Distribution] = {str(k): v for k, v in uncertainty.inputs.items()}
    names, values = draw(
        inputs,
        count,
        method or uncertainty.method,
        uncertainty.seed if seed is None else seed,
    )
    samples = [dict(zip(names, row.tolist(), strict=True)) for row in values]
    results = engine.run(base, samples, on_done)
    median = quantile_values(inputs, 0.5)
    low, high = quantile_values(inputs, 0.10), quantile_values(inputs, 0.90)
    simulated = simulated_utilization_summary(results) if base.simulation else None
    tornado_base, fixed = base, set()
    if simulated is not None:
        # Simulating 2 more runs per input would double a slow sweep: the tornado plans and
        # finances at the samples' median simulated utilization, which no input then moves.
        median_util = simulated["quantiles"]["p50"]
        tornado_base = replace(base, simulation=None, utilization=median_util)
        fixed = {"utilization"}
        for point in (median, low, high):
            point.pop("utilization", None)
    base_npv = evaluate(tornado_base, median)["npv_usd"]
    swings = {}
    for name in names:
        if inputs[name].dist == "fixed" or name in fixed:
            continue
        npv_low = evaluate(tornado_base, {**median, name: low[name]})["npv_usd"]
        npv_high = evaluate(tornado_base, {**median, name: high[name]})["npv_usd"]
        swings[name] = (low[name], high[name], npv_low, npv_high)
    summary = summarize_sweep(
        names,
        values,
        results,
        base.scenario.program.start,
        tornado(base_npv, swings),
        horizon_months=horizon_months(base),
    )
    summary["scenario_verdict"] = scenario_verdict(base)
    if simulated is not None:
        summary["simulated_utilization"] = simulated
    summary["method"] = method or uncertainty.method
    summary["inputs"] = {n: inputs[n].model_dump(exclude_none=True) for n in names}
    summary["median_sample_npv_usd"] = base_npv
    return SweepResult(names, values, results, summary)
