"""Trace readers (an edge: file I/O), registered by name."""

from gigawatt.traces import openb as _openb  # noqa: F401  (registers "openb")
from gigawatt.traces.reader import (
    Trace,
    TraceError,
    TraceInfo,
    TraceReader,
    get_trace,
    register_trace,
    trace_names,
    traces_dir,
)

__all__ = [
    "Trace",
    "TraceError",
    "TraceInfo",
    "TraceReader",
    "get_trace",
    "register_trace",
    "trace_names",
    "traces_dir",
]
