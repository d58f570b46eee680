"""Alibaba v2025 disaggregated DLRM inference instances (``--trace alibaba-v2025-dlrm``).

Source: github.com/alibaba/clusterdata ``cluster-trace-v2025`` (Yang et al., "GPU-Disaggregated
Serving for Deep Learning Recommendation Models at Scale", NSDI'25); ``README-upstream.md``
beside the file describes the columns. 23,871 long-running, latency-sensitive instances of 156
services: 16,485 CPU-node (CN, no GPU) and 7,386 GPU-node (HN, 1 GPU each) instances; times are
seconds from the trace start, empty when outside the trace.

Replayed as jobs (HN instances, the ones holding GPUs): arrival = ``creation_time`` (empty: it
existed before the trace, arrival 0), run time = ``deletion_time`` - arrival (empty: still alive
at the trace end, runs to the last timestamp of the file). CN instances take no GPU and are
counted but not replayed. The file has no node list: the stand-in cluster is 8-GPU servers
(ASSUMED; the densest service allows 8 instances per node), as many as the peak number of GPU
instances alive at once needs (``all``), or F times that (``all@0.9``: queueing appears).
Tenants are the 9 services with the most GPU-hours plus "other".
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.traces.reader import (
    JobTrace,
    Trace,
    TraceError,
    TraceInfo,
    recorded_jobs,
    register_trace,
    traces_dir,
)

TRACE_FILE = "disaggregated_DLRM_trace.csv"
GPUS_PER_SERVER = 8
TOP_SERVICES = 9
COLUMNS = ("instance_sn", "role", "app_name", "cpu_request", "gpu_request", "memory_request",
           "creation_time", "deletion_time")  # fmt: skip


def _time(text: str) -> float:
    return float(text) if text.strip() else math.nan


def read_dlrm_instances(path: Path) -> dict[str, np.ndarray]:
    """Columns of the DLRM trace as arrays: role, app, cpu (vCPU), gpu, memory (GiB),
    creation_s and deletion_s (NaN when empty); `TraceError` names file and line."""
    if not path.is_file():
        raise TraceError(f"trace file not found: {path}")
    role, app, cpu, gpu, memory, created, deleted = [], [], [], [], [], [], []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise TraceError(f"{path}:1: missing column {missing[0]!r}")
        for line, row in enumerate(reader, start=2):
            try:
                cpu.append(float(row["cpu_request"]))
                gpu.append(int(float(row["gpu_request"])))
                memory.append(float(row["memory_request"]))
                created.append(_time(row["creation_time"]))
                deleted.append(_time(row["deletion_time"]))
            except (TypeError, ValueError):
                raise TraceError(
                    f"{path}:{line}: cpu, gpu and memory requests must be numbers and times "
                    "numbers or empty"
                ) from None
            if row["role"] not in ("CN", "HN") or gpu[-1] < 0:
                raise TraceError(f"{path}:{line}: role must be CN or HN and gpu_request >= 0")
            if created[-1] > deleted[-1]:
                raise TraceError(f"{path}:{line}: deletion_time is before creation_time")
            role.append(row["role"])
            app.append(row["app_name"])
    return {
        "role": np.array(role),
        "app": np.array(app),
        "cpu": np.array(cpu),
        "gpu": np.array(gpu, np.int64),
        "memory_gib": np.array(memory),
        "creation_s": np.array(created),
        "deletion_s": np.array(deleted),
    }


def peak_concurrent(arrival_s: np.ndarray, end_s: np.ndarray, weight: np.ndarray) -> int:
    """Most ``weight`` alive at once over intervals [arrival, end) (ends before starts on ties)."""
    times = np.concatenate([end_s, arrival_s])
    deltas = np.concatenate([-weight, weight])
    order = np.lexsort((deltas, times))
    return int(np.cumsum(deltas[order]).max()) if len(order) else 0


class AlibabaDlrmReader:
    """``--trace alibaba-v2025-dlrm``: GPU inference instances replayed as jobs."""

    name = "alibaba-v2025-dlrm"

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or traces_dir() / "alibaba-v2025-dlrm"

    def workloads(self) -> tuple[str, ...]:
        return ("all", "all@F (cluster of F x the peak)")

    def load(self, workload: str = "default") -> Trace:
        raise TraceError(
            "trace 'alibaba-v2025-dlrm' has instance lifetimes, not a pod list: it is replayed "
            "in time (gigawatt simulate --trace alibaba-v2025-dlrm --policy fifo)"
        )

    def load_jobs(self, workload: str = "all") -> JobTrace:
        """The GPU instances as jobs on a stand-in cluster (``all``: as big as the peak;
        ``all@F``: F x the peak); see the module docstring."""
        base, _, scale_text = workload.partition("@")
        try:
            scale = float(scale_text) if scale_text else 1.0
        except ValueError:
            scale = -1.0
        if base not in ("all", "default") or not 0.0 < scale <= 10.0:
            raise TraceError(
                f"alibaba-v2025-dlrm has no workload {workload!r} (known: all, or all@F for a "
                "cluster of F x the peak, e.g. all@0.9)"
            )
        cols = read_dlrm_instances(self.folder / TRACE_FILE)
        times = np.concatenate([cols["creation_s"], cols["deletion_s"]])
        end_of_trace_s = float(np.nanmax(times))
        gpu = cols["gpu"] > 0
        arrival = np.nan_to_num(cols["creation_s"][gpu], nan=0.0)
        end = np.nan_to_num(cols["deletion_s"][gpu], nan=end_of_trace_s)
        duration = end - arrival
        gpus = cols["gpu"][gpu]
        apps = cols["app"][gpu]
        names, app_index = np.unique(apps, return_inverse=True)
        gpu_s = np.bincount(app_index, weights=duration * gpus, minlength=len(names))
        top = np.argsort(-gpu_s, kind="stable")[:TOP_SERVICES]
        tenants = [str(names[i]) for i in top]
        tenant_of_app = np.full(len(names), len(tenants), np.int64)
        tenant_of_app[top] = np.arange(len(top))
        has_other = len(names) > len(top)
        tenants += ["other"] if has_other else []
        tenant = tenant_of_app[app_index]
        weight = np.bincount(tenant, weights=duration * gpus, minlength=len(tenants))
        peak = peak_concurrent(arrival, end, gpus)
        servers = max(1, math.ceil(scale * peak / GPUS_PER_SERVER))
        fleet = build_fleet([HallBlock("alibaba", "hn", "gpu", servers, GPUS_PER_SERVER, 1, 0.0)])
        jobs = recorded_jobs(
            tuple(tenants),
            weight,
            fleet.types,
            tenant,
            gpus,
            arrival,
            duration,
            np.round(cols["cpu"][gpu] * 1000).astype(np.int64),
            np.round(cols["memory_gib"][gpu] * 1024).astype(np.int64),
        )
        return JobTrace(
            trace=self.name,
            workload="all" if scale == 1.0 else f"all@{scale:g}",
            fleet=fleet,
            jobs=jobs,
            horizon_s=end_of_trace_s,
            notes=(
                f"{int((~gpu).sum()):,} CPU-only (CN) instances not replayed",
                f"stand-in cluster: {servers} servers x {GPUS_PER_SERVER} GPUs = {scale:g} x the "
                f"peak of GPU instances alive at once, {peak:,} (ASSUMED)",
                "instances alive before the trace arrive at 0; alive at its end run to it",
            ),
        )

    def info(self) -> TraceInfo:
        cols = read_dlrm_instances(self.folder / TRACE_FILE)
        loaded = self.load_jobs()
        hn = cols["role"] == "HN"
        life_h = loaded.jobs.duration_s / 3600
        return TraceInfo(
            name=self.name,
            title="Alibaba v2025 disaggregated DLRM inference instances",
            source="github.com/alibaba/clusterdata cluster-trace-v2025 (NSDI'25)",
            license="no license file upstream; see LICENSE-NOTE.md beside the file",
            folder=self.folder,
            workloads=self.workloads(),
            facts={
                "kind": "instances: creation, deletion, CPU/GPU/memory (time-based replay)",
                "instances (GPU HN / CPU CN)": f"{int(hn.sum()):,} / {int((~hn).sum()):,}",
                "services": f"{len(np.unique(cols['app'])):,}",
                "trace span": f"{loaded.horizon_s / 86_400:,.1f} days",
                "GPU instance life in trace (median)": f"{np.median(life_h):,.1f} h",
                "stand-in cluster": f"{loaded.fleet.total_accelerators:,} GPUs "
                f"({loaded.fleet.node_count} x {GPUS_PER_SERVER})",
            },
        )


@register_trace("alibaba-v2025-dlrm")
def _dlrm() -> AlibabaDlrmReader:
    return AlibabaDlrmReader()
