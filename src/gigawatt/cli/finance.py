"""``gigawatt finance``: cost, revenue, cash flow and verdict of one or several scenarios
(an edge: reads files, prints, writes finance.json, finance_monthly.csv, cost_by_site.csv).

A scenario's ``finance:`` section is read from ``Scenario.finance``; what a scenario leaves
out comes from the sourced defaults (``data/finance/``). With several scenarios and ``--out``,
``finance`` also writes ``compare.json`` and ``compare.html`` (`gigawatt.econ.comparison`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from gigawatt.cli.console import RAMP_HELP, console, load_or_exit, ramp_or_exit
from gigawatt.cli.console import fail as _fail
from gigawatt.cli.plan_tables import titled_table
from gigawatt.econ.financials import Financials
from gigawatt.econ.inputs import FinanceInputError
from gigawatt.econ.payback import PAYBACK, TERMS, month_text
from gigawatt.outputs.finance import write_finance_outputs
from gigawatt.pipeline import DEFAULT_RAMP, Pipeline
from gigawatt.report.payback_text import (
    irr_text,
    verdict_line,
    year_break_even_line,
)


def billions(usd: float | None) -> str:
    """USD as billions with two decimals; '-' for none."""
    return "-" if usd is None else f"{usd / 1e9:,.2f}"


def _h(usd: float | None) -> str:
    return "-" if usd is None else f"{usd:,.3f}"


def print_finance(summary: dict[str, Any], name: str) -> None:
    """Rich read-out: verdict, cost per accelerator-hour, yearly P&L, incentives."""
    console.rule(f"[bold]{name}: finance")
    cost = summary["cost_per_accelerator_hour"]
    fleet = cost["fleet"]
    console.print(verdict_line(summary["verdict"]), highlight=False)
    console.print(
        f"Cost per accelerator-hour: ${_h(fleet['all_in_usd_per_hour'])} all-in, "
        f"${_h(fleet['at_utilization_usd_per_hour'])} at {100 * cost['utilization']:.0f}% "
        "utilization."
    )
    print_ownership(summary)
    sites = titled_table(
        "Cost per accelerator-hour by site / contract (USD)",
        ["source", "TCO $B", "accelerator-hours (B)", "all-in", "at utilization"],
    )
    for source, c in cost["by_source"].items():
        sites.add_row(
            source,
            billions(c["tco_usd"]),
            f"{c['accelerator_hours'] / 1e9:,.2f}",
            _h(c["all_in_usd_per_hour"]),
            _h(c["at_utilization_usd_per_hour"]),
        )
    console.print(sites)
    years = titled_table(
        "P&L and cash flow by year (USD billions)",
        [
            "year",
            "revenue",
            "opex",
            "EBITDA",
            "depreciation",
            "interest",
            "tax",
            "net income",
            "capex",
            "free cash",
        ],
    )
    for year, row in summary["yearly"].items():
        years.add_row(
            year,
            *(
                billions(row[k])
                for k in (
                    "revenue",
                    "opex",
                    "ebitda",
                    "book_depreciation",
                    "interest",
                    "income_tax",
                    "net_income",
                    "capex",
                    "free_cash_flow",
                )
            ),
        )
    console.print(years)
    for need in summary["revenue_needed_to_break_even"]:
        console.print(year_break_even_line(need), highlight=False)
    if summary["incentives"]:
        effects = titled_table(
            "Incentives: effect of having each one, alone (TCO, $/h and capex: negative = saves)",
            ["incentive", "in scenario", "NPV $B", "TCO $B", "$/accelerator-hour", "capex $B"],
        )
        for e in summary["incentives"]:
            per_hour = e["cost_per_accelerator_hour_effect_usd"]
            effects.add_row(
                e["incentive"],
                "yes" if e["enabled"] else "no",
                f"{e['npv_effect_usd'] / 1e9:+,.2f}",
                f"{e['tco_effect_usd'] / 1e9:+,.2f}",
                "-" if per_hour is None else f"{per_hour:+.3f}",
                f"{e['capex_effect_usd'] / 1e9:+,.2f}",
            )
        console.print(effects)
    for warning in summary["warnings"]:
        console.print(f"[yellow]warning[/] {warning}", highlight=False)


def print_ownership(summary: dict[str, Any]) -> None:
    """Owned vs contracted, side by side, the sentence saying which part carries the result,
    and the price each contract's hours are valued at."""
    ownership = summary.get("ownership")
    if not ownership or not ownership["parts"]:
        return
    table = titled_table(
        "Owned vs contracted: each part financed alone (USD billions; $ per accelerator-hour)",
        [
            "part",
            "capex",
            "contract payments",
            "revenue",
            "value / used h",
            "cost / h",
            "NPV",
            "IRR",
            *(t.label.lower() for t in TERMS),
        ],
    )
    end = summary["verdict"].get("horizon_end")
    for part in ownership["parts"]:
        table.add_row(
            part["id"],
            billions(part["capex_usd"]),
            billions(part["contract_payments_usd"]),
            billions(part["revenue_usd"]),
            _h(part["value_per_used_accelerator_hour_usd"]),
            _h(part["cost_per_accelerator_hour_usd"]),
            billions(part["npv_usd"]),
            irr_text(part["irr"]),
            *(month_text(part[t.key], end) for t in TERMS),
        )
    console.print(table)
    console.print(ownership["headline"], highlight=False)
    for part in ownership["parts"]:
        price = part.get("valued_at")
        if price:
            console.print(
                f"{part['id']}: its {price['accelerator']} hours are valued at "
                f"${price['usd_per_hour']:,.2f} an hour in {price['reference_month']}, falling "
                f"{100 * price['decline_per_year']:.0f}% a year: {price['basis']}",
                highlight=False,
                soft_wrap=True,
            )


