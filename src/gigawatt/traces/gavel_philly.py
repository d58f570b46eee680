"""Gavel's Philly-derived per-VC job traces (``--trace philly``), for time-based replay.

Source: github.com/stanford-futuredata/gavel ``scheduler/traces/msr/seed=0/`` (Narayanan et al.,
"Heterogeneity-Aware Cluster Scheduling Policies for Deep Learning Workloads", OSDI'20), MIT.
One file per Microsoft Philly virtual cluster (VC); each line is one job, 7 tab-separated
fields as Gavel's ``parse_trace`` of that commit reads them::

    job_type  command  num_steps_arg  needs_data_dir  total_steps  arrival_time  scale_factor

``arrival_time`` is seconds from the VC's first job, ``scale_factor`` the GPUs the job asks.
A trace holds steps, not seconds: Gavel's generator sets ``steps = run_time x throughput(v100,
(job_type, scale_factor))``, so ``duration_s = steps / steps_per_s`` with the V100 throughput
table kept beside the traces (``v100_throughputs.csv``); a scale factor Gavel never profiled
(7, 12, 16... GPUs) uses the largest profiled one below it (ASSUMED).

The cluster is ``cluster_specs.json`` (``"v100:p100:k80"`` counts; 500 V100 for Philly), one GPU
per server as Gavel's simulator defaults (``--num_gpus_per_server 1:1:1``). Every VC is a
tenant; its fair-share entitlement is its share of the trace's GPU-hours (ASSUMED: Philly VCs
had quotas roughly in line with their use; Jeon et al., ATC'19). All VCs' clocks start at 0.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.traces.reader import (
    JobTrace,
    Trace,
    TraceError,
    TraceInfo,
    drain_horizon_s,
    recorded_jobs,
    register_trace,
    traces_dir,
)

#: Worker types in the order of a Gavel cluster spec string ``"v100:p100:k80"``.
GAVEL_WORKER_TYPES = ("v100", "p100", "k80")
TRACE_FIELDS = 7
ALL_VCS = "all"


def read_throughputs(path: Path) -> dict[tuple[str, int], float]:
    """V100 steps per second by (job type, scale factor), from ``v100_throughputs.csv``."""
    if not path.is_file():
        raise TraceError(f"trace file not found: {path}")
    table: dict[tuple[str, int], float] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                table[(row["job_type"], int(row["scale_factor"]))] = float(row["steps_per_s"])
            except (KeyError, TypeError, ValueError):
                raise TraceError(
                    f"{path}:{line}: expected job_type, scale_factor (integer), steps_per_s "
                    "(number)"
                ) from None
    return table


def read_cluster_spec(path: Path, cluster: str = "philly") -> dict[str, int]:
    """GPUs per worker type of a Gavel cluster spec file (``{"philly": ["500:0:0"]}``)."""
    if not path.is_file():
        raise TraceError(f"trace file not found: {path}")
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))[cluster][0]
        counts = [int(part) for part in spec.split(":")]
    except (json.JSONDecodeError, KeyError, IndexError, AttributeError, ValueError):
        raise TraceError(
            f'{path}: expected {{{cluster!r}: ["v100:p100:k80"]}} with GPU counts'
        ) from None
    if len(counts) != len(GAVEL_WORKER_TYPES) or min(counts) < 0 or sum(counts) == 0:
        raise TraceError(f"{path}: cluster spec {spec!r} must be three counts v100:p100:k80")
    return dict(zip(GAVEL_WORKER_TYPES, counts, strict=True))


def steps_per_s(throughputs: dict[tuple[str, int], float], job_type: str, gpus: int) -> float:
    """V100 throughput of ``job_type`` at the largest profiled scale factor <= ``gpus``."""
    profiled = [s for (t, s) in throughputs if t == job_type and s <= gpus]
    if not profiled:
        raise KeyError(job_type)
    return throughputs[(job_type, max(profiled))]


def read_gavel_trace(
    path: Path, throughputs: dict[tuple[str, int], float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(arrival_s, duration_s on a V100, GPUs) of every job of one VC trace file."""
    if not path.is_file():
        raise TraceError(f"trace file not found: {path}")
    arrival, duration, gpus = [], [], []
    with path.open(encoding="utf-8") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            fields = text.rstrip("\n").split("\t")
            if len(fields) != TRACE_FIELDS:
                raise TraceError(
                    f"{path}:{line}: expected {TRACE_FIELDS} tab-separated fields (job type, "
                    f"command, steps arg, needs data dir, steps, arrival s, GPUs), got "
                    f"{len(fields)}"
                )
            job_type = fields[0]
            try:
                steps, arrived, scale = int(fields[4]), float(fields[5]), int(fields[6])
            except ValueError:
                raise TraceError(
                    f"{path}:{line}: steps and GPUs must be integers and arrival a number, got "
                    f"{fields[4]!r}, {fields[6]!r}, {fields[5]!r}"
                ) from None
            if scale < 1 or steps < 1 or not np.isfinite(arrived) or arrived < 0:
                raise TraceError(f"{path}:{line}: GPUs and steps must be >= 1 and arrival >= 0 s")
            try:
                rate = steps_per_s(throughputs, job_type, scale)
            except KeyError:
                raise TraceError(
                    f"{path}:{line}: job type {job_type!r} has no V100 throughput"
                ) from None
            arrival.append(arrived)
            duration.append(steps / rate)
            gpus.append(scale)
    return np.array(arrival), np.array(duration), np.array(gpus, np.int64)


