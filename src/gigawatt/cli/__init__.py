"""The `gigawatt` command line (an edge: reads files, prints, writes outputs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from gigawatt.cli_console import console, fail, load_or_exit, print_error
from gigawatt.plan import plan_scenario, summarize
from gigawatt.plan.buildout import Buildout
from gigawatt.report.plan_terminal import _table, print_plan
from gigawatt.scenario import GigawattError, load_scenario, scenario_catalog
from gigawatt.scenario.months import parse_month

app = typer.Typer(
    name="gigawatt",
    help="Plan, simulate and operate AI compute fleets at gigawatt scale.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_print_error = print_error
_fail = fail
_load = load_or_exit


@app.command()
def validate(
    scenario: Annotated[list[Path], typer.Argument(help="Scenario YAML file(s) to check.")],
) -> None:
    """Check scenario files; print one clear error per bad file (exit code 2)."""
    bad = 0
    for path in scenario:
        try:
            s = load_scenario(path)
        except GigawattError as exc:
            _print_error(str(exc))
            bad += 1
            continue
        console.print(f"[green]ok[/] {path}: {len(s.sites)} sites, {len(s.contracts)} contracts")
    if bad:
        raise typer.Exit(code=2)


@app.command()
def plan(
    scenario: Annotated[list[Path], typer.Argument(help="Scenario YAML file(s).")],
    out: Annotated[
        Path | None,
        typer.Option(help="Write timeline.csv, capex.csv, summary.json, report.html here."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    optimize: Annotated[
        bool,
        typer.Option(
            help="Choose accelerator type and phasing per site "
            "(MILP) to maximize compute by --target."
        ),
    ] = False,
    target: Annotated[str | None, typer.Option(help="Target month YYYY-MM for --optimize.")] = None,
) -> None:
    """Plan one scenario (or add up several against national supply)."""
    scenarios = [_load(p) for p in scenario]
    results: list[tuple[Path, Buildout, dict[str, Any]]] = []
    optimized: list[dict[str, Any]] = []
    for path, s in zip(scenario, scenarios, strict=True):
        catalog = scenario_catalog(s)
        if optimize:
            from gigawatt.plan.optimize import optimize_scenario

            try:
                target_month = parse_month(target) if target else None
            except ValueError as exc:
                raise _fail(f"--target: {exc}") from None
            try:
                result = optimize_scenario(s, catalog, target=target_month)
            except GigawattError as exc:
                raise _fail(str(exc)) from None
            s = result.scenario
            optimized.append(_optimize_summary(result))
            if not as_json:
                print_optimize(optimized[-1])
        buildout = plan_scenario(s, catalog)
        summary = summarize(buildout)
        if optimize:
            summary["optimization"] = optimized[-1]
        results.append((path, buildout, summary))
    supply_report: dict[str, Any] | None = None
    if len(results) > 1:
        from gigawatt.plan.supply import check_supply

        supply_report = check_supply(
            [b for _, b, _ in results], scenarios, scenario_catalog(scenarios[0])
        )
    if as_json:
        payload: Any = (
            results[0][2]
            if len(results) == 1
            else {"programs": [r[2] for r in results], "supply": supply_report}
        )
        typer.echo(json.dumps(payload, indent=2))
    else:
        for _, buildout, summary in results:
            print_plan(console, buildout, summary)
        if supply_report is not None:
            print_supply(supply_report)
    if out is not None:
        from gigawatt.report.files import write_json_atomic
        from gigawatt.report.plan_files import write_plan_outputs

        for path, buildout, summary in results:
            target_dir = out if len(results) == 1 else out / path.stem
            written = write_plan_outputs(target_dir, buildout, summary)
            if not as_json:
                console.print(f"wrote {', '.join(str(p) for p in written)}")
        if supply_report is not None:
            write_json_atomic(out / "supply.json", supply_report)


@app.command("catalog")
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
        raise _fail(
            f"unknown catalog section {section!r}; expected accelerators, regions, cost or supply"
        )

    def number(value: float) -> str:
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"

    if not sources and len(entries) > 1:
        names = [n for n, v in next(iter(entries.values())) if isinstance(v, Sourced)]
        table = _table(f"Catalog: {section} (--sources for provenance)", ["id", *names])
        for key, entry in entries.items():
            table.add_row(key, *(number(getattr(entry, n).value) for n in names))
        console.print(table)
        return
    for key, entry in entries.items():
        table = _table(
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


def _optimize_summary(result: Any) -> dict[str, Any]:
    """The optimizer's answer as JSON-ready data (kept in summary.json under `optimization`)."""
    return {
        "target": result.target.strftime("%Y-%m"),
        "h100e_months": result.h100e_months,
        "budget_capex_usd": result.budget_capex_usd,
        "status": result.status,
        "binding": list(result.binding),
        "sites": [
            {
                "site_id": c.site_id,
                "accelerator": c.accelerator,
                "earliest_online": c.earliest_online.strftime("%Y-%m")
                if c.earliest_online
                else None,
                "earliest_reason": c.earliest_reason,
                "phases": [
                    {
                        "online": p.online.strftime("%Y-%m"),
                        "it_mw": p.it_mw,
                        "accelerators": p.accelerators,
                    }
                    for p in c.phases
                ],
            }
            for c in result.chosen
        ],
    }


