"""Arrival-only packing runs (``gigawatt simulate --trace openb``) as files: ``curves.csv``
(one row per run and metric, one column per arrived percent 0..130) and ``summary.json``
(one row per policy)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np


class PackingRun(Protocol):
    """One (policy, seed) run's curves, as `curves.csv` needs them."""

    @property
    def trace(self) -> str: ...
    @property
    def workload(self) -> str: ...
    @property
    def policy(self) -> str: ...
    @property
    def seed(self) -> int: ...
    @property
    def allocation(self) -> np.ndarray: ...
    @property
    def frag_amount(self) -> np.ndarray: ...
    @property
    def frag_ratio(self) -> np.ndarray: ...


def write_packing_outputs(
    out: Path, runs: Sequence[PackingRun], rows: list[dict[str, float | str | int]]
) -> list[Path]:
    """``curves.csv`` (one row per run and metric, columns 0..130) and ``summary.json``."""
    out.mkdir(parents=True, exist_ok=True)
    header = ["trace", "workload", "policy", "seed", "metric", *[str(p) for p in range(131)]]
    lines = [",".join(header)]
    for r in runs:
        for metric, values in (
            ("allocation", r.allocation),
            ("frag_amount", r.frag_amount),
            ("frag_ratio", r.frag_ratio),
        ):
            cells = ["" if np.isnan(v) else f"{v:.4f}" for v in values.tolist()]
            lines.append(",".join([r.trace, r.workload, r.policy, str(r.seed), metric, *cells]))
    (out / "curves.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    clean = [
        {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
        for row in rows
    ]
    (out / "summary.json").write_text(
        json.dumps({"policies": clean}, indent=2) + "\n", encoding="utf-8"
    )
    return [out / "curves.csv", out / "summary.json"]
