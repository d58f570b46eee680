"""``gigawatt simulate`` and ``gigawatt traces`` (an edge: reads traces, runs processes, prints).

Wire into the main app with::

    from gigawatt.cli_simulate import simulate, traces_app
    app.command("simulate")(simulate)
    app.add_typer(traces_app, name="traces")
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, replace
from functools import cache
from pathlib import Path
from typing import Annotated, TypeVar

import numpy as np
import typer
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

import gigawatt.sched.topology  # noqa: F401  (registers the fleet placements)
from gigawatt.cli_console import console, err_console
from gigawatt.cli_console import fail as _fail
from gigawatt.failures.load import FailureModelError, available_models, load_failure_model
from gigawatt.failures.spares import parse_spares
from gigawatt.fgd.arrivals import PAPER_TUNE_RATIO
from gigawatt.fgd.experiment import PAPER_POLICIES, run_packing_experiment
from gigawatt.fgd.placement import policy_names
from gigawatt.outputs.replay import write_replay
from gigawatt.pipeline import Pipeline, Simulation, SimulationOptions
from gigawatt.scenario import GigawattError, load_scenario
from gigawatt.sched.cluster import placement_names
from gigawatt.sched.queue import make_queue_policy, queue_policy_names
from gigawatt.sim.replay import replay
from gigawatt.sim.replay_summary import ReplaySummary, summarize_replay
from gigawatt.traces import (
    JobTrace,
    JobTraceReader,
    Trace,
    TraceError,
    get_trace,
    job_trace_reader,
    load_demand_shape,
    trace_names,
)
from gigawatt.traces.fgd_expected import expected_curves
from gigawatt.workload.reservations import reservation_lines

_T = TypeVar("_T")

traces_app = typer.Typer(help="List and describe the bundled cluster traces.", no_args_is_help=True)


# Running experiments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSummary:
    """What one (policy, seed) run reports: the paper's curves and a few counts."""

    trace: str
    workload: str
    policy: str
    seed: int
    allocation: np.ndarray  # % of cluster GPUs allocated, by arrived percent 0..130
    frag_amount: np.ndarray  # % of cluster GPUs fragmented
    frag_ratio: np.ndarray  # % of idle GPU fragmented
    attempts: int
    failed: int
    seconds: float


@cache
def _load(trace: str, workload: str) -> Trace:
    return get_trace(trace).load(workload)


def run_one(
    trace: str, workload: str, policy: str, seed: int, tune: float = PAPER_TUNE_RATIO
) -> RunSummary:
    """One arrival-only packing experiment (loads the trace once per process)."""
    loaded = _load(trace, workload)
    start = time.perf_counter()
    result = run_packing_experiment(loaded.nodes, loaded.pods, policy, seed, tune)
    seconds = time.perf_counter() - start
    curves = result.curves
    return RunSummary(
        trace,
        workload,
        policy,
        seed,
        curves.allocation_percent,
        curves.frag_amount_percent,
        curves.frag_ratio_percent,
        result.record.attempts,
        result.record.failed,
        seconds,
    )


def run_experiments(
    trace: str,
    workload: str,
    policies: Sequence[str],
    seeds: Sequence[int],
    tune: float = PAPER_TUNE_RATIO,
    jobs: int | None = None,
    show_progress: bool = False,
) -> list[RunSummary]:
    """Every (policy, seed) run, on ``jobs`` local processes (default: all cores), in
    (policy, seed) order."""
    tasks = [(trace, workload, policy, seed, tune) for policy in policies for seed in seeds]
    return pool_map(run_one, tasks, jobs, "simulate", show_progress)


# simulate -------------------------------------------------------------------------------------------


def parse_seeds(text: str) -> list[int]:
    """``"42-51"`` -> 42..51; ``"42,45"`` -> [42, 45]; ``"7"`` -> [7]; ranges and lists mix."""
    seeds: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise ValueError(f"--seeds must look like 42-51 or 42,43 (got {text!r})")
        seeds.extend(range(int(low), int(high) + 1) if dash else [int(low)])
    if not seeds:
        raise ValueError(f"--seeds selects no seed (got {text!r})")
    return seeds


