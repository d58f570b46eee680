"""``gigawatt simulate --trace NAME`` for a trace with jobs (philly, alibaba-v2025-dlrm...):
a time-based replay of its jobs under one queue policy or several side by side (an edge:
reads traces, runs processes, prints, writes the replay's files, trace.json, compare.json)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
from rich import box
from rich.table import Table

import gigawatt.sched.topology  # noqa: F401  (registers the fleet placements)
from gigawatt.cli.console import console
from gigawatt.cli.console import fail as _fail
from gigawatt.cli.progress import pool_map
from gigawatt.cli.replay_tables import count_text, hours_text, percent_text, print_replay
from gigawatt.outputs.replay import write_json, write_replay
from gigawatt.sched.queue import make_queue_policy, queue_policy_names
from gigawatt.sim.replay import replay
from gigawatt.sim.replay_summary import ReplaySummary, summarize_replay
from gigawatt.traces import (
    JobTrace,
    TraceError,
    job_trace_reader,
)


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
    write_json(path, payload)
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
            count_text(sum(t.finished for t in s.tenants)),
            hours_text(r.wait_p50_h),
            hours_text(r.wait_p95_h),
            hours_text(r.jct_p50_h),
            hours_text(r.jct_p95_h),
            "-" if np.isnan(r.last_end_s) else f"{r.last_end_s / 86_400:,.1f}",
            percent_text(r.utilization_to_last_end),
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
            f"all jobs: wait p50 {hours_text(run.wait_p50_h)} h, p95 {hours_text(run.wait_p95_h)} h; "
            f"JCT p50 {hours_text(run.jct_p50_h)} h, p95 {hours_text(run.jct_p95_h)} h; last job ends "
            f"on day {last}; utilization to then {percent_text(run.utilization_to_last_end)}.",
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
            path = write_json(
                out / "compare.json",
                {"trace": trace, "workload": loaded.workload, "policies": compare},
            )
            written.append(str(path))
        console.print(f"wrote {len(written)} files under {out}")