class GavelPhillyReader:
    """``--trace philly``: 15 Philly VCs' jobs (Gavel, seed 0) on Gavel's 500-V100 cluster.

    ``--workload all`` replays every VC at once (a tenant each); a VC's id replays it alone.
    """

    name = "philly"

    def __init__(
        self,
        folder: Path | None = None,
        cluster_spec: str = "cluster_specs.json",
        gpus_per_server: int = 1,
    ) -> None:
        self.folder = folder or traces_dir() / "gavel-philly"
        self.cluster_spec = cluster_spec
        self.gpus_per_server = gpus_per_server

    def vcs(self) -> tuple[str, ...]:
        """The VC ids present (file stems under ``seed0/``)."""
        return tuple(sorted(p.stem for p in (self.folder / "seed0").glob("*.trace")))

    def workloads(self) -> tuple[str, ...]:
        return (ALL_VCS, *self.vcs())

    def load(self, workload: str = "default") -> Trace:
        raise TraceError(
            "trace 'philly' has jobs with run times, not a pod list: it is replayed in time "
            "(gigawatt simulate --trace philly --policy fifo), not packed"
        )

    def load_jobs(self, workload: str = ALL_VCS) -> JobTrace:
        """Jobs of one VC or all (``workload``), on the cluster spec's GPUs; see the module."""
        workload = ALL_VCS if workload == "default" else workload  # the CLI's default
        if workload not in self.workloads():
            raise TraceError(
                f"philly has no VC {workload!r} (known: {', '.join(self.workloads())})"
            )
        vcs = self.vcs() if workload == ALL_VCS else (workload,)
        throughputs = read_throughputs(self.folder / "v100_throughputs.csv")
        gpus_by_type = read_cluster_spec(self.folder / self.cluster_spec)
        blocks = [
            HallBlock("philly", worker, worker, count // self.gpus_per_server,
                      self.gpus_per_server, 1, 0.0)
            for worker, count in gpus_by_type.items()
            if count // self.gpus_per_server
        ]  # fmt: skip
        fleet = build_fleet(blocks)
        parts = [read_gavel_trace(self.folder / "seed0" / f"{vc}.trace", throughputs) for vc in vcs]
        arrival = np.concatenate([p[0] for p in parts])
        duration = np.concatenate([p[1] for p in parts])
        gpus = np.concatenate([p[2] for p in parts])
        tenant = np.repeat(np.arange(len(vcs), dtype=np.int64), [len(p[0]) for p in parts])
        gpu_s = np.array([float((p[1] * p[2]).sum()) for p in parts])
        jobs = recorded_jobs(tuple(vcs), gpu_s, fleet.types, tenant, gpus, arrival, duration)
        return JobTrace(
            trace=self.name,
            workload=workload,
            fleet=fleet,
            jobs=jobs,
            horizon_s=drain_horizon_s(jobs, fleet.total_accelerators),
            notes=(
                "run time = steps / Gavel's V100 throughput (largest profiled scale factor)",
                f"{self.gpus_per_server} GPU(s) per server, as Gavel's simulator defaults",
                "VC entitlement = its share of the trace's GPU-hours (ASSUMED)",
            ),
        )

    def info(self) -> TraceInfo:
        loaded = self.load_jobs(ALL_VCS)
        jobs = loaded.jobs
        sizes, counts = np.unique(jobs.accelerators, return_counts=True)
        mix = ", ".join(f"{s}: {c:,}" for s, c in zip(sizes.tolist(), counts.tolist(), strict=True))
        return TraceInfo(
            name=self.name,
            title="Philly-derived per-VC job traces (Gavel, seed 0)",
            source="github.com/stanford-futuredata/gavel scheduler/traces/msr/ (OSDI'20)",
            license="MIT (LICENSE-MIT beside the files)",
            folder=self.folder,
            workloads=self.workloads(),
            facts={
                "kind": "jobs: arrival, GPUs, run time (time-based replay)",
                "cluster": ", ".join(
                    f"{t} x{n}" for t, n in loaded.fleet.accelerators_by_type().items()
                ),
                "jobs / VCs": f"{jobs.count:,} / {len(jobs.tenants)}",
                "GPUs per job (count)": mix,
                "run time on a V100 (median / mean)": (
                    f"{np.median(jobs.duration_s) / 3600:,.1f} h / "
                    f"{jobs.duration_s.mean() / 3600:,.1f} h"
                ),
                "arrivals span": f"{jobs.arrival_s.max() / 86_400:,.1f} days",
            },
        )


@register_trace("philly")
def _philly() -> GavelPhillyReader:
    return GavelPhillyReader()
