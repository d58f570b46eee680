"""A scenario or trace replay's files: ``jobs.csv`` (one row per job), ``series.csv``
(samples per site and type, queue and tenants), ``summary.json``, and Parquet copies of both
tables when pyarrow is installed; and the one reader of ``series.csv``."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from gigawatt.sim.replay import ReplayResult
from gigawatt.sim.replay_summary import ReplaySummary, job_goodput


def job_columns(result: ReplayResult) -> dict[str, list[object]]:
    """``jobs.csv``'s columns: one value per job (with failures: ``run_s``, ``lost_s``,
    ``goodput``)."""
    jobs, records, fleet = result.jobs, result.records, result.fleet
    type_names = [*fleet.types, ""]
    columns: dict[str, list[object]] = {
        "job": list(range(jobs.count)),
        "tenant": [jobs.tenants[i] for i in jobs.tenant.tolist()],
        "accelerators": jobs.accelerators.tolist(),
        "gpu_milli": jobs.gpu_milli.tolist(),
        "gang": jobs.gang.tolist(),
        "priority": jobs.priority.tolist(),
        "arrival_s": jobs.arrival_s.tolist(),
        "duration_s": jobs.duration_s.tolist(),
        "start_s": records.start_s.tolist(),
        "end_s": records.end_s.tolist(),
        "wait_s": records.wait_s(jobs).tolist(),
        "accelerator": [type_names[i] for i in records.type_index.tolist()],
        "nodes": records.nodes.tolist(),
        "domains": records.domains.tolist(),
        "halls": records.halls.tolist(),
        "sites": records.sites.tolist(),
        "interruptions": records.interruptions.tolist(),
        "rejected": records.rejected.tolist(),
    }
    if result.failures is not None:
        columns["run_s"] = result.failures.job_run_s.tolist()
        columns["lost_s"] = result.failures.job_lost_s.tolist()
        columns["goodput"] = job_goodput(result).tolist()
    return columns


def series_columns(result: ReplayResult) -> dict[str, list[object]]:
    """``series.csv``'s columns, one value per sample: ``time_s``, ``queue_length``,
    ``busy:<site>:<type>`` and ``online:<site>:<type>`` (accelerators), ``tenant:<name>``
    (accelerators in use); with failures ``repair_nodes``, ``repair_accelerators``,
    ``spares_in_use``."""
    samples, jobs = result.samples, result.jobs
    columns: dict[str, list[object]] = {"time_s": samples.time_s.tolist()}
    columns["queue_length"] = samples.queue_length.tolist()
    for g, (site, accelerator) in enumerate(result.groups):
        columns[f"busy:{site}:{accelerator}"] = samples.group_busy[:, g].tolist()
        columns[f"online:{site}:{accelerator}"] = samples.group_online[:, g].tolist()
    for i, tenant in enumerate(jobs.tenants):
        columns[f"tenant:{tenant}"] = samples.tenant_busy[:, i].tolist()
    if result.failures is not None:
        columns["repair_nodes"] = result.failures.repair_nodes.tolist()
        columns["repair_accelerators"] = result.failures.repair_accelerators.tolist()
        columns["spares_in_use"] = result.failures.spares_in_use.tolist()
    return columns


def series_table(result: ReplayResult) -> dict[str, list[float]]:
    """`series_columns` as floats: what `read_series` gives back from the written file."""
    columns: dict[str, list[Any]] = dict(series_columns(result))
    return {name: [float(v) for v in values] for name, values in columns.items()}


def write_replay(
    out: Path, result: ReplayResult, summary: ReplaySummary, seconds: float
) -> list[Path]:
    """``jobs.csv``, ``series.csv``, ``summary.json`` (the summary and ``replay_seconds``);
    Parquet copies of both tables when pyarrow is installed. Returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, columns in (("jobs", job_columns(result)), ("series", series_columns(result))):
        path = out / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(zip(*columns.values(), strict=True))
        written.append(path)
        try:
            import pyarrow as pa  # type: ignore[import-not-found,import-untyped,unused-ignore]
            import pyarrow.parquet as pq  # type: ignore[import-not-found,import-untyped,unused-ignore]
        except ImportError:
            continue
        pq.write_table(pa.table(columns), out / f"{name}.parquet")
        written.append(out / f"{name}.parquet")
    payload = asdict(summary) | {"replay_seconds": seconds}
    (out / "summary.json").write_text(
        json.dumps(payload, indent=2, default=lambda v: None) + "\n", encoding="utf-8"
    )
    written.append(out / "summary.json")
    return written


def write_seed_summaries(
    out: Path,
    seeds: Sequence[tuple[int, ReplaySummary, float]],
    statistics: dict[str, dict[str, float | None]],
) -> Path:
    """``out/summary.json`` of a replay over several seeds: every seed's summary (as a single
    run writes it, with ``seed`` and ``replay_seconds``) and the statistics over seeds."""
    out.mkdir(parents=True, exist_ok=True)
    payload = {
        "seeds": [
            asdict(summary) | {"seed": seed, "replay_seconds": seconds}
            for seed, summary, seconds in seeds
        ],
        "statistics": statistics,
    }
    path = out / "summary.json"
    write_json(path, payload)
    return path


def write_json(path: Path, payload: Any) -> Path:
    """``payload`` as indented JSON (values JSON cannot hold as null); returns the path."""
    path.write_text(json.dumps(payload, indent=2, default=lambda v: None) + "\n", encoding="utf-8")
    return path


def read_series(path: Path) -> dict[str, list[float]]:
    """A ``series.csv`` as columns of floats (an empty cell: NaN). Raises `OSError` or
    `ValueError` (a cell that is not a number, a row longer than the header)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise ValueError(f"{path}: empty file")
        columns: list[list[float]] = [[] for _ in header]
        for row in reader:
            for k, cell in enumerate(row):
                columns[k].append(float(cell) if cell else float("nan"))
    return dict(zip(header, columns, strict=True))
