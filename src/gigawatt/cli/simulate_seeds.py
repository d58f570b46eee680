"""``gigawatt simulate SCENARIO --seeds 42-45``: one replay per seed on a local process pool,
a row per seed and their mean and standard deviation; ``out/seed-N/`` (an edge)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich import box
from rich.table import Table

from gigawatt.cli.console import console
from gigawatt.cli.console import fail as _fail
from gigawatt.cli.progress import pool_map, simulate_pipeline
from gigawatt.cli.replay_tables import count_text, hours_text, percent_text
from gigawatt.failures.load import FailureModelError, load_failure_model
from gigawatt.failures.spares import parse_spares
from gigawatt.outputs.replay import write_replay, write_seed_summaries
from gigawatt.pipeline import DEFAULT_RAMP, Pipeline, Simulation, SimulationOptions
from gigawatt.plan.feasible import Ramp
from gigawatt.scenario import GigawattError, load_scenario
from gigawatt.sched.queue import make_queue_policy
from gigawatt.sim.replay_summary import ReplaySummary
from gigawatt.traces import (
    TraceError,
    load_demand_shape,
)


def run_scenario(
    path: Path,
    queue: str,
    placement: str,
    months: int,
    seed: int,
    contracts: bool,
    sample_hours: float,
    show_progress: bool,
    failures: str | None = None,
    inference_shape: str | None = None,
    defrag: bool = False,
    spares: str | None = None,
    ramp: Ramp = DEFAULT_RAMP,
) -> Simulation:
    """Plan the scenario, build its fleet, draw the tenants' jobs, replay (with node outages
    from the failure model ``failures``, a name in data/failures or a path, if given; inference
    arrivals shaped by the trace ``inference_shape``, e.g. "azure-llm-2023:conv", if given):
    `gigawatt.pipeline.Pipeline.simulation`."""
    options = SimulationOptions(
        months=months,
        queue=queue,
        placement=placement,
        seed=seed,
        contracts=contracts,
        sample_hours=sample_hours,
        failures=failures,
        inference_shape=inference_shape,
        defrag=defrag,
        spares=spares,
    )
    return simulate_pipeline(Pipeline(path, options, ramp=ramp), show_progress)


@dataclass(frozen=True)
class SeedRun:
    """One seed of a scenario replay: its summary, replay seconds and the fleet's size."""

    seed: int
    summary: ReplaySummary
    seconds: float
    accelerators: int
    nodes: int


def run_scenario_seed(
    path: Path,
    queue: str,
    placement: str,
    months: int,
    seed: int,
    contracts: bool,
    sample_hours: float,
    failures: str | None,
    out: Path | None,
    inference_shape: str | None = None,
    spares: str | None = None,
    ramp: Ramp = DEFAULT_RAMP,
) -> SeedRun:
    """`run_scenario` for one seed (in a worker process); writes ``out/seed-<seed>/`` if asked."""
    simulation = run_scenario(
        path,
        queue,
        placement,
        months,
        seed,
        contracts,
        sample_hours,
        False,
        failures,
        inference_shape,
        False,
        spares,
        ramp,
    )
    result, summary, seconds = simulation.result, simulation.summary, simulation.replay_seconds
    if out is not None:
        write_replay(out / f"seed-{seed}", result, summary, seconds)
    return SeedRun(seed, summary, seconds, result.fleet.total_accelerators, result.fleet.node_count)


def seed_metrics(summary: ReplaySummary) -> dict[str, float]:
    """The numbers compared across seeds: fleet-wide ones and each tenant's waits and share."""
    metrics = {
        "jobs": float(summary.jobs),
        "utilization": summary.utilization,
        "jain_fairness": summary.jain_fairness,
        "mean_queue_length": summary.mean_queue_length,
        "max_queue_length": float(summary.max_queue_length),
        "events": float(summary.events),
    }
    for t in summary.tenants:
        for key in ("finished", "wait_p50_h", "wait_p95_h", "jct_p50_h", "share"):
            metrics[f"{t.tenant}:{key}"] = float(getattr(t, key))
    if summary.failures is not None:
        metrics["goodput"] = summary.failures.goodput
    return metrics


