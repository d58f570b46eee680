"""``gigawatt run``: plan + simulate + finance + report, the whole chain (an edge).

Wire into the main app with::

    from gigawatt.cli_run import run
    app.command()(run)

Writes into ``--out``: the plan's ``timeline.csv`` and ``capex.csv``; the finance files
(``finance.json``, ``finance_monthly.csv``, ``cost_by_site.csv``, by `cli_finance`'s writer);
the simulation's files under ``simulate/`` (by `cli_simulate`'s writer); one ``summary.json``
with every section and the headline numbers' sources; one self-contained ``report.html``.
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from pydantic import ValidationError
from rich.table import Table

from gigawatt.cli_console import console, load_or_exit
from gigawatt.cli_console import fail as _fail
from gigawatt.cli_finance import run_finance, write_finance_outputs
from gigawatt.econ.financials import monthly_rows, site_month_rows
from gigawatt.econ.inputs import FinanceInputError
from gigawatt.plan import plan_scenario, summarize
from gigawatt.report.files import write_json_atomic, write_text_atomic
from gigawatt.report.plan_terminal import print_plan
from gigawatt.report.run_report import Headline, RunTables, render_run_report, run_headlines
from gigawatt.scenario import GigawattError, scenario_catalog

#: The failure model `gigawatt run` replays with by default: Meta's Llama 3 pre-training
#: interruption mix (data/failures/llama3-2024.yaml, "The Llama 3 Herd of Models", Table 5).
DEFAULT_FAILURE_MODEL = "llama3-2024"


def useful_utilization(sim_summary: dict[str, Any]) -> float:
    """The replay's utilization as finance means it (its default 0.85 is FGD allocation x Llama 3
    goodput): busy / online accelerator-hours, and with failures times the goodput (rolled-back
    work, restarts and checkpoint writes earn nothing) and the share of capacity in service
    (accelerators in repair earn nothing)."""
    utilization = float(sim_summary["utilization"])
    failures = sim_summary.get("failures")
    if failures and math.isfinite(failures["goodput"]):
        utilization *= failures["goodput"] * (1.0 - failures["out_of_service_share"])
    return utilization


def _finite(value: Any) -> Any:
    """JSON has no NaN: non-finite floats become null (e.g. a tenant with no finished job)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _write_plan_tables(out: Path, buildout: Any, summary: dict[str, Any]) -> list[Path]:
    """The plan's timeline.csv and capex.csv (the run writes its own summary and report)."""
    from gigawatt.report.plan_files import write_plan_tables

    return write_plan_tables(out, buildout)


def _read_series(path: Path) -> dict[str, list[float]]:
    """series.csv as columns of floats (the table the simulation charts are built from)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns: list[list[float]] = [[] for _ in header]
        for row in reader:
            for k, cell in enumerate(row):
                columns[k].append(float(cell))
    return dict(zip(header, columns, strict=True))


def _tenant_kinds(scenario: Path, seed: int) -> dict[str, str]:
    """Tenant name -> the kinds of work it runs ("frontier_training", "inference",
    "research"; joined by "+" when several), from the scenario's workload (or the default
    tenants the replay uses when the scenario names none)."""
    from gigawatt.cli_simulate import scenario_workload
    from gigawatt.scenario import load_scenario

    workload = scenario_workload(load_scenario(scenario), seed)
    return {t.name: "+".join(dict.fromkeys(w.kind for w in t.workloads)) for t in workload.tenants}


def _simulate(
    scenario: Path,
    out: Path,
    queue: str,
    placement: str,
    months: int,
    seed: int,
    failures: str | None,
) -> tuple[dict[str, Any], dict[str, list[float]], dict[str, Sequence[Any]], list[Path]]:
    """Replay the scenario with `gigawatt simulate SCENARIO`'s own functions (node failures
    from the failure model `failures` when given); write its files under `out/simulate/`;
    returns (summary dict, series columns, the jobs table's tenant, arrival and start
    columns, paths written)."""
    from dataclasses import asdict

    from gigawatt.cli_simulate import run_scenario, write_replay
    from gigawatt.sched.queue import make_queue_policy

    make_queue_policy(queue, placement)  # fail fast on unknown names
    result, summary, seconds = run_scenario(
        scenario, queue, placement, months, seed, True, 6.0, console.is_terminal, failures
    )
    written = write_replay(out / "simulate", result, summary, seconds)
    data = asdict(summary) | {
        "replay_seconds": seconds,
        "tenant_kinds": _tenant_kinds(scenario, seed),
        "settings": {
            "queue": queue,
            "placement": placement,
            "months": months,
            "seed": seed,
            "contracts": True,
            "sample_hours": 6.0,
            "failures": failures,
        },
    }
    node_sizes = {int(v) for v in np.unique(result.fleet.node_accelerators)}
    node_lcm = math.lcm(*node_sizes) if node_sizes else 1
    data["whole_node_jobs"] = bool(
        result.jobs.count
        and (result.jobs.gpu_milli == 1000).all()
        and (result.jobs.accelerators % node_lcm == 0).all()
    )
    data["min_job_accelerators"] = int(result.jobs.accelerators.min()) if result.jobs.count else 0
    jobs: dict[str, Sequence[Any]] = {
        "tenant": [result.jobs.tenants[i] for i in result.jobs.tenant.tolist()],
        "arrival_s": result.jobs.arrival_s.tolist(),
        "start_s": result.records.start_s.tolist(),
    }
    return data, _read_series(out / "simulate" / "series.csv"), jobs, written


def _read_sweep(out: Path) -> dict[str, Any] | None:
    """``out/sweep/sweep.json`` when a sweep was written there (`gigawatt sweep SCENARIO
    --out <run>/sweep`), for the report's fan charts; None when absent or unreadable."""
    path = out / "sweep" / "sweep.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "npv_usd" in data else None


