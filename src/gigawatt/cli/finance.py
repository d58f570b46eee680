"""``gigawatt finance`` and ``gigawatt sweep`` (an edge: reads files, runs processes, prints).

Wire into the main app with::

    from gigawatt.cli_finance import finance, sweep
    app.command()(finance)
    app.command()(sweep)

A scenario's ``finance:`` and ``uncertainty:`` sections are read from ``Scenario.finance`` and
``Scenario.uncertainty``; what a scenario leaves out comes from the sourced defaults
(``data/finance/``). With several scenarios and ``--out``, ``finance`` also writes
``compare.json`` and ``compare.html`` (`gigawatt.econ.comparison`).
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from gigawatt.cli_console import console, err_console, load_or_exit
from gigawatt.cli_console import fail as _fail
from gigawatt.econ.defaults import load_finance_defaults
from gigawatt.econ.financials import Financials, monthly_rows, site_month_rows
from gigawatt.econ.inputs import FinanceInputError
from gigawatt.econ.payback import PAYBACK, TERMS, month_text
from gigawatt.pipeline import Pipeline
from gigawatt.report.payback_text import (
    distribution_line,
    irr_text,
    verdict_line,
    year_break_even_line,
)
from gigawatt.scenario import Scenario, scenario_catalog

_load = load_or_exit


def _b(usd: float | None) -> str:
    return "-" if usd is None else f"{usd / 1e9:,.2f}"


def _h(usd: float | None) -> str:
    return "-" if usd is None else f"{usd:,.3f}"


def _table(title: str, columns: list[str], left: int = 1) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold")
    for k, col in enumerate(columns):
        table.add_column(col, justify="left" if k < left else "right")
    return table


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
    sites = _table(
        "Cost per accelerator-hour by site / contract (USD)",
        ["source", "TCO $B", "accelerator-hours (B)", "all-in", "at utilization"],
    )
    for source, c in cost["by_source"].items():
        sites.add_row(
            source,
            _b(c["tco_usd"]),
            f"{c['accelerator_hours'] / 1e9:,.2f}",
            _h(c["all_in_usd_per_hour"]),
            _h(c["at_utilization_usd_per_hour"]),
        )
    console.print(sites)
    years = _table(
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
                _b(row[k])
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
        effects = _table(
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
    table = _table(
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
            _b(part["capex_usd"]),
            _b(part["contract_payments_usd"]),
            _b(part["revenue_usd"]),
            _h(part["value_per_used_accelerator_hour_usd"]),
            _h(part["cost_per_accelerator_hour_usd"]),
            _b(part["npv_usd"]),
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


def run_finance(
    scenario: Scenario, utilization: float | None = None
) -> tuple[Financials, dict[str, Any]]:
    """Plan and finance a loaded scenario (`gigawatt.pipeline.Pipeline.finance`); returns the
    financials and the JSON summary."""
    finance = Pipeline(scenario, utilization=utilization).finance
    return finance.financials, finance.summary


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
    table = _table(
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
            table.add_row(summary["name"], "-", "-", "-", "-", _b(v["npv_usd"]), "-")
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
                _b(need["revenue_needed_usd"]),
                _b(need["revenue_assumed_usd"]),
                _b(need["gap_usd"]),
                _b(v["npv_usd"]),
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
) -> None:
    """Cost, revenue, cash flow and verdict (NPV, IRR, break-even) of scenarios; with several,
    a side-by-side table of the revenue each needs to break even."""
    used = _utilization_option(utilization, utilization_from)
    if used is not None and not 0 < used <= 1:
        raise _fail(f"--utilization must be in (0, 1], got {used}")
    loaded = [(path, _load(path)) for path in scenario]
    results: list[tuple[Path, Financials, dict[str, Any]]] = []
    for path, s in loaded:
        try:
            fin, summary = run_finance(s, used)
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
    from gigawatt.report.compare_report import render_compare_report
    from gigawatt.report.files import write_json_atomic, write_text_atomic

    comparison = compare_programs(summaries, labels)
    write_json_atomic(folder / "compare.json", comparison)
    write_text_atomic(folder / "compare.html", render_compare_report(comparison))


def write_finance_outputs(folder: Path, fin: Financials, summary: dict[str, Any]) -> None:
    """finance.json (summary with inputs and their sources), finance_monthly.csv,
    cost_by_site.csv (cost per accelerator-hour per site and month)."""
    from gigawatt.report.files import write_csv_atomic, write_json_atomic

    write_json_atomic(folder / "finance.json", summary)
    rows = monthly_rows(fin)
    write_csv_atomic(
        folder / "finance_monthly.csv", list(rows[0]), ([r[k] for k in rows[0]] for r in rows)
    )
    sites = site_month_rows(fin)
    header = list(sites[0]) if sites else ["month", "source_id"]
    write_csv_atomic(folder / "cost_by_site.csv", header, ([r[k] for k in header] for r in sites))


def write_results(path: Path, rows: list[dict[str, float]]) -> Path:
    """Samples as Parquet (pyarrow), or CSV when pyarrow is not installed. Returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import pyarrow as pa  # type: ignore[import-not-found,import-untyped,unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        from gigawatt.report.files import write_csv_atomic

        target = path.with_suffix(".csv")
        write_csv_atomic(target, list(rows[0]), ([r[k] for k in rows[0]] for r in rows))
        return target
    table = pa.Table.from_pylist(rows)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)
    return path