def print_optimize(info: dict[str, Any]) -> None:
    """What the optimizer chose per site and which constraints bind."""
    table = _table(
        f"Optimized for H100e-months online by {info['target']} ({info['status']})",
        ["site", "accelerator", "earliest online", "why", "phases (online: IT MW)"],
        left=5,
    )
    for site in info["sites"]:
        phases = ", ".join(f"{p['online']}: {p['it_mw']:,.0f}" for p in site["phases"]) or "none"
        table.add_row(
            site["site_id"],
            site["accelerator"] or "-",
            site["earliest_online"] or "-",
            site["earliest_reason"],
            phases,
        )
    console.print(table)
    console.print(
        f"Objective: {info['h100e_months']:,.0f} H100e-months; budget capex "
        f"${info['budget_capex_usd'] / 1e9:,.1f}B; binding: {', '.join(info['binding']) or 'none'}"
    )


def print_supply(report: dict[str, Any]) -> None:
    """Table of what the programs together ask of national supply, per year."""
    table = Table(
        title="Can the industry build all of it? Demand of all programs vs US supply",
        title_justify="left",
    )
    for col in ("year", "item", "demand", "supply", "share", ""):
        table.add_column(col, justify="left" if col in ("item", "") else "right")
    for row in report["years"]:
        flag = "[red]short" if row["short"] else ""
        table.add_row(
            str(row["year"]),
            row["item"],
            f"{row['demand']:,.1f}",
            f"{row['supply']:,.1f}",
            f"{100 * row['share']:.0f}%",
            flag,
        )
    console.print(table)


def _register_subcommands() -> None:
    """Commands that live in their own modules (simulate, traces)."""
    from gigawatt.cli_compare import compare
    from gigawatt.cli_finance import finance, sweep
    from gigawatt.cli_goodput import goodput
    from gigawatt.cli_run import run
    from gigawatt.cli_serve import admin_app, cancel, jobs, metrics, reserve, serve, submit, usage
    from gigawatt.cli_simulate import simulate, traces_app

    app.command()(run)
    app.command()(compare)
    app.command("simulate")(simulate)
    app.command()(goodput)
    app.command()(serve)
    app.add_typer(admin_app, name="admin")
    for command in (reserve, submit, jobs, cancel, usage, metrics):
        app.command()(command)
    app.command()(finance)
    app.command()(sweep)
    app.add_typer(traces_app, name="traces")


_register_subcommands()


def main() -> None:
    """Entry point of the `gigawatt` script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
