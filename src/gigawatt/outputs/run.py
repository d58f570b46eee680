"""``gigawatt run``'s ``summary.json``: its ``simulate`` section from the replay in memory,
and the file itself (JSON-ready: dates as text, non-finite numbers as null; atomic)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from gigawatt.outputs.files import json_ready, write_json_atomic
from gigawatt.pipeline import Simulation
from gigawatt.workload.tenants import tenant_kinds


def simulation_section(simulation: Simulation) -> dict[str, Any]:
    """summary.json's ``simulate`` section: the replay summary, its seconds, the tenants'
    kinds of work, the settings and the job facts the report's notes read."""
    options = simulation.options
    return asdict(simulation.summary) | {
        "replay_seconds": simulation.replay_seconds,
        "tenant_kinds": tenant_kinds(simulation.workload),
        "settings": {
            "queue": options.queue,
            "placement": options.placement,
            "months": options.months,
            "seed": options.seed,
            "contracts": options.contracts,
            "sample_hours": options.sample_hours,
            "failures": options.failures,
        },
        "whole_node_jobs": simulation.whole_node_jobs,
        "min_job_accelerators": simulation.min_job_accelerators,
    }


def write_run_summary(folder: Path, summary: dict[str, Any]) -> Path:
    """``summary.json`` in ``folder``: ``summary`` with dates and other values as text and
    non-finite numbers as null; returns its path."""
    path = folder / "summary.json"
    write_json_atomic(path, json_ready(json.loads(json.dumps(summary, default=str))))
    return path
