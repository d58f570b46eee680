"""``gigawatt simulate``: replay a scenario's planned fleet with its tenants' jobs
(`gigawatt.pipeline`), replay a job trace, or pack a GPU cluster trace (an edge: reads files,
runs processes, prints, writes outputs). The seeds, traces and packing variants live in
`simulate_seeds`, `simulate_traces` and `simulate_packing`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

import gigawatt.sched.topology  # noqa: F401  (registers the fleet placements)
from gigawatt.cli.console import RAMP_HELP, console, ramp_or_exit
from gigawatt.cli.console import fail as _fail
from gigawatt.cli.progress import simulate_pipeline
from gigawatt.cli.replay_tables import print_replay
from gigawatt.cli.simulate_packing import (
    packing_policies,
    print_summary,
    run_experiments,
    summary_rows,
)
from gigawatt.cli.simulate_seeds import simulate_scenario_seeds
from gigawatt.cli.simulate_traces import simulate_trace_replay
from gigawatt.failures.load import FailureModelError, available_models
from gigawatt.fgd.arrivals import PAPER_TUNE_RATIO
from gigawatt.outputs.packing import write_packing_outputs
from gigawatt.outputs.replay import write_replay
from gigawatt.pipeline import DEFAULT_RAMP, Pipeline, SimulationOptions
from gigawatt.scenario import GigawattError
from gigawatt.sched.cluster import placement_names
from gigawatt.sched.queue import make_queue_policy, queue_policy_names
from gigawatt.traces import (
    JobTraceReader,
    TraceError,
    get_trace,
    trace_names,
)
from gigawatt.workload.reservations import reservation_lines


def parse_seeds(text: str) -> list[int]:
    """``"42-51"`` -> 42..51; ``"42,45"`` -> [42, 45]; ``"7"`` -> [7]; ranges and lists mix."""
    seeds: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise ValueError(f"--seeds must look like 42-51 or 42,43 (got {text!r})")
        seeds.extend(range(int(low), int(high) + 1) if dash else [int(low)])
    if not seeds:
        raise ValueError(f"--seeds selects no seed (got {text!r})")
    return seeds


def simulate(
    scenario: Annotated[
        Path | None,
        typer.Argument(help="Scenario YAML: replay its planned fleet with its tenants' jobs."),
    ] = None,
    trace: Annotated[
        str, typer.Option(help="Trace to replay: " + ", ".join(trace_names()))
    ] = "openb",
    workload: Annotated[
        str, typer.Option(help="Workload variant of the trace, e.g. default, cpu050.")
    ] = "default",
    policy: Annotated[
        str | None,
        typer.Option(
            help="Packing traces (openb): placement policy, a comma list, or 'all' (the "
            "paper's six; default fgd). Job traces (philly, alibaba-v2025-dlrm): queue policy, "
            "a comma list, or 'all' (default fifo)."
        ),
    ] = None,
    seeds: Annotated[
        str, typer.Option(help="Seeds, e.g. 42-51 (the paper's ten) or 42,45.")
    ] = "42",
    tune: Annotated[
        float, typer.Option(help="Inflate arrivals to this multiple of the cluster's GPUs.")
    ] = PAPER_TUNE_RATIO,
    compare: Annotated[
        bool, typer.Option("--compare", help="Show the FGD paper's numbers beside ours.")
    ] = False,
    jobs: Annotated[
        int | None, typer.Option(help="Parallel processes (default: all cores).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the outputs (CSV, summary.json) here.")
    ] = None,
    queue: Annotated[
        str, typer.Option(help="Scenario runs: queue policy: " + ", ".join(queue_policy_names()))
    ] = "easy-backfill",
    placement: Annotated[
        str, typer.Option(help="Scenario runs: fleet placement: " + ", ".join(placement_names()))
    ] = "topology",
    months: Annotated[
        int, typer.Option(min=1, max=600, help="Scenario runs: months to simulate from the start.")
    ] = 12,
    contracts: Annotated[
        bool, typer.Option(help="Scenario runs: include contracted (cloud) capacity in the fleet.")
    ] = True,
    sample_hours: Annotated[
        float, typer.Option(min=0.01, help="Scenario runs: hours between samples of the series.")
    ] = 6.0,
    failures: Annotated[
        str | None,
        typer.Option(
            help="Scenario runs: node failures and repairs from this failure model: "
            + ", ".join(available_models())
            + ", or a YAML path."
        ),
    ] = None,
    inference_shape: Annotated[
        str | None,
        typer.Option(
            help="Scenario runs: inference arrivals follow this trace's demand shape instead of "
            "the daily sinusoid, e.g. azure-llm-2023:conv or azure-llm-2023:code."
        ),
    ] = None,
    defrag: Annotated[
        bool,
        typer.Option(
            "--defrag",
            help="Scenario runs: move checkpointing jobs when a gang is blocked by fragmentation.",
        ),
    ] = False,
    spares: Annotated[
        str | None,
        typer.Option(
            help="Scenario runs with --failures: spare nodes per hall (e.g. 4) or a share of each "
            "hall's nodes (e.g. 2%); default: the failure model's pool, else 2% (vendor NVL72 "
            "guidance). A spare stands in for a failed node at once and its jobs restart in place.",
        ),
    ] = None,
    ramp: Annotated[str, typer.Option(help=RAMP_HELP)] = DEFAULT_RAMP,
) -> None:
    """Replay a scenario's planned fleet with its tenants' jobs (time-based: waits, utilization,
    fairness), or pack a GPU cluster trace (arrival-only: allocation and fragmentation)."""
    if scenario is not None:
        chosen_ramp = ramp_or_exit(ramp)
        try:
            seed_list = parse_seeds(seeds)
        except ValueError as exc:
            raise _fail(str(exc)) from None
        if len(seed_list) > 1:
            simulate_scenario_seeds(
                scenario, queue, placement, months, seed_list, contracts, sample_hours,
                failures, jobs, out, inference_shape, spares, chosen_ramp,
            )  # fmt: skip
            return
        try:
            seed = seed_list[0]
            make_queue_policy(queue, placement)
            options = SimulationOptions(
                months=months, queue=queue, placement=placement, seed=seed, contracts=contracts,
                sample_hours=sample_hours, failures=failures, inference_shape=inference_shape,
                defrag=defrag, spares=spares,
            )  # fmt: skip
            pipeline = Pipeline(scenario, options, ramp=chosen_ramp)
            simulation = simulate_pipeline(pipeline, True)
        except (GigawattError, FailureModelError, TraceError) as exc:
            raise _fail(str(exc)) from None
        except (KeyError, ValueError) as exc:
            raise _fail(str(exc).strip("'\"")) from None
        result, summary = simulation.result, simulation.summary
        seconds = simulation.replay_seconds
        fleet = result.fleet
        title = (
            f"{scenario.name}: {months} months, {fleet.total_accelerators:,} accelerators in "
            f"{fleet.node_count:,} nodes, {result.jobs.count:,} jobs, {queue} + {placement} "
            f"({seconds:.1f} s, {summary.events / max(seconds, 1e-9):,.0f} events/s)"
        )
        print_replay(summary, title)
        for line in reservation_lines(pipeline.scenario, result):
            console.print(line)
        if defrag:
            records = result.records
            moving_s = (
                records.overhead_s - records.checkpoint_overhead_s
            ) * result.jobs.accelerators
            console.print(
                f"defrag: {int(records.migrations.sum()):,} moves of checkpointing jobs, "
                f"{float(moving_s[records.migrations > 0].sum()) / 3600.0:,.1f} accelerator-h "
                "spent moving"
            )
        if out is not None:
            written = write_replay(out, result, summary, seconds)
            console.print("wrote " + ", ".join(str(p) for p in written))
        return
    try:
        reader = get_trace(trace)
    except TraceError as exc:
        raise _fail(str(exc)) from None
    if isinstance(reader, JobTraceReader):
        if seeds != "42":
            console.print("note: a trace replay is deterministic; --seeds is ignored")
        simulate_trace_replay(trace, workload, policy, placement, sample_hours, jobs, out)
        return
    try:
        policies = packing_policies(policy or "fgd")
        seed_list = parse_seeds(seeds)
        reader.load(workload)  # fail fast on a bad trace or workload
    except (ValueError, TraceError) as exc:
        raise _fail(str(exc)) from None
    started = time.perf_counter()
    runs = run_experiments(trace, workload, policies, seed_list, tune, jobs, show_progress=True)
    rows = summary_rows(runs, compare)
    seeds_text = seeds if len(seed_list) > 1 else str(seed_list[0])
    title = (
        f"{trace} / {workload}: arrival-only packing, tune {tune}, seeds {seeds_text} "
        f"({len(runs)} runs in {time.perf_counter() - started:.1f} s)"
    )
    print_summary(rows, title, compare)
    if out is not None:
        write_packing_outputs(out, runs, rows)
        console.print(f"wrote {out / 'curves.csv'} and {out / 'summary.json'}")