def _policies(text: str) -> list[str]:
    if text == "all":
        return list(PAPER_POLICIES)
    names = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [p for p in names if p not in policy_names()]
    if unknown:
        raise ValueError(f"unknown policy {unknown[0]!r} (known: all, {', '.join(policy_names())})")
    return names


def _mean(values: list[float]) -> float:
    finite = [v for v in values if not np.isnan(v)]
    return float(np.mean(finite)) if finite else float("nan")


def _fmt(value: float, signed: bool = False) -> str:
    if np.isnan(value):
        return "-"
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def summary_rows(runs: list[RunSummary], compare: bool) -> list[dict[str, float | str | int]]:
    """One row per policy: means over seeds at 100% and 130% arrived (and the paper's, if asked)."""
    rows: list[dict[str, float | str | int]] = []
    for policy in dict.fromkeys(r.policy for r in runs):
        mine = [r for r in runs if r.policy == policy]
        row: dict[str, float | str | int] = {
            "policy": policy,
            "seeds": len(mine),
            "alloc_100": _mean([float(r.allocation[100]) for r in mine]),
            "alloc_130": _mean([float(r.allocation[130]) for r in mine]),
            "frag_ratio_100": _mean([float(r.frag_ratio[100]) for r in mine]),
            "frag_amount_100": _mean([float(r.frag_amount[100]) for r in mine]),
            "failed": _mean([float(r.failed) for r in mine]),
            "seconds": _mean([r.seconds for r in mine]),
        }
        if compare and mine[0].trace == "openb":
            paper = [expected_curves(r.workload, r.policy, r.seed) for r in mine]
            found = [p for p in paper if p is not None]
            row["paper_alloc_100"] = (
                _mean([float(p.allocation[100]) for p in found]) if found else float("nan")
            )
            row["paper_alloc_130"] = (
                _mean([float(p.allocation[130]) for p in found]) if found else float("nan")
            )
            row["paper_frag_ratio_100"] = (
                _mean([float(p.frag_ratio[100]) for p in found]) if found else float("nan")
            )
            row["paper_seeds"] = len(found)
        rows.append(row)
    return rows


