"""``gigawatt simulate --trace openb``: arrival-only packing experiments (the FGD paper's,
`gigawatt.fgd`) per placement policy and seed, on a local process pool; the paper's table side
by side with ``--compare``; ``curves.csv`` and ``summary.json`` (an edge)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from rich import box
from rich.table import Table

from gigawatt.cli.console import console
from gigawatt.cli.progress import pool_map
from gigawatt.fgd.arrivals import PAPER_TUNE_RATIO
from gigawatt.fgd.experiment import PAPER_POLICIES, run_packing_experiment
from gigawatt.fgd.placement import policy_names
from gigawatt.traces import (
    Trace,
    get_trace,
)
from gigawatt.traces.fgd_expected import expected_curves


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


def packing_policies(text: str) -> list[str]:
    """``--policy`` for a packing trace: "all" (the paper's six) or a comma list of known names."""
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