def print_overview(name: str, headlines: list[Headline]) -> None:
    """The headline numbers, one per line, with where each lives in summary.json."""
    table = Table(title=f"{name}: overview", title_justify="left", title_style="bold")
    table.add_column("number")
    table.add_column("value", justify="right")
    table.add_column("summary.json", style="dim")
    for h in headlines:
        table.add_row(h.label, h.display, h.source)
    console.print(table)


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
    if failure_model is not None and simulate:
        from gigawatt.failures.load import FailureModelError, load_failure_model

        try:
            load_failure_model(failure_model)  # fail fast, before the plan and the replay
        except (FailureModelError, OSError) as exc:
            raise _fail(f"--failures: {exc}") from None

    mark = time.perf_counter()
    try:
        buildout = plan_scenario(loaded, scenario_catalog(loaded))
    except GigawattError as exc:
        raise _fail(str(exc)) from None
    plan_summary = summarize(buildout)
    timings["plan_s"] = time.perf_counter() - mark

    sim_summary: dict[str, Any] | None = None
    series: dict[str, list[float]] | None = None
    sim_jobs: dict[str, Sequence[Any]] | None = None
    written: list[Path] = []
    notes: list[str] = []
    if simulate:
        mark = time.perf_counter()
        try:
            sim_summary, series, sim_jobs, sim_files = _simulate(
                scenario, out, queue, placement, months, seed, failure_model
            )
        except GigawattError as exc:
            raise _fail(str(exc)) from None
        except (KeyError, ValueError) as exc:
            raise _fail(str(exc).strip("'\"")) from None
        written += sim_files
        timings["simulate_s"] = time.perf_counter() - mark
        if not any(g["online_accelerators_end"] for g in sim_summary["groups"]):
            notes.append(
                f"No accelerator is online within the {months} simulated months from the "
                "program start: the simulation numbers are empty (try a larger --months)."
            )

    mark = time.perf_counter()
    utilization = useful_utilization(sim_summary) if simulated_utilization and sim_summary else None
    if utilization is not None and not utilization > 0:
        notes.append(
            "--simulated-utilization: nothing was used in the simulated window (utilization 0), "
            "so finance keeps the scenario's utilization."
        )
        utilization = None
    try:
        fin, fin_summary = run_finance(loaded, utilization)
    except (FinanceInputError, ValidationError) as exc:
        raise _fail(f"{scenario}: finance: {exc}") from None
    timings["finance_s"] = time.perf_counter() - mark

    mark = time.perf_counter()
    sweep = _read_sweep(out)
    written += _write_plan_tables(out, buildout, plan_summary)
    write_finance_outputs(out, fin, fin_summary)
    written += [out / "finance.json", out / "finance_monthly.csv", out / "cost_by_site.csv"]
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
            "plan": f"gigawatt plan {scenario} --json",
            "finance": finance_command,
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
        "plan": plan_summary,
        "finance": fin_summary,
        "simulate": sim_summary if sim_summary is not None else {"skipped": "--no-simulate"},
        "files": sorted(str(p.relative_to(out)) for p in [*written, out / "report.html"]),
        "timings_s": timings,
    }
    write_json_atomic(out / "summary.json", _finite(json.loads(json.dumps(summary, default=str))))

    print_plan(buildout, plan_summary)
    print_overview(plan_summary["name"], headlines)
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