def print_summary(rows: list[dict[str, float | str | int]], title: str, compare: bool) -> None:
    """Per policy: mean allocation % at 100% and 130% arrived, frag ratio, paper's numbers."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("policy", no_wrap=True, min_width=14)
    headers = ["alloc\n@100%", "alloc\n@130%", "frag %\n@100%"]
    headers += (
        ["paper\n@100%", "paper\n@130%", "diff\n@100%", "diff\n@130%"]
        if compare
        else ["failed", "s/run"]
    )
    for header in headers:
        table.add_column(header, justify="right", no_wrap=True)
    for row in rows:
        alloc_100, alloc_130 = float(row["alloc_100"]), float(row["alloc_130"])
        cells = [
            str(row["policy"]),
            _fmt(alloc_100),
            _fmt(alloc_130),
            _fmt(float(row["frag_ratio_100"])),
        ]
        if compare:
            p100 = float(row.get("paper_alloc_100", float("nan")))
            p130 = float(row.get("paper_alloc_130", float("nan")))
            cells += [
                _fmt(p100),
                _fmt(p130),
                _fmt(alloc_100 - p100, True),
                _fmt(alloc_130 - p130, True),
            ]
        else:
            cells += [f"{float(row['failed']):,.0f}", f"{float(row['seconds']):.2f}"]
        table.add_row(*cells)
    console.print(table)
    console.print(
        "alloc @N%: % of the cluster's GPUs allocated when arrived requests reach N% of them "
        "(mean over seeds); frag %: fragmented share of idle GPU"
        + (
            "; paper: the FGD artifact's mean over the same seeds; diff in percentage points."
            if compare
            else "."
        )
    )


def write_outputs(
    out: Path, runs: list[RunSummary], rows: list[dict[str, float | str | int]]
) -> None:
    """``curves.csv`` (one row per run and metric, columns 0..130) and ``summary.json``."""
    out.mkdir(parents=True, exist_ok=True)
    header = ["trace", "workload", "policy", "seed", "metric", *[str(p) for p in range(131)]]
    lines = [",".join(header)]
    for r in runs:
        for metric, values in (
            ("allocation", r.allocation),
            ("frag_amount", r.frag_amount),
            ("frag_ratio", r.frag_ratio),
        ):
            cells = ["" if np.isnan(v) else f"{v:.4f}" for v in values.tolist()]
            lines.append(",".join([r.trace, r.workload, r.policy, str(r.seed), metric, *cells]))
    (out / "curves.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    clean = [
        {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
        for row in rows
    ]
    (out / "summary.json").write_text(
        json.dumps({"policies": clean}, indent=2) + "\n", encoding="utf-8"
    )


# simulate scenario.yaml -----------------------------------------------------------------------------


def replay_progress(horizon_s: float, show: bool) -> tuple[Progress, Callable[[float], None]]:
    """A Rich bar over simulated days (on stderr, gone when done) and the callback the replay
    advances it with."""
    progress = Progress(
        TextColumn("[bold]replay"),
        BarColumn(),
        TextColumn("{task.fields[day]:>5.0f} of {task.fields[days]:.0f} days"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not show,
    )
    bar = progress.add_task("replay", total=horizon_s, day=0.0, days=horizon_s / 86_400.0)

    def advance(now: float) -> None:
        progress.update(bar, completed=now, day=now / 86_400.0)

    return progress, advance


def simulate_pipeline(pipeline: Pipeline, show_progress: bool) -> Simulation:
    """``pipeline.simulation`` with a progress bar over the replay (the steps before it are
    computed first, outside the bar)."""
    pipeline.policy  # noqa: B018  (plan, fleet and jobs before the bar)
    progress, advance = replay_progress(pipeline.options.horizon_s, show_progress)
    pipeline.progress = advance
    with progress:
        return pipeline.simulation


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
    return simulate_pipeline(Pipeline(path, options), show_progress)


def _count(value: int) -> str:
    return (
        f"{value / 1e6:.2f}M"
        if value >= 1e6
        else f"{value / 1e3:.1f}k"
        if value >= 1e4
        else str(value)
    )


def _hours(value: float) -> str:
    if np.isnan(value):
        return "-"
    return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"


def print_replay(summary: ReplaySummary, title: str) -> None:
    """Per tenant: jobs, waits, share vs entitlement, spans; per site and type: utilization."""
    console.print(title, highlight=False)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("tenant", no_wrap=True)
    for header in ("jobs", "done", "wait\np50 h", "wait\np95 h", "JCT\np50 h", "share",
                   "entitled", "domains"):  # fmt: skip
        table.add_column(header, justify="right", no_wrap=True)
    failures = summary.failures
    if failures is not None:
        table.add_column("goodput", justify="right", no_wrap=True)
    for t in summary.tenants:
        goodput = (
            [_pct_or_dash(failures.tenant_goodput.get(t.tenant, float("nan")))]
            if failures is not None
            else []
        )
        table.add_row(
            t.tenant,
            _count(t.jobs),
            _count(t.finished),
            _hours(t.wait_p50_h),
            _hours(t.wait_p95_h),
            _hours(t.jct_p50_h),
            f"{t.share:.0%}",
            f"{t.entitlement:.0%}",
            str(t.max_domains),
            *goodput,
        )
    console.print(table)
    sites = Table(box=box.SIMPLE_HEAD, title_justify="left")
    for header in ("site", "accelerator", "online at end", "utilization"):
        sites.add_column(header, justify="left" if header in ("site", "accelerator") else "right")
    for g in summary.groups:
        if g.online_accelerators_end == 0 and g.utilization == 0:
            continue  # not online within the simulated months
        sites.add_row(
            g.site, g.accelerator, f"{g.online_accelerators_end:,.0f}", f"{g.utilization:.1%}"
        )
    console.print(sites)
    console.print(
        f"fleet utilization {summary.utilization:.1%} (busy / online accelerator-hours); "
        f"Jain fairness of share/entitlement {summary.jain_fairness:.3f}; queue mean "
        f"{summary.mean_queue_length:,.1f}, max {summary.max_queue_length:,}; "
        f"{summary.events:,} events."
    )
    if failures is not None:
        causes = sorted(failures.causes, key=lambda c: -c.interruptions)
        top = ", ".join(f"{c.cause} {c.interruptions:,}" for c in causes[:4] if c.interruptions)
        console.print(
            f"failures: {failures.node_outages:,} node outages, {failures.interruptions:,} job "
            f"interruptions ({top or 'none'}); {failures.lost_accelerator_h:,.0f} accelerator-h "
            f"lost ({failures.rolled_back_accelerator_h:,.0f} rolled back + "
            f"{failures.restart_accelerator_h:,.0f} restart); goodput {failures.goodput:.1%}; "
            f"in repair: mean {failures.repair_nodes_mean:,.1f} nodes, max "
            f"{failures.repair_nodes_max:,} ({failures.out_of_service_share:.2%} of capacity).",
            highlight=False,
        )
        if failures.mtti_by_size:
            mtti = Table(
                box=box.SIMPLE_HEAD,
                title="MTTI by job size (wall hours running per unplanned interruption)",
                title_justify="left",
            )
            for header in ("accelerators", "jobs", "hours running", "interruptions", "MTTI h"):
                mtti.add_column(header, justify="right", no_wrap=True)
            for row in failures.mtti_by_size:
                mtti.add_row(
                    f"{row.accelerators_from:,}-{row.accelerators_to:,}",
                    f"{row.jobs:,}",
                    f"{row.run_h:,.0f}",
                    f"{row.interruptions:,}",
                    "-" if row.mtti_h is None else f"{row.mtti_h:,.1f}",
                )
            console.print(mtti)


def _pct_or_dash(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.1%}"


# Parallel runs (seeds of a scenario, policies on a trace) -----------------------------------------


def pool_map(
    function: Callable[..., _T],
    tasks: Sequence[tuple[object, ...]],
    workers: int | None,
    label: str,
    show_progress: bool,
) -> list[_T]:
    """``function(*task)`` for every task, on ``workers`` local processes (default: all cores;
    1: in this process), with a Rich bar and ETA over tasks; results in task order."""
    workers = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    results: list[_T | None] = [None] * len(tasks)
    progress = Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not show_progress,
    )
    with progress:
        bar = progress.add_task(label, total=len(tasks))
        if workers == 1:
            for k, task in enumerate(tasks):
                results[k] = function(*task)
                progress.advance(bar)
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = {pool.submit(function, *task): k for k, task in enumerate(tasks)}
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    progress.advance(bar)
    return [r for r in results if r is not None]


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
    columns = [("jobs", "jobs", _count_float), ("util", "utilization", _pct_or_dash),
               ("Jain", "jain_fairness", lambda v: f"{v:.3f}"),
               ("queue\nmean", "mean_queue_length", lambda v: f"{v:,.1f}")]  # fmt: skip
    columns += [(f"wait p95 h\n{t}", f"{t}:wait_p95_h", _hours) for t in tenants]
    if "goodput" in stats:  # replayed with --failures
        columns += [("goodput", "goodput", _pct_or_dash)]
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


def _count_float(value: float) -> str:
    return _count(round(value))


def write_seeds(
    out: Path, runs: Sequence[SeedRun], stats: dict[str, dict[str, float | None]]
) -> Path:
    """``out/summary.json``: every seed's summary (as a single run writes it) and the statistics."""
    out.mkdir(parents=True, exist_ok=True)
    payload = {
        "seeds": [asdict(r.summary) | {"seed": r.seed, "replay_seconds": r.seconds} for r in runs],
        "statistics": stats,
    }
    path = out / "summary.json"
    path.write_text(json.dumps(payload, indent=2, default=lambda v: None) + "\n", encoding="utf-8")
    return path


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
        path = write_seeds(out, runs, stats)
        console.print(f"wrote {path} and {out}/seed-<N>/ (jobs, series, summary) per seed")


