"""``gigawatt plan``: plan one scenario, or several against national supply; ``--optimize``
chooses accelerator types and phasing (an edge: prints, writes the plan's files)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from gigawatt.cli.console import (
    RAMP_HELP,
    console,
    fail,
    load_or_exit,
    print_error,
    ramp_or_exit,
)
from gigawatt.cli.plan_tables import print_plan, titled_table
from gigawatt.plan import plan_scenario, summarize
from gigawatt.plan.buildout import Buildout
from gigawatt.scenario import GigawattError, scenario_catalog
from gigawatt.scenario.months import parse_month


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
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Exit with code 1 when any finding is an error (after printing and writing).",
        ),
    ] = False,
    ramp: Annotated[str, typer.Option(help=RAMP_HELP)] = "announced",
) -> None:
    """Plan one scenario (or add up several against national supply)."""
    chosen_ramp = ramp_or_exit(ramp)
    scenarios = [load_or_exit(p) for p in scenario]
    results: list[tuple[Path, Buildout, dict[str, Any]]] = []
    optimized: list[dict[str, Any]] = []
    for path, s in zip(scenario, scenarios, strict=True):
        catalog = scenario_catalog(s)
        if optimize:
            from gigawatt.plan.optimize import optimize_scenario

            try:
                target_month = parse_month(target) if target else None
            except ValueError as exc:
                raise fail(f"--target: {exc}") from None
            try:
                result = optimize_scenario(s, catalog, target=target_month)
            except GigawattError as exc:
                raise fail(str(exc)) from None
            s = result.scenario
            optimized.append(_optimize_summary(result))
            if not as_json:
                print_optimize(optimized[-1])
        buildout = plan_scenario(s, catalog, chosen_ramp)
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
        from gigawatt.outputs.files import write_json_atomic

        for path, buildout, summary in results:
            target_dir = out if len(results) == 1 else out / path.stem
            written = write_plan_outputs(target_dir, buildout, summary)
            if not as_json:
                console.print(f"wrote {', '.join(str(p) for p in written)}")
        if supply_report is not None:
            write_json_atomic(out / "supply.json", supply_report)
    errors = [
        f"{path}: {f.message}"
        for path, buildout, _ in results
        for f in buildout.findings
        if f.severity == "error"
    ]
    if strict and errors:
        print_error(f"--strict: {len(errors)} error finding(s); first: {errors[0]}")
        raise typer.Exit(code=1)


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
    table = titled_table(
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


def write_plan_outputs(out: Path, buildout: Buildout, summary: dict[str, Any]) -> list[Path]:
    """The plan's tables (`gigawatt.outputs.plan`), summary.json and report.html in ``out``;
    returns the paths written."""
    from gigawatt.outputs.files import write_json_atomic, write_text_atomic
    from gigawatt.outputs.plan import write_plan_tables
    from gigawatt.report.plan_report import render_plan_report

    written = write_plan_tables(out, buildout)
    write_json_atomic(out / "summary.json", summary)
    write_text_atomic(out / "report.html", render_plan_report(buildout, summary))
    return [*written, out / "summary.json", out / "report.html"]