def seed_statistics(runs: Sequence[SeedRun]) -> dict[str, dict[str, float | None]]:
    """Per metric of `seed_metrics`: mean, sample standard deviation (0 for one seed), min and
    max over the seeds, ignoring NaN (None when no seed has a value)."""
    table = [seed_metrics(r.summary) for r in runs]
    stats: dict[str, dict[str, float | None]] = {}
    for key in table[0]:
        values = np.array([row.get(key, float("nan")) for row in table])
        finite = values[~np.isnan(values)]
        if len(finite) == 0:
            stats[key] = {"mean": None, "sd": None, "min": None, "max": None}
            continue
        stats[key] = {
            "mean": float(finite.mean()),
            "sd": float(finite.std(ddof=1)) if len(finite) > 1 else 0.0,
            "min": float(finite.min()),
            "max": float(finite.max()),
        }
    return stats


def print_seeds(
    runs: Sequence[SeedRun], stats: dict[str, dict[str, float | None]], title: str
) -> None:
    """One row per seed, then the mean and standard deviation over seeds."""
    console.print(title, highlight=False)
    tenants = [t.tenant for t in runs[0].summary.tenants]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("seed", no_wrap=True)
    columns = [("jobs", "jobs", count_float_text), ("util", "utilization", percent_text),
               ("Jain", "jain_fairness", lambda v: f"{v:.3f}"),
               ("queue\nmean", "mean_queue_length", lambda v: f"{v:,.1f}")]  # fmt: skip
    columns += [(f"wait p95 h\n{t}", f"{t}:wait_p95_h", hours_text) for t in tenants]
    if "goodput" in stats:  # replayed with --failures
        columns += [("goodput", "goodput", percent_text)]
    columns += [("replay s", "", lambda v: f"{v:.1f}")]
    for header, _, _ in columns:
        table.add_column(header, justify="right", no_wrap=True)
    for run in runs:
        metrics = seed_metrics(run.summary)
        cells = [fmt(metrics[key]) if key else fmt(run.seconds) for _, key, fmt in columns]
        table.add_row(str(run.seed), *cells)
    seconds = np.array([r.seconds for r in runs])
    for name in ("mean", "sd"):
        cells = []
        for _, key, fmt in columns:
            value = (
                stats[key][name]
                if key
                else float(
                    seconds.mean()
                    if name == "mean"
                    else (seconds.std(ddof=1) if len(seconds) > 1 else 0.0)
                )
            )
            cells.append("-" if value is None else fmt(value))
        table.add_row(name, *cells, style="bold")
    console.print(table)


def count_float_text(value: float) -> str:
    return count_text(round(value))


def simulate_scenario_seeds(
    scenario: Path,
    queue: str,
    placement: str,
    months: int,
    seeds: Sequence[int],
    contracts: bool,
    sample_hours: float,
    failures: str | None,
    jobs: int | None,
    out: Path | None,
    inference_shape: str | None = None,
    spares: str | None = None,
    ramp: Ramp = DEFAULT_RAMP,
) -> None:
    """``simulate SCENARIO --seeds 42-45``: each seed's workload and replay in a local process
    pool (``--jobs``); a row per seed, their mean and standard deviation; ``out/seed-N/``."""
    try:
        make_queue_policy(queue, placement)
        if failures:
            load_failure_model(failures)
        if inference_shape:
            load_demand_shape(inference_shape)
        parse_spares(spares, False)
        load_scenario(scenario)
    except (GigawattError, FailureModelError, TraceError) as exc:
        raise _fail(str(exc)) from None
    except (KeyError, ValueError) as exc:
        raise _fail(str(exc).strip("'\"")) from None
    started = time.perf_counter()
    tasks = [
        (
            scenario,
            queue,
            placement,
            months,
            seed,
            contracts,
            sample_hours,
            failures,
            out,
            inference_shape,
            spares,
            ramp,
        )
        for seed in seeds
    ]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    try:
        runs = pool_map(run_scenario_seed, tasks, workers, "seeds", True)
    except (GigawattError, FailureModelError, TraceError, KeyError, ValueError) as exc:
        raise _fail(str(exc).strip("'\"")) from None
    wall_s = time.perf_counter() - started
    stats = seed_statistics(runs)
    first = runs[0]
    title = (
        f"{scenario.name}: {months} months, {first.accelerators:,} accelerators in "
        f"{first.nodes:,} nodes, {queue} + {placement}, {len(runs)} seeds on {workers} "
        f"process(es) in {wall_s:.1f} s (replays {sum(r.seconds for r in runs):.1f} s in all)"
    )
    print_seeds(runs, stats, title)
    if out is not None:
        path = write_seed_summaries(out, [(r.seed, r.summary, r.seconds) for r in runs], stats)
        console.print(f"wrote {path} and {out}/seed-<N>/ (jobs, series, summary) per seed")