# simulate --trace (time-based replay of a job trace) ------------------------------------------------


@cache
def _load_jobs(trace: str, workload: str) -> JobTrace:
    return job_trace_reader(trace).load_jobs(workload)


@dataclass(frozen=True)
class TraceReplayRun:
    """One queue policy replayed on a job trace: its summary and all-job percentiles (hours)."""

    policy: str
    summary: ReplaySummary
    seconds: float
    wait_p50_h: float
    wait_p95_h: float
    jct_p50_h: float
    jct_p95_h: float
    last_end_s: float  # when the last job ended (NaN: none did)
    written: tuple[str, ...]

    @property
    def utilization_to_last_end(self) -> float:
        """Busy / online accelerator-time over [0, last end] (a trace's fleet never changes,
        so the horizon's idle tail after the last job is left out)."""
        if np.isnan(self.last_end_s) or self.last_end_s <= 0:
            return float("nan")
        return self.summary.utilization * self.summary.horizon_s / self.last_end_s


def run_trace_replay(
    trace: str,
    workload: str,
    queue: str,
    placement: str,
    sample_hours: float,
    out: Path | None,
) -> TraceReplayRun:
    """Replay a job trace (``JobTraceReader``) under one queue policy; write ``out`` if given."""
    loaded = _load_jobs(trace, workload)
    policy = make_queue_policy(queue, placement)
    started = time.perf_counter()
    result = replay(loaded.fleet, loaded.jobs, policy, loaded.horizon_s, sample_hours * 3600.0)
    seconds = time.perf_counter() - started
    summary = summarize_replay(result)
    written = write_replay(out, result, summary, seconds) if out is not None else []
    wait = result.records.wait_s(result.jobs) / 3600.0
    jct = result.records.jct_s(result.jobs) / 3600.0

    def pct(values: np.ndarray, q: float) -> float:
        finite = values[~np.isnan(values)]
        return float(np.percentile(finite, q)) if len(finite) else float("nan")

    ends = result.records.end_s[~np.isnan(result.records.end_s)]
    run = TraceReplayRun(
        queue,
        summary,
        seconds,
        pct(wait, 50),
        pct(wait, 95),
        pct(jct, 50),
        pct(jct, 95),
        float(ends.max()) if len(ends) else float("nan"),
        tuple(str(p) for p in written),
    )
    if out is None:
        return run
    # What was replayed and under which assumptions, beside summary.json.
    path = out / "trace.json"
    payload = {
        "trace": trace,
        "workload": loaded.workload,
        "policy": queue,
        "placement": placement,
        "jobs": loaded.jobs.count,
        "accelerators": loaded.fleet.total_accelerators,
        "horizon_s": loaded.horizon_s,
        "notes": list(loaded.notes),
        "all_jobs": {k: v for k, v in asdict(run).items() if k not in ("summary", "written")}
        | {"utilization_to_last_end": run.utilization_to_last_end},
    }
    path.write_text(json.dumps(payload, indent=2, default=lambda v: None) + "\n", encoding="utf-8")
    return replace(run, written=(*run.written, str(path)))


