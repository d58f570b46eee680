"""One API over every trace: a reader per dataset, found by name (``--trace openb``).

A reader turns files kept in ``data/traces/<name>/`` into the core's arrays (`NodeSpecs`,
`PodSpecs`). Readers are an edge: they read files; nothing below them does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from gigawatt.datafiles import data_dir
from gigawatt.fgd.nodes import NodeSpecs
from gigawatt.fgd.pods import PodSpecs
from gigawatt.fleet.topology import Fleet
from gigawatt.sched.jobs import WHOLE_MILLI, JobTable
from gigawatt.workload.generators import RateShape


class TraceError(Exception):
    """A trace or workload cannot be read (unknown name, missing or malformed file)."""


@dataclass(frozen=True)
class Trace:
    """A cluster and a pod list from one trace workload."""

    trace: str
    workload: str
    nodes: NodeSpecs
    pods: PodSpecs


@dataclass(frozen=True)
class TraceInfo:
    """What ``gigawatt traces show`` prints about a trace."""

    name: str
    title: str
    source: str
    license: str
    folder: Path
    workloads: tuple[str, ...]
    facts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class JobTrace:
    """A trace ready for time-based replay: the fleet it ran on (or a stated stand-in), its
    jobs (tenants, GPUs, arrival and run time in seconds from the trace start) and a horizon
    long enough to drain them; ``notes`` are the assumptions the reader made, for people."""

    trace: str
    workload: str
    fleet: Fleet
    jobs: JobTable
    horizon_s: float
    notes: tuple[str, ...] = ()


class TraceReader(Protocol):
    """Reads one dataset. ``load`` returns its cluster and the pods of one workload variant
    (arrival-only packing); a trace without pods raises `TraceError` naming what it offers."""

    name: str

    def info(self) -> TraceInfo: ...

    def load(self, workload: str = "default") -> Trace: ...


@runtime_checkable
class JobTraceReader(Protocol):
    """The optional capability of a trace with arrivals and run times: time-based replay."""

    name: str

    def load_jobs(self, workload: str = "all") -> JobTrace: ...


@runtime_checkable
class DemandShapeReader(Protocol):
    """The optional capability of an inference trace: a demand shape for the generators."""

    name: str

    def demand_shape(self, service: str = ..., bin_s: float = 60.0) -> RateShape: ...


def drain_horizon_s(jobs: JobTable, accelerators: int) -> float:
    """A horizon (s) by which a work-conserving scheduler has run every job: the last job's own
    end (arrival + run time) plus the time ``accelerators`` need for all the work at once."""
    if jobs.count == 0:
        return 0.0
    last_end = float((jobs.arrival_s + jobs.duration_s).max())
    work_s = float(jobs.accelerator_seconds().sum()) / max(accelerators, 1)
    return float(np.ceil(last_end + work_s))


_READERS: dict[str, Callable[[], TraceReader]] = {}


def recorded_jobs(
    tenants: tuple[str, ...],
    tenant_gpu_s: np.ndarray,
    types: tuple[str, ...],
    tenant: np.ndarray,
    gpus: np.ndarray,
    arrival_s: np.ndarray,
    duration_s: np.ndarray,
    cpu_milli: np.ndarray | None = None,
    memory_mib: np.ndarray | None = None,
) -> JobTable:
    """A trace's recorded jobs as a `JobTable` sorted by arrival: whole-GPU gangs of any type
    whose estimate is their recorded run time and that never checkpoint; each tenant's fair-share
    weight is its share of the trace's GPU-seconds (``tenant_gpu_s``)."""
    count = len(arrival_s)
    extra: dict[str, np.ndarray] = {}
    if cpu_milli is not None:
        extra["cpu_milli"] = cpu_milli
    if memory_mib is not None:
        extra["memory_mib"] = memory_mib
    return JobTable(
        tenants=tenants,
        tenant_weight=np.maximum(tenant_gpu_s / max(float(tenant_gpu_s.sum()), 1.0), 1e-9),
        types=types,
        tenant=tenant,
        accelerators=gpus,
        gpu_milli=np.full(count, WHOLE_MILLI, np.int64),
        allowed=np.zeros(count, np.int64),
        gang=np.ones(count, bool),
        priority=np.zeros(count, np.int64),
        arrival_s=arrival_s,
        duration_s=duration_s,
        estimate_s=duration_s.copy(),
        checkpoint_s=np.full(count, np.inf),
        **extra,
    ).sorted_by_arrival()


def register_trace(name: str) -> Callable[[Callable[[], TraceReader]], Callable[[], TraceReader]]:
    """Decorator: make a reader factory available as ``--trace <name>``."""

    def add(factory: Callable[[], TraceReader]) -> Callable[[], TraceReader]:
        _READERS[name] = factory
        return factory

    return add


def trace_names() -> tuple[str, ...]:
    return tuple(sorted(_READERS))


def get_trace(name: str) -> TraceReader:
    """The reader registered as ``name``; `TraceError` lists the known names otherwise."""
    try:
        factory = _READERS[name]
    except KeyError:
        known = ", ".join(trace_names()) or "none"
        raise TraceError(f"unknown trace {name!r} (known: {known})") from None
    return factory()


def job_trace_reader(name: str) -> JobTraceReader:
    """The reader ``name`` if it can replay jobs in time; `TraceError` otherwise."""
    reader = get_trace(name)
    if not isinstance(reader, JobTraceReader):
        replayable = ", ".join(n for n in trace_names() if isinstance(get_trace(n), JobTraceReader))
        raise TraceError(
            f"trace {name!r} has no job arrivals and run times to replay "
            f"(replayable: {replayable or 'none'})"
        )
    return reader


def load_demand_shape(spec: str) -> RateShape:
    """``"azure-llm-2023:conv"`` -> that trace's demand shape (its default part without
    ``:part``); `TraceError` if the trace has none."""
    name, _, part = spec.partition(":")
    reader = get_trace(name)
    if not isinstance(reader, DemandShapeReader):
        shaped = ", ".join(n for n in trace_names() if isinstance(get_trace(n), DemandShapeReader))
        raise TraceError(
            f"trace {name!r} has no demand shape (traces with one: {shaped or 'none'})"
        )
    return reader.demand_shape(part) if part else reader.demand_shape()


def traces_dir() -> Path:
    """``data/traces`` of the checkout holding this package."""
    try:
        return data_dir("traces", "PROVENANCE.md")
    except FileNotFoundError as exc:
        raise TraceError(str(exc)) from None