def print_sweep(summary: dict[str, Any], seconds: float, engine: str) -> None:
    """Rich read-out of a sweep: NPV and break-even distributions and the tornado."""
    n = summary["samples"]
    npv = summary["npv_usd"]
    console.print(
        f"{n:,} samples ({summary['method']}) on {engine} in {seconds:.1f} s "
        f"({n / seconds:,.{0 if n / seconds >= 10 else 2}f} samples/s)."
    )
    console.print(
        f"NPV $B: p10 {_b(npv['p10'])}, median {_b(npv['p50'])}, p90 {_b(npv['p90'])}; "
        f"P(NPV > 0) = {100 * summary['probability_npv_positive']:.0f}%."
    )
    sim = summary.get("simulated_utilization")
    if sim is not None:
        q = sim["quantiles"]
        pct = {k: "-" if v is None else f"{100 * v:.1f}%" for k, v in q.items()}
        console.print(
            f"Simulated utilization (finance used it): p10 {pct['p10']}, median {pct['p50']}, "
            f"p90 {pct['p90']}; {sim['samples_without_online_capacity']} samples had nothing "
            "online in the simulated window (kept the sampled utilization)."
        )
    console.print(
        "The scenario as given: " + verdict_line(summary["scenario_verdict"]),
        highlight=False,
    )
    for term in TERMS:
        console.print(distribution_line(term.label, summary["milestones"][term.key]))
    table = _table(
        "Which input matters most: NPV with one input at its p10 / p90, others at the median",
        [
            "input",
            "p10 value",
            "p90 value",
            "NPV $B at p10",
            "NPV $B at p90",
            "swing $B",
            "rank corr.",
        ],
    )
    rho = summary["spearman_with_npv"]
    for row in summary["tornado_npv"]:
        r = rho.get(row["input"])
        table.add_row(
            str(row["input"]),
            f"{row['low_value']:.3g}",
            f"{row['high_value']:.3g}",
            _b(row["npv_at_low_usd"]),
            _b(row["npv_at_high_usd"]),
            _b(row["swing_usd"]),
            "-" if r is None else f"{r:+.2f}",
        )
    console.print(table)