def print_trace_compare(runs: Sequence[TraceReplayRun], title: str) -> None:
    """One row per queue policy: finished jobs, waits and JCT over all jobs, utilization."""
    console.print(title, highlight=False)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for header in ("policy", "done", "wait\np50 h", "wait\np95 h", "JCT\np50 h", "JCT\np95 h",
                   "last end\nday", "util to\nlast end", "queue\nmean", "queue\nmax", "replay s"):  # fmt: skip
        table.add_column(header, justify="left" if header == "policy" else "right", no_wrap=True)
    for r in runs:
        s = r.summary
        table.add_row(
            r.policy,
            _count(sum(t.finished for t in s.tenants)),
            _hours(r.wait_p50_h),
            _hours(r.wait_p95_h),
            _hours(r.jct_p50_h),
            _hours(r.jct_p95_h),
            "-" if np.isnan(r.last_end_s) else f"{r.last_end_s / 86_400:,.1f}",
            _pct_or_dash(r.utilization_to_last_end),
            f"{s.mean_queue_length:,.1f}",
            f"{s.max_queue_length:,}",
            f"{r.seconds:.1f}",
        )
    console.print(table)


def simulate_trace_replay(
    trace: str,
    workload: str,
    policy: str | None,
    placement: str,
    sample_hours: float,
    jobs: int | None,
    out: Path | None,
) -> None:
    """``simulate --trace NAME`` for a trace with jobs: one queue policy (per-VC table) or
    several (``all`` or a comma list; one row each), each written to ``out[/policy]``."""
    try:
        names = (
            list(queue_policy_names())
            if policy == "all"
            else [p.strip() for p in (policy or "fifo").split(",") if p.strip()]
        )
        for name in names:
            make_queue_policy(name, placement)
        loaded = _load_jobs(trace, workload)
    except (KeyError, TraceError) as exc:
        raise _fail(str(exc).strip("'\"")) from None
    started = time.perf_counter()
    tasks = [
        (trace, workload, name, placement, sample_hours,
         None if out is None else (out / name if len(names) > 1 else out))
        for name in names
    ]  # fmt: skip
    runs = pool_map(run_trace_replay, tasks, jobs, "replay", True)
    fleet = loaded.fleet
    head = (
        f"{trace} / {loaded.workload}: time-based replay of {loaded.jobs.count:,} jobs "
        f"({len(loaded.jobs.tenants)} tenants) on {fleet.total_accelerators:,} accelerators in "
        f"{fleet.node_count:,} nodes, horizon {loaded.horizon_s / 86_400:,.1f} days, + {placement}"
    )
    if len(runs) == 1:
        run = runs[0]
        last = "-" if np.isnan(run.last_end_s) else f"{run.last_end_s / 86_400:,.1f}"
        print_replay(run.summary, f"{head}, {run.policy} ({run.seconds:.1f} s)")
        console.print(
            f"all jobs: wait p50 {_hours(run.wait_p50_h)} h, p95 {_hours(run.wait_p95_h)} h; "
            f"JCT p50 {_hours(run.jct_p50_h)} h, p95 {_hours(run.jct_p95_h)} h; last job ends "
            f"on day {last}; utilization to then {_pct_or_dash(run.utilization_to_last_end)}.",
            highlight=False,
        )
    else:
        print_trace_compare(runs, f"{head} ({time.perf_counter() - started:.1f} s)")
    for note in loaded.notes:
        console.print(f"note: {note}", highlight=False)
    if out is not None:
        written = [p for r in runs for p in r.written]
        if len(runs) > 1:
            compare = [
                {k: v for k, v in asdict(r).items() if k not in ("summary", "written")}
                | {
                    "utilization": r.summary.utilization,
                    "utilization_to_last_end": r.utilization_to_last_end,
                    "mean_queue_length": r.summary.mean_queue_length,
                    "max_queue_length": r.summary.max_queue_length,
                }
                for r in runs
            ]
            path = out / "compare.json"
            path.write_text(
                json.dumps(
                    {"trace": trace, "workload": loaded.workload, "policies": compare},
                    indent=2,
                    default=lambda v: None,
                )
                + "\n",
                encoding="utf-8",
            )
            written.append(str(path))
        console.print(f"wrote {len(written)} files under {out}")


