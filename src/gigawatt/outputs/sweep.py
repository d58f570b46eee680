"""A sweep's files: ``samples.parquet`` (every sample's inputs and outputs; CSV without
pyarrow) and ``sweep.json`` (the summary); and the reader `gigawatt run` uses to chart a
sweep written into its folder (``<run>/sweep/sweep.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gigawatt.outputs.files import json_ready, write_csv_atomic, write_json_atomic


def write_samples(path: Path, rows: list[dict[str, float]]) -> Path:
    """Samples as Parquet (pyarrow), or CSV when pyarrow is not installed, written atomically.
    Returns the path written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import pyarrow as pa  # type: ignore[import-not-found,import-untyped,unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        target = path.with_suffix(".csv")
        write_csv_atomic(target, list(rows[0]), ([r[k] for k in rows[0]] for r in rows))
        return target
    table = pa.Table.from_pylist(rows)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)
    return path


def write_sweep_summary(folder: Path, summary: dict[str, Any]) -> Path:
    """``sweep.json`` in ``folder`` (non-finite numbers as null); returns its path."""
    path = folder / "sweep.json"
    write_json_atomic(path, json_ready(summary))
    return path


def read_sweep_summary(folder: Path) -> dict[str, Any] | None:
    """``folder/sweep.json`` when a sweep was written there, else None (absent, unreadable,
    or not a sweep summary)."""
    try:
        data = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "npv_usd" in data else None
