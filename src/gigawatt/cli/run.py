"""``gigawatt run``: plan + simulate + finance + report, the whole chain (an edge).

The chain is `gigawatt.pipeline.Pipeline` (the scenario loaded once, planned once); this
command renders it and writes into ``--out``: the plan's ``timeline.csv`` and ``capex.csv``;
the finance files (``finance.json``, ``finance_monthly.csv``, ``cost_by_site.csv``); the
simulation's files under ``simulate/``; one ``summary.json`` with every section and the
headline numbers' sources; one self-contained ``report.html``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table

from gigawatt.cli.console import RAMP_HELP, console, load_or_exit, ramp_or_exit
from gigawatt.cli.console import fail as _fail
from gigawatt.cli.plan_tables import print_plan
from gigawatt.cli.progress import simulate_pipeline
from gigawatt.econ.financials import monthly_rows, site_month_rows
from gigawatt.econ.inputs import FinanceInputError
from gigawatt.outputs.files import write_text_atomic
from gigawatt.outputs.finance import write_finance_outputs
from gigawatt.outputs.plan import write_plan_tables
from gigawatt.outputs.replay import series_table, write_replay
from gigawatt.outputs.run import simulation_section, write_run_summary
from gigawatt.outputs.sweep import read_sweep_summary
from gigawatt.pipeline import (
    DEFAULT_FAILURE_MODEL,
    DEFAULT_RAMP,
    Pipeline,
    Simulation,
    SimulationOptions,
)
from gigawatt.questions import answer_questions, bundled_context
from gigawatt.report.run_report import Headline, RunTables, render_run_report, run_headlines
from gigawatt.scenario import GigawattError
from gigawatt.sched.queue import make_queue_policy


def _simulation_jobs(simulation: Simulation) -> dict[str, Sequence[Any]]:
    """The jobs table's tenant, arrival and start columns (the report's queue by tenant)."""
    result = simulation.result
    return {
        "tenant": [result.jobs.tenants[i] for i in result.jobs.tenant.tolist()],
        "arrival_s": result.jobs.arrival_s.tolist(),
        "start_s": result.records.start_s.tolist(),
    }


def print_overview(name: str, headlines: list[Headline]) -> None:
    """The headline numbers, one per line, with where each lives in summary.json."""
    table = Table(title=f"{name}: overview", title_justify="left", title_style="bold")
    table.add_column("number")
    table.add_column("value", justify="right")
    table.add_column("summary.json", style="dim")
    for h in headlines:
        table.add_row(h.label, h.display, h.source)
    console.print(table)


def print_questions(questions: list[dict[str, Any]]) -> None:
    """The seed's questions and their answers (`gigawatt.questions`)."""
    console.rule("[bold]The questions")
    for q in questions:
        console.print(f"[bold]{q['question']}[/]", highlight=False, soft_wrap=True)
        console.print(f"  {q['answer']}", highlight=False, soft_wrap=True)


