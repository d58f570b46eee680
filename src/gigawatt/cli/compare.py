"""``gigawatt compare A B``: two output folders of `gigawatt run` (or `gigawatt simulate
SCENARIO --out`) side by side, e.g. two policies or two plans (an edge: reads the folders'
files, writes ``compare.html`` and ``compare.json``). The page itself is built by
`gigawatt.report.run_compare`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gigawatt.cli.console import console
from gigawatt.cli.console import fail as _fail
from gigawatt.outputs.files import write_json_atomic, write_text_atomic
from gigawatt.outputs.run_folder import RunFolderError, read_run_folder
from gigawatt.report.run_compare import (
    compare_json,
    compare_metrics,
    render_run_compare,
    show_delta,
    show_value,
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
