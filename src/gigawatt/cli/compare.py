"""``gigawatt compare A B``: two output folders of `gigawatt run` (or `gigawatt simulate
SCENARIO --out`) side by side, e.g. two policies or two plans (an edge: reads the folders'
files, writes ``compare.html`` and ``compare.json``). The page itself is built by
`gigawatt.report.run_compare`."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from gigawatt.cli.console import console
from gigawatt.cli.console import fail as _fail
from gigawatt.outputs.replay import read_series
from gigawatt.report.files import write_json_atomic, write_text_atomic
from gigawatt.report.run_compare import (
    RunOutputs,
    compare_json,
    compare_metrics,
    render_run_compare,
    show_delta,
    show_value,
)


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


def compare(
    a: Annotated[Path, typer.Argument(help="First output folder (of gigawatt run or simulate).")],
    b: Annotated[Path, typer.Argument(help="Second output folder.")],
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write compare.html and compare.json here (default: A's parent / "
            "compare-<A>-vs-<B>)."
        ),
    ] = None,
    label_a: Annotated[
        str | None, typer.Option(help="Name of A on the page (default: folder).")
    ] = None,
    label_b: Annotated[
        str | None, typer.Option(help="Name of B on the page (default: folder).")
    ] = None,
) -> None:
    """Two runs side by side: headline numbers with the change from A to B, and capacity,
    utilization, queue, cash and waits overlaid, in one offline compare.html."""
    try:
        run_a = read_run_folder(a, label_a)
        run_b = read_run_folder(b, label_b)
    except RunFolderError as exc:
        raise _fail(str(exc)) from None
    if run_a.label == run_b.label:  # e.g. runs/x/a vs other/x/a: keep the page readable
        run_a = replace(run_a, label=f"{run_a.label} (A)")
        run_b = replace(run_b, label=f"{run_b.label} (B)")
    target = out if out is not None else a.resolve().parent / f"compare-{a.name}-vs-{b.name}"
    paths = (str(a), str(b))
    data = compare_json(run_a, run_b, paths)
    write_json_atomic(target / "compare.json", data)
    write_text_atomic(target / "compare.html", render_run_compare(run_a, run_b, paths))
    table = Table(title=f"{run_a.label} vs {run_b.label}", title_justify="left")
    for header in ("number", f"A: {run_a.label}", f"B: {run_b.label}", "change B - A"):
        table.add_column(header, justify="left" if header == "number" else "right")
    for m in compare_metrics(run_a, run_b):
        table.add_row(m.label, show_value(m.a, m.unit), show_value(m.b, m.unit), show_delta(m))
    console.print(table)
    console.print(f"wrote {target}/compare.html and compare.json", highlight=False)
