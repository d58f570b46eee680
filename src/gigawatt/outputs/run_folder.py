"""Reading an output folder back (``gigawatt compare``): what `gigawatt run --out` or
`gigawatt simulate SCENARIO --out` wrote, as tables (``summary.json``, ``timeline.csv``,
``simulate/series.csv`` or ``series.csv``, ``finance_monthly.csv``)."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gigawatt.outputs.replay import read_series


@dataclass(frozen=True)
class RunOutputs:
    """What one output folder holds, as tables: `kind` is "run" (`gigawatt run`) or
    "simulate" (`gigawatt simulate SCENARIO --out`); a table is None when the folder has none.
    `capacity`: month -> accelerators online; `series`: series.csv's columns;
    `cash`: month -> free cash flow (USD)."""

    label: str
    kind: str
    summary: dict[str, Any]
    capacity: dict[str, float] | None
    series: dict[str, list[float]] | None
    cash: dict[str, float] | None


class RunFolderError(ValueError):
    """A folder that is missing or is not a `gigawatt run` / `simulate --out` output."""


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_run_folder(folder: Path, label: str | None = None) -> RunOutputs:
    """The tables of one output folder; raises `RunFolderError` with one readable line when
    the folder is missing, has no readable summary.json, or is not a run/simulate output."""
    if not folder.exists():
        raise RunFolderError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise RunFolderError(f"{folder}: not a folder (give the --out folder of gigawatt run)")
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        raise RunFolderError(
            f"{folder}: no summary.json here: not an output folder of `gigawatt run` or "
            "`gigawatt simulate SCENARIO --out`"
        )
    try:
        summary: Any = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RunFolderError(f"{summary_path}: not readable JSON ({exc})") from None
    if isinstance(summary, dict) and "headlines" in summary and "plan" in summary:
        kind = "run"
        series_path = folder / "simulate" / "series.csv"
    elif isinstance(summary, dict) and {"utilization", "tenants", "groups"} <= set(summary):
        kind = "simulate"
        series_path = folder / "series.csv"
    else:
        raise RunFolderError(
            f"{summary_path}: not the summary of `gigawatt run` (no headlines and plan) nor of "
            "`gigawatt simulate SCENARIO --out` (no utilization, tenants and groups)"
        )
    try:
        capacity = None
        if (folder / "timeline.csv").is_file():
            by_month: dict[str, float] = defaultdict(float)
            for row in _rows(folder / "timeline.csv"):
                by_month[row["month"]] += float(row["accelerators"])
            capacity = dict(sorted(by_month.items()))
        cash = None
        if (folder / "finance_monthly.csv").is_file():
            cash = {
                row["month"]: float(row["free_cash_flow_usd"] or 0.0)
                for row in _rows(folder / "finance_monthly.csv")
            }
        series = read_series(series_path) if series_path.is_file() else None
    except (OSError, KeyError, ValueError) as exc:
        raise RunFolderError(f"{folder}: a table does not read ({exc})") from None
    name = summary.get("name") if kind == "run" else None
    return RunOutputs(
        label=label or folder.name or str(name),
        kind=kind,
        summary=summary,
        capacity=capacity,
        series=series,
        cash=cash,
    )
