"""``gigawatt catalog``: the bundled catalog, every number with its source (an edge: prints)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from gigawatt.cli.console import console, fail
from gigawatt.cli.plan_tables import titled_table


def show_catalog(
    section: Annotated[
        str, typer.Argument(help="accelerators, regions, cost or supply.")
    ] = "accelerators",
    sources: Annotated[bool, typer.Option(help="Show each value's source and date.")] = False,
) -> None:
    """List the bundled catalog (every number has a source: --sources shows them)."""
    from gigawatt.catalog import Sourced, load_catalog

    catalog = load_catalog()
    entries: dict[str, Any]
    if section == "accelerators":
        entries = dict(catalog.accelerators)
    elif section == "regions":
        entries = dict(catalog.regions)
    elif section == "cost":
        entries = {"cost": catalog.cost}
    elif section == "supply":
        entries = {str(y): v for y, v in catalog.supply.items()}
    else:
        raise fail(
            f"unknown catalog section {section!r}; expected accelerators, regions, cost or supply"
        )

    def number(value: float) -> str:
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"

    if not sources and len(entries) > 1:
        names = [n for n, v in next(iter(entries.values())) if isinstance(v, Sourced)]
        table = titled_table(f"Catalog: {section} (--sources for provenance)", ["id", *names])
        for key, entry in entries.items():
            table.add_row(key, *(number(getattr(entry, n).value) for n in names))
        console.print(table)
        return
    for key, entry in entries.items():
        table = titled_table(
            f"{section}: {key}", ["field", "value", *(["source", "date"] if sources else [])]
        )
        table.columns[-2 if sources else -1].justify = "left" if sources else "right"
        for name, value in entry:
            if not isinstance(value, Sourced):
                continue
            row = [name, number(value.value)]
            if sources:
                row += [value.source, value.date]
            table.add_row(*row)
        console.print(table)
