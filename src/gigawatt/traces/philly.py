"""The Philly-like research mix on disk (`data/traces/philly/`): sizes and run-time summary."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from gigawatt.traces.reader import traces_dir
from gigawatt.workload.generators import ResearchMix


def load_research_mix(folder: Path | None = None) -> ResearchMix:
    """Philly job sizes (Gavel's traces, counted) and run times (Acme summary's Philly row)."""
    base = (folder or traces_dir()) / "philly"
    with (base / "size_mix.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with (base / "durations.csv").open(encoding="utf-8") as handle:
        summary = next(r for r in csv.DictReader(handle) if r["cluster"] == "Philly")
    return ResearchMix(
        sizes=np.array([int(r["accelerators"]) for r in rows], np.int64),
        weights=np.array([float(r["jobs"]) for r in rows]),
        median_s=float(summary["median_run_s"]),
        mean_s=float(summary["mean_run_s"]),
        max_s=float(summary["max_run_s"]),
    )
