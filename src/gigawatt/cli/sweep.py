"""``gigawatt sweep``: many plan+finance samples over a scenario's uncertain inputs, on a
local process pool or Ray; ``--simulate`` replays each sample too (an edge: runs processes,
prints, writes samples.parquet, sweep.json and tornado.html)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from gigawatt.cli.console import RAMP_HELP, console, err_console, load_or_exit, ramp_or_exit
from gigawatt.cli.console import fail as _fail
from gigawatt.cli.finance import billions
from gigawatt.cli.plan_tables import titled_table
from gigawatt.econ.defaults import load_finance_defaults
from gigawatt.econ.inputs import FinanceInputError
from gigawatt.econ.payback import TERMS
from gigawatt.pipeline import DEFAULT_RAMP
from gigawatt.report.payback_text import distribution_line, verdict_line
from gigawatt.scenario import scenario_catalog


def print_sweep(summary: dict[str, Any], seconds: float, engine: str) -> None:
    """Rich read-out of a sweep: NPV and break-even distributions and the tornado."""
    n = summary["samples"]
    npv = summary["npv_usd"]
    console.print(
        f"{n:,} samples ({summary['method']}) on {engine} in {seconds:.1f} s "
        f"({n / seconds:,.{0 if n / seconds >= 10 else 2}f} samples/s)."
    )
    console.print(
        f"NPV $B: p10 {billions(npv['p10'])}, median {billions(npv['p50'])}, p90 {billions(npv['p90'])}; "
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
    table = titled_table(
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
            billions(row["npv_at_low_usd"]),
            billions(row["npv_at_high_usd"]),
            billions(row["swing_usd"]),
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
    ramp: Annotated[str, typer.Option(help=RAMP_HELP)] = DEFAULT_RAMP,
) -> None:
    """Run many plan+finance samples over the scenario's uncertain inputs; with --simulate,
    each sample is also replayed and financed at its simulated utilization."""
    from gigawatt.sweep import SweepBase, get_engine, run_sweep, scenario_uncertainty
    from gigawatt.sweep.simulated import SimulationSettings

    loaded = load_or_exit(scenario)
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
        ramp=ramp_or_exit(ramp),
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
        from gigawatt.outputs.files import write_text_atomic
        from gigawatt.outputs.sweep import write_samples, write_sweep_summary

        written = write_samples(out / "samples.parquet", result.rows())
        write_sweep_summary(out, summary)
        write_text_atomic(out / "tornado.html", tornado_html(summary))
        if not as_json:
            console.print(f"wrote {written}, {out}/sweep.json, {out}/tornado.html")


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