def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out: Annotated[
        Path | None,
        typer.Option(help="Output folder (default: runs/<scenario file stem>)."),
    ] = None,
    simulate: Annotated[
        bool, typer.Option(help="Replay the planned fleet with the scenario's tenants.")
    ] = True,
    months: Annotated[
        int, typer.Option(min=1, max=600, help="Months to simulate from the program start.")
    ] = 12,
    queue: Annotated[str, typer.Option(help="Simulation queue policy.")] = "easy-backfill",
    placement: Annotated[str, typer.Option(help="Simulation fleet placement.")] = "topology",
    seed: Annotated[int, typer.Option(min=0, help="Simulation workload seed.")] = 42,
    failures: Annotated[
        str,
        typer.Option(
            help="Node failures and repairs in the replay from this failure model (a name in "
            "data/failures or a YAML path); 'none' replays without failures.",
        ),
    ] = DEFAULT_FAILURE_MODEL,
    simulated_utilization: Annotated[
        bool,
        typer.Option(
            "--simulated-utilization",
            help="Finance at the simulated fleet utilization instead of the scenario's "
            "(the simulation covers --months only).",
        ),
    ] = False,
    ramp: Annotated[str, typer.Option(help=RAMP_HELP)] = DEFAULT_RAMP,
    question_samples: Annotated[
        int,
        typer.Option(
            min=0,
            max=100_000,
            help="Sweep samples behind the payback probability of the questions section (0: "
            "none; a sweep already in OUT/sweep is used instead).",
        ),
    ] = 200,
) -> None:
    """Plan, simulate, finance and report one scenario: print the overview; write the tables,
    summary.json and one self-contained report.html."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    loaded = load_or_exit(scenario)
    out = out if out is not None else Path("runs") / scenario.stem
    if simulated_utilization and not simulate:
        raise _fail("--simulated-utilization needs the simulation (drop --no-simulate)")
    failure_model = None if failures.strip().lower() in ("", "none") else failures
    options = SimulationOptions(
        months=months, queue=queue, placement=placement, seed=seed, failures=failure_model
    )
    chosen_ramp = ramp_or_exit(ramp)
    pipeline = Pipeline(
        loaded,
        options,
        simulated_utilization=simulated_utilization,
        source=str(scenario),
        ramp=chosen_ramp,
    )
    if failure_model is not None and simulate:
        from gigawatt.failures.load import FailureModelError

        try:
            pipeline.failure_model  # noqa: B018  (fail fast, before the plan and the replay)
        except (FailureModelError, OSError) as exc:
            raise _fail(f"--failures: {exc}") from None

    mark = time.perf_counter()
    try:
        buildout = pipeline.plan
    except GigawattError as exc:
        raise _fail(str(exc)) from None
    plan_summary = pipeline.plan_summary
    timings["plan_s"] = time.perf_counter() - mark

    sim_summary: dict[str, Any] | None = None
    series: dict[str, list[float]] | None = None
    sim_jobs: dict[str, Sequence[Any]] | None = None
    written: list[Path] = []
    if simulate:
        mark = time.perf_counter()
        try:
            make_queue_policy(queue, placement)  # fail fast on unknown names
            simulation = simulate_pipeline(pipeline, console.is_terminal)
        except GigawattError as exc:
            raise _fail(str(exc)) from None
        except (KeyError, ValueError) as exc:
            raise _fail(str(exc).strip("'\"")) from None
        written += write_replay(
            out / "simulate", simulation.result, simulation.summary, simulation.replay_seconds
        )
        sim_summary = simulation_section(simulation)
        series = series_table(simulation.result)
        sim_jobs = _simulation_jobs(simulation)
        timings["simulate_s"] = time.perf_counter() - mark

    mark = time.perf_counter()
    try:
        finance = pipeline.finance
    except (FinanceInputError, ValidationError) as exc:
        raise _fail(f"{scenario}: finance: {exc}") from None
    fin, fin_summary, utilization = finance.financials, finance.summary, finance.utilization
    notes = pipeline.notes()
    timings["finance_s"] = time.perf_counter() - mark

    mark = time.perf_counter()
    sweep = read_sweep_summary(out / "sweep")
    context = bundled_context(
        loaded, fin_summary, chosen_ramp, sweep_samples=question_samples, sweep=sweep
    )
    questions = [
        a.as_dict()
        for a in answer_questions(
            plan_summary,
            fin_summary,
            sweep=context.sweep,
            supply=context.supply,
            comparison=context.comparison,
        )
    ]
    timings["questions_s"] = time.perf_counter() - mark

    mark = time.perf_counter()
    written += write_plan_tables(out, buildout)
    written += write_finance_outputs(out, fin, fin_summary)
    headlines = run_headlines(plan_summary, fin_summary, sim_summary)
    tables = RunTables(
        buildout=buildout,
        plan=plan_summary,
        finance=fin_summary,
        finance_monthly=monthly_rows(fin),
        finance_by_site=site_month_rows(fin),
        simulate=sim_summary,
        simulate_series=series,
        simulate_jobs=sim_jobs,
        sweep=sweep,
        notes=notes,
        questions=questions,
        start=loaded.program.start,
    )
    write_text_atomic(out / "report.html", render_run_report(tables, headlines, str(scenario)))
    timings["files_and_report_s"] = time.perf_counter() - mark
    timings["total_s"] = time.perf_counter() - started

    finance_command = f"gigawatt finance {scenario} --json"
    if utilization is not None:
        finance_command = f"gigawatt finance {scenario} --utilization {utilization!r} --json"
    summary = {
        "name": plan_summary["name"],
        "scenario": str(scenario),
        "headlines": [h.as_dict() for h in headlines],
        "reproduce": {
            "plan": f"gigawatt plan {scenario} --ramp {chosen_ramp} --json",
            "finance": finance_command + f" --ramp {chosen_ramp}",
            "simulate": (
                f"gigawatt simulate {scenario} --months {months} --queue {queue} "
                f"--placement {placement} --seeds {seed}"
                + (f" --failures {failure_model}" if failure_model else "")
                if simulate
                else None
            ),
        },
        "finance_utilization": "simulated" if utilization is not None else "scenario",
        "finance_utilization_value": utilization,
        "notes": notes,
        "ramp": chosen_ramp,
        "questions": questions,
        "plan": plan_summary,
        "finance": fin_summary,
        "simulate": sim_summary if sim_summary is not None else {"skipped": "--no-simulate"},
        "files": sorted(str(p.relative_to(out)) for p in [*written, out / "report.html"]),
        "timings_s": timings,
    }
    write_run_summary(out, summary)

    print_plan(console, buildout, plan_summary)
    print_overview(plan_summary["name"], headlines)
    print_questions(questions)
    for note in notes:
        console.print(f"[yellow]note[/] {note}", highlight=False)
    console.print(
        f"wrote {out}/report.html, summary.json and {len(written)} tables "
        f"in {timings['total_s']:.1f} s ("
        + ", ".join(
            f"{k.removesuffix('_s')} {v:.2f} s" for k, v in timings.items() if k != "total_s"
        )
        + ")",
        highlight=False,
        soft_wrap=True,
    )