def sweep(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    samples: Annotated[int, typer.Option(min=1, max=1_000_000, help="Number of samples.")] = 200,
    engine: Annotated[str, typer.Option(help="serial, local (process pool) or ray.")] = "local",
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default: CPU count).")
    ] = None,
    address: Annotated[
        str | None, typer.Option(help="Ray cluster address (ray://head:10001); ray engine only.")
    ] = None,
    method: Annotated[
        str | None, typer.Option(help="lhs (Latin hypercube) or grid; default: the scenario's.")
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Sampler seed.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write samples.parquet, sweep.json and tornado.html here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    simulate: Annotated[
        bool,
        typer.Option(
            "--simulate",
            help="Also replay each sample's fleet and finance it at the simulated utilization "
            "(slow: seconds per sample).",
        ),
    ] = False,
    sim_months: Annotated[
        int,
        typer.Option(min=1, max=120, help="With --simulate: months replayed from the start."),
    ] = 3,
) -> None:
    """Run many plan+finance samples over the scenario's uncertain inputs; with --simulate,
    each sample is also replayed and financed at its simulated utilization."""
    from gigawatt.sweep import SweepBase, get_engine, run_sweep, scenario_uncertainty
    from gigawatt.sweep.simulated import SimulationSettings

    loaded = _load(scenario)
    if method is not None and method not in ("lhs", "grid"):
        raise _fail(f"--method must be lhs or grid, got {method!r}")
    try:
        chosen = get_engine(engine, workers=workers, address=address)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    try:
        uncertainty = scenario_uncertainty(loaded)
    except ValidationError as exc:
        raise _fail(f"bundled uncertainty defaults are invalid: {exc}") from None
    base = SweepBase(
        loaded,
        scenario_catalog(loaded),
        loaded.finance,
        load_finance_defaults(),
        simulation=SimulationSettings(months=sim_months) if simulate else None,
    )
    began = time.perf_counter()
    try:
        with Progress(
            TextColumn("sweep"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
            disable=as_json or not sys.stderr.isatty(),
        ) as progress:
            task = progress.add_task("sweep", total=samples)
            result = run_sweep(
                base,
                uncertainty,
                samples,
                chosen,
                method=method,
                seed=seed,
                on_done=lambda k: progress.advance(task, k),
            )
    except (FinanceInputError, ValueError, RuntimeError) as exc:
        raise _fail(f"{scenario}: sweep: {exc}") from None
    seconds = time.perf_counter() - began
    summary = {
        "name": loaded.program.name,
        "engine": engine,
        "seconds": seconds,
        "simulated_months": sim_months if simulate else None,
        **result.summary,
    }
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=lambda x: None if x != x else x))
    else:
        print_sweep(summary, seconds, engine)
    if out is not None:
        from gigawatt.report.files import write_json_atomic, write_text_atomic

        written = write_results(out / "samples.parquet", result.rows())
        write_json_atomic(out / "sweep.json", _finite(summary))
        write_text_atomic(out / "tornado.html", tornado_html(summary))
        if not as_json:
            console.print(f"wrote {written}, {out}/sweep.json, {out}/tornado.html")


def _finite(value: Any) -> Any:
    """JSON has no NaN: turn non-finite floats into null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def tornado_html(summary: dict[str, Any]) -> str:
    """A tornado chart of NPV (plotly, self-contained HTML that works offline)."""
    import plotly.graph_objects as go

    rows = list(reversed(summary["tornado_npv"]))
    base = summary["median_sample_npv_usd"] / 1e9
    names = [str(r["input"]) for r in rows]
    low = [r["npv_at_low_usd"] / 1e9 - base for r in rows]
    high = [r["npv_at_high_usd"] / 1e9 - base for r in rows]
    fig = go.Figure()
    fig.add_bar(y=names, x=low, base=base, orientation="h", name="input at p10")
    fig.add_bar(y=names, x=high, base=base, orientation="h", name="input at p90")
    fig.update_layout(
        title=f"{summary['name']}: NPV ($B) with one input at p10 / p90",
        barmode="overlay",
        xaxis_title="NPV, USD billions",
    )
    return str(fig.to_html(include_plotlyjs=True, full_html=True))