def _utilization_option(value: float | None, from_file: Path | None) -> float | None:
    if value is not None and from_file is not None:
        raise _fail("give --utilization or --utilization-from, not both")
    if from_file is None:
        return value
    try:
        data = json.loads(from_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise _fail(f"{from_file}: cannot read a JSON summary ({exc})") from None
    found = data.get("utilization") if isinstance(data, dict) else None
    if not isinstance(found, int | float) or not 0 < found <= 1:
        raise _fail(f"{from_file}: expected a top-level 'utilization' between 0 and 1")
    return float(found)


def print_comparison(summaries: list[dict[str, Any]]) -> None:
    """Side by side: the revenue each program needs a year to break even, against what it
    assumes (the bubble question)."""
    table = titled_table(
        "Revenue needed to break even vs revenue assumed (USD billions a year)",
        ["program", "year", "needed", "assumed", "gap", "NPV", PAYBACK.label.lower()],
        left=2,
    )
    from gigawatt.econ.comparison import compare_programs

    comparison = compare_programs(summaries)
    for summary, program in zip(summaries, comparison["programs"], strict=True):
        needs_by_year = program["revenue_needed_to_break_even"]
        summary = {**summary, "revenue_needed_to_break_even": needs_by_year}
        needs = summary["revenue_needed_to_break_even"]
        v = summary["verdict"]
        if not needs:
            table.add_row(summary["name"], "-", "-", "-", "-", billions(v["npv_usd"]), "-")
        for need in needs:
            if need["revenue_needed_usd"] is None:
                short = (
                    f"beyond horizon (ends {program['horizon']['last_month']})"
                    if need["status"] == "beyond_horizon"
                    else need["status"].replace("_", " ")
                )
                table.add_row(summary["name"], str(need["year"]), short, "-", "-", "", "")
                continue
            table.add_row(
                summary["name"],
                str(need["year"]),
                billions(need["revenue_needed_usd"]),
                billions(need["revenue_assumed_usd"]),
                billions(need["gap_usd"]),
                billions(v["npv_usd"]),
                month_text(v["payback_month"], v["horizon_end"]),
            )
        table.add_section()
    console.print(table)


def finance(
    scenario: Annotated[list[Path], typer.Argument(help="Scenario YAML file(s).")],
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write finance.json, finance_monthly.csv, cost_by_site.csv here "
            "(one subfolder per scenario when several)."
        ),
    ] = None,
    utilization: Annotated[
        float | None,
        typer.Option(
            help="Share of accelerator-hours used (e.g. simulated); overrides the scenario."
        ),
    ] = None,
    utilization_from: Annotated[
        Path | None,
        typer.Option(help="Read 'utilization' from a JSON summary (e.g. a simulate run)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    ramp: Annotated[str, typer.Option(help=RAMP_HELP)] = DEFAULT_RAMP,
) -> None:
    """Cost, revenue, cash flow and verdict (NPV, IRR, break-even) of scenarios; with several,
    a side-by-side table of the revenue each needs to break even."""
    used = _utilization_option(utilization, utilization_from)
    if used is not None and not 0 < used <= 1:
        raise _fail(f"--utilization must be in (0, 1], got {used}")
    chosen_ramp = ramp_or_exit(ramp)
    loaded = [(path, load_or_exit(path)) for path in scenario]
    results: list[tuple[Path, Financials, dict[str, Any]]] = []
    for path, s in loaded:
        try:
            result = Pipeline(s, utilization=used, ramp=chosen_ramp).finance
            fin, summary = result.financials, result.summary
        except (FinanceInputError, ValidationError) as exc:
            raise _fail(f"{path}: finance: {exc}") from None
        results.append((path, fin, summary))
    if as_json:
        payload: Any = results[0][2] if len(results) == 1 else [r[2] for r in results]
        typer.echo(json.dumps(payload, indent=2))
    else:
        for _, _, summary in results:
            print_finance(summary, summary["name"])
        if len(results) > 1:
            print_comparison([r[2] for r in results])
    if out is not None:
        for path, fin, summary in results:
            target = out if len(results) == 1 else out / path.stem
            write_finance_outputs(target, fin, summary)
            if not as_json:
                console.print(f"wrote {target}/finance.json, finance_monthly.csv, cost_by_site.csv")
        if len(results) > 1:
            write_comparison(out, [r[2] for r in results], [r[0].stem for r in results])
            if not as_json:
                console.print(f"wrote {out}/compare.json, {out}/compare.html")


def write_comparison(folder: Path, summaries: list[dict[str, Any]], labels: list[str]) -> None:
    """compare.json and compare.html: the scenarios side by side on revenue needed to break
    even by each target year vs assumed, NPV and break-even month."""
    from gigawatt.econ.comparison import compare_programs
    from gigawatt.outputs.files import write_json_atomic, write_text_atomic
    from gigawatt.report.compare_report import render_compare_report

    comparison = compare_programs(summaries, labels)
    write_json_atomic(folder / "compare.json", comparison)
    write_text_atomic(folder / "compare.html", render_compare_report(comparison))
