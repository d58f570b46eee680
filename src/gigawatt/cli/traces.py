"""``gigawatt traces list`` and ``traces show NAME``: the cluster traces gigawatt reads (an
edge: reads the trace folders, prints)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from gigawatt.cli.console import console
from gigawatt.cli.console import fail as _fail
from gigawatt.traces import (
    TraceError,
    get_trace,
    trace_names,
)

traces_app = typer.Typer(help="List and describe the bundled cluster traces.", no_args_is_help=True)


@traces_app.command("list")
def traces_list() -> None:
    """The traces gigawatt can read."""
    table = Table(title="Traces", title_justify="left")
    for column in ("name", "title", "workloads", "license"):
        table.add_column(column)
    for name in trace_names():
        try:
            info = get_trace(name).info()
        except TraceError as exc:  # a missing or malformed file: say so, list the others
            table.add_row(name, f"[red]cannot read: {escape(str(exc))}[/red]", "-", "-")
            continue
        table.add_row(name, info.title, str(len(info.workloads)), info.license)
    console.print(table)


@traces_app.command("show")
def traces_show(name: Annotated[str, typer.Argument(help="Trace name, e.g. openb.")]) -> None:
    """What a trace holds: cluster, pods, workload variants, source and license."""
    try:
        info = get_trace(name).info()
    except TraceError as exc:
        raise _fail(str(exc)) from None
    table = Table(title=info.title, title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in info.facts.items():
        table.add_row(key, value)
    table.add_row("workloads", ", ".join(info.workloads))
    table.add_row("source", info.source)
    table.add_row("license", info.license)
    table.add_row("files", str(info.folder))
    console.print(table)
