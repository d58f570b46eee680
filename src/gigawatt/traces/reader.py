"""One API over every trace: a reader per dataset, found by name (``--trace openb``).

A reader turns files kept in ``data/traces/<name>/`` into the core's arrays (`NodeSpecs`,
`PodSpecs`). Readers are an edge: they read files; nothing below them does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from gigawatt.datafiles import data_dir
from gigawatt.fleet.nodes import NodeSpecs
from gigawatt.sched.pods import PodSpecs


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


class TraceReader(Protocol):
    """Reads one dataset. ``load`` returns its cluster and the pods of one workload variant."""

    name: str

    def info(self) -> TraceInfo: ...

    def load(self, workload: str = "default") -> Trace: ...


_READERS: dict[str, Callable[[], TraceReader]] = {}


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


def traces_dir() -> Path:
    """``data/traces`` of the checkout holding this package."""
    try:
        return data_dir("traces", "PROVENANCE.md")
    except FileNotFoundError as exc:
        raise TraceError(str(exc)) from None