def simulate(
    scenario: Annotated[
        Path | None,
        typer.Argument(help="Scenario YAML: replay its planned fleet with its tenants' jobs."),
    ] = None,
    trace: Annotated[
        str, typer.Option(help="Trace to replay: " + ", ".join(trace_names()))
    ] = "openb",
    workload: Annotated[
        str, typer.Option(help="Workload variant of the trace, e.g. default, cpu050.")
    ] = "default",
    policy: Annotated[
        str | None,
        typer.Option(
            help="Packing traces (openb): placement policy, a comma list, or 'all' (the "
            "paper's six; default fgd). Job traces (philly, alibaba-v2025-dlrm): queue policy, "
            "a comma list, or 'all' (default fifo)."
        ),
    ] = None,
    seeds: Annotated[
        str, typer.Option(help="Seeds, e.g. 42-51 (the paper's ten) or 42,45.")
    ] = "42",
    tune: Annotated[
        float, typer.Option(help="Inflate arrivals to this multiple of the cluster's GPUs.")
    ] = PAPER_TUNE_RATIO,
    compare: Annotated[
        bool, typer.Option("--compare", help="Show the FGD paper's numbers beside ours.")
    ] = False,
    jobs: Annotated[
        int | None, typer.Option(help="Parallel processes (default: all cores).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the outputs (CSV, summary.json) here.")
    ] = None,
    queue: Annotated[
        str, typer.Option(help="Scenario runs: queue policy: " + ", ".join(queue_policy_names()))
    ] = "easy-backfill",
    placement: Annotated[
        str, typer.Option(help="Scenario runs: fleet placement: " + ", ".join(placement_names()))
    ] = "topology",
    months: Annotated[
        int, typer.Option(min=1, max=600, help="Scenario runs: months to simulate from the start.")
    ] = 12,
    contracts: Annotated[
        bool, typer.Option(help="Scenario runs: include contracted (cloud) capacity in the fleet.")
    ] = True,
    sample_hours: Annotated[
        float, typer.Option(min=0.01, help="Scenario runs: hours between samples of the series.")
    ] = 6.0,
    failures: Annotated[
        str | None,
        typer.Option(
            help="Scenario runs: node failures and repairs from this failure model: "
            + ", ".join(available_models())
            + ", or a YAML path."
        ),
    ] = None,
    inference_shape: Annotated[
        str | None,
        typer.Option(
            help="Scenario runs: inference arrivals follow this trace's demand shape instead of "
            "the daily sinusoid, e.g. azure-llm-2023:conv or azure-llm-2023:code."
        ),
    ] = None,
    defrag: Annotated[
        bool,
        typer.Option(
            "--defrag",
            help="Scenario runs: move checkpointing jobs when a gang is blocked by fragmentation.",
        ),
    ] = False,
    spares: Annotated[
        str | None,
        typer.Option(
            help="Scenario runs with --failures: spare nodes per hall (e.g. 4) or a share of each "
            "hall's nodes (e.g. 2%); default: the failure model's pool, else 2% (vendor NVL72 "
            "guidance). A spare stands in for a failed node at once and its jobs restart in place.",
        ),
    ] = None,
) -> None:
    """Replay a scenario's planned fleet with its tenants' jobs (time-based: waits, utilization,
    fairness), or pack a GPU cluster trace (arrival-only: allocation and fragmentation)."""
    if scenario is not None:
        try:
            seed_list = parse_seeds(seeds)
        except ValueError as exc:
            raise _fail(str(exc)) from None
        if len(seed_list) > 1:
            simulate_scenario_seeds(
                scenario, queue, placement, months, seed_list, contracts, sample_hours,
                failures, jobs, out, inference_shape, spares,
            )  # fmt: skip
            return
        try:
            seed = seed_list[0]
            make_queue_policy(queue, placement)
            options = SimulationOptions(
                months=months, queue=queue, placement=placement, seed=seed, contracts=contracts,
                sample_hours=sample_hours, failures=failures, inference_shape=inference_shape,
                defrag=defrag, spares=spares,
            )  # fmt: skip
            pipeline = Pipeline(scenario, options)
            simulation = simulate_pipeline(pipeline, True)
        except (GigawattError, FailureModelError, TraceError) as exc:
            raise _fail(str(exc)) from None
        except (KeyError, ValueError) as exc:
            raise _fail(str(exc).strip("'\"")) from None
        result, summary = simulation.result, simulation.summary
        seconds = simulation.replay_seconds
        fleet = result.fleet
        title = (
            f"{scenario.name}: {months} months, {fleet.total_accelerators:,} accelerators in "
            f"{fleet.node_count:,} nodes, {result.jobs.count:,} jobs, {queue} + {placement} "
            f"({seconds:.1f} s, {summary.events / max(seconds, 1e-9):,.0f} events/s)"
        )
        print_replay(summary, title)
        for line in reservation_lines(pipeline.scenario, result):
            console.print(line)
        if defrag:
            records = result.records
            moving_s = (
                records.overhead_s - records.checkpoint_overhead_s
            ) * result.jobs.accelerators
            console.print(
                f"defrag: {int(records.migrations.sum()):,} moves of checkpointing jobs, "
                f"{float(moving_s[records.migrations > 0].sum()) / 3600.0:,.1f} accelerator-h "
                "spent moving"
            )
        if out is not None:
            written = write_replay(out, result, summary, seconds)
            console.print("wrote " + ", ".join(str(p) for p in written))
        return
    try:
        reader = get_trace(trace)
    except TraceError as exc:
        raise _fail(str(exc)) from None
    if isinstance(reader, JobTraceReader):
        if seeds != "42":
            console.print("note: a trace replay is deterministic; --seeds is ignored")
        simulate_trace_replay(trace, workload, policy, placement, sample_hours, jobs, out)
        return
    try:
        policies = _policies(policy or "fgd")
        seed_list = parse_seeds(seeds)
        reader.load(workload)  # fail fast on a bad trace or workload
    except (ValueError, TraceError) as exc:
        raise _fail(str(exc)) from None
    started = time.perf_counter()
    runs = run_experiments(trace, workload, policies, seed_list, tune, jobs, show_progress=True)
    rows = summary_rows(runs, compare)
    seeds_text = seeds if len(seed_list) > 1 else str(seed_list[0])
    title = (
        f"{trace} / {workload}: arrival-only packing, tune {tune}, seeds {seeds_text} "
        f"({len(runs)} runs in {time.perf_counter() - started:.1f} s)"
    )
    print_summary(rows, title, compare)
    if out is not None:
        write_outputs(out, runs, rows)
        console.print(f"wrote {out / 'curves.csv'} and {out / 'summary.json'}")


# traces ---------------------------------------------------------------------------------------------


@traces_app.command("list")
def traces_list() -> None:
    """The traces gigawatt can read."""
    table = Table(title="Traces", title_justify="left")
    for column in ("name", "title", "workloads", "license"):
        table.add_column(column)
    for name in trace_names():
        try:
            info = get_trace(name).info()
        except TraceError as exc:  # a missing or malformed file: say so, list the others
            table.add_row(name, f"[red]cannot read: {escape(str(exc))}[/red]", "-", "-")
            continue
        table.add_row(name, info.title, str(len(info.workloads)), info.license)
    console.print(table)


@traces_app.command("show")
def traces_show(name: Annotated[str, typer.Argument(help="Trace name, e.g. openb.")]) -> None:
    """What a trace holds: cluster, pods, workload variants, source and license."""
    try:
        info = get_trace(name).info()
    except TraceError as exc:
        raise _fail(str(exc)) from None
    table = Table(title=info.title, title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in info.facts.items():
        table.add_row(key, value)
    table.add_row("workloads", ", ".join(info.workloads))
    table.add_row("source", info.source)
    table.add_row("license", info.license)
    table.add_row("files", str(info.folder))
    console.print(table)
