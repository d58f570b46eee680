"""Trace readers (an edge: file I/O), registered by name."""

from gigawatt.traces import alibaba_dlrm as _alibaba_dlrm  # noqa: F401  (alibaba-v2025-dlrm)
from gigawatt.traces import azure_llm as _azure_llm  # noqa: F401  (azure-llm-2023)
from gigawatt.traces import gavel_philly as _gavel_philly  # noqa: F401  (philly)
from gigawatt.traces import openb as _openb  # noqa: F401  (registers "openb")
from gigawatt.traces.reader import (
    DemandShapeReader,
    JobTrace,
    JobTraceReader,
    Trace,
    TraceError,
    TraceInfo,
    TraceReader,
    drain_horizon_s,
    get_trace,
    job_trace_reader,
    load_demand_shape,
    register_trace,
    trace_names,
    traces_dir,
)

__all__ = [
    "DemandShapeReader",
    "JobTrace",
    "JobTraceReader",
    "Trace",
    "TraceError",
    "TraceInfo",
    "TraceReader",
    "drain_horizon_s",
    "get_trace",
    "job_trace_reader",
    "load_demand_shape",
    "register_trace",
    "trace_names",
    "traces_dir",
]
