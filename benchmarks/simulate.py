"""Benchmark: one FGD-paper experiment on openb, against a baseline measured in the same run.

    .venv/bin/python benchmarks/simulate.py [--repeats 5] [--baseline-pods 400]
    .venv/bin/python benchmarks/simulate.py --gigawatt [--jobs 1000000]   # time-based, at scale

Prints the median wall time of one experiment (default workload, tune 1.3, seed 42; 10,866
arrivals on 1,213 nodes) per policy, with FGD held to the issue's target (< 2 s on a 2-core
machine). The baseline is the plain node-by-node reference implementation of the same policy
(`gigawatt.fgd.reference`), timed on the first ``--baseline-pods`` arrivals of the same
experiment next to the vectorized engine on those pods: the ratio is the speed-up the vectorized
scoring buys. For scale: the paper's artifact takes about 10 minutes per experiment on 2 vCPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from gigawatt_case import GIGAWATT_JOBS, gigawatt_fleet, gigawatt_workload

from gigawatt.fgd.arrivals import artifact_arrivals
from gigawatt.fgd.experiment import PAPER_POLICIES, run_packing_experiment
from gigawatt.fgd.fragmentation import typical_shapes
from gigawatt.fgd.packing import pack_arrivals
from gigawatt.fgd.placement import PolicyContext, make_policy
from gigawatt.fgd.pods import spec_accepts
from gigawatt.fgd.reference import reference_policy
from gigawatt.traces import get_trace

TARGET_S = 2.0
ARTIFACT_S_PER_EXPERIMENT = 600.0  # artifact README: ~10 minutes per experiment on 2 vCPU
FULL_TABLE_RUNS = 1020  # 17 workloads x 6 policies x 10 seeds
FULL_TABLE_TARGET_S = 15 * 60


def median_seconds(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="default 5 (openb), 1 (--gigawatt)"
    )
    parser.add_argument("--baseline-pods", type=int, default=400)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--gigawatt", action="store_true", help="run the gigawatt-scale time-based case only"
    )
    parser.add_argument("--jobs", type=int, default=GIGAWATT_JOBS)
    parser.add_argument(
        "--days", type=float, default=365.0, help="gigawatt case: simulated days (reduced runs)"
    )
    parser.add_argument(
        "--failures",
        default="",
        help="gigawatt case: also replay with this failure model and print the ratio",
    )
    parser.add_argument(
        "--spares",
        default=None,
        help="gigawatt case with failures: spare nodes per hall (N) or share (P%%); default as "
        "`gigawatt simulate`: the model's pool, else 2%% of each hall",
    )
    parser.add_argument(
        "--checkpoint",
        default=None,
        help="gigawatt case: the frontier training runs' checkpoint interval (`auto`, seconds or "
        "a duration like 1h); default the workload's (`auto`)",
    )
    args = parser.parse_args()
    if args.repeats is None:
        args.repeats = 1 if args.gigawatt else 5
    if args.checkpoint is not None:
        from pydantic import ValidationError

        from gigawatt.scenario.tenants import FrontierTraining

        try:
            FrontierTraining(checkpoint_interval_s=args.checkpoint)
        except ValidationError as error:
            parser.error(f"--checkpoint: {error.errors()[0]['msg']}")
    if args.gigawatt:
        gigawatt_case(
            args.jobs,
            args.days * 86_400.0,
            args.failures or None,
            args.spares,
            args.repeats,
            args.checkpoint,
        )
        return

    trace = get_trace("openb").load("default")
    nodes, pods = trace.nodes, trace.pods
    print(
        f"openb default: {nodes.count} nodes, {nodes.total_gpus} GPUs, {pods.count} pods; seed {args.seed}, "
        f"median of {args.repeats}; {os.cpu_count()} cores"
    )

    per_policy = {}
    for policy in PAPER_POLICIES:
        repeats = args.repeats if policy == "fgd" else max(1, args.repeats // 2)
        per_policy[policy] = median_seconds(
            lambda p=policy: run_packing_experiment(nodes, pods, p, args.seed), repeats
        )
    print("\none experiment (arrivals, placement, curves):")
    for policy, seconds in per_policy.items():
        note = (
            f"  target < {TARGET_S:.0f} s: {'met' if seconds < TARGET_S else 'MISSED'}"
            if policy == "fgd"
            else ""
        )
        print(f"  {policy:15s} {seconds:6.2f} s{note}")

    # Baseline in the same run: plain reference vs vectorized, same first pods of the experiment.
    typical = typical_shapes(pods)
    accepts = spec_accepts(pods.gpu_specs, nodes.gpu_models)
    context = PolicyContext(nodes, typical, accepts)
    arrivals = artifact_arrivals(nodes, pods, args.seed)
    head = arrivals.pods.take(np.arange(min(args.baseline_pods, arrivals.pods.count)))
    print(
        f"\nbaseline: plain reference policy vs vectorized, first {head.count} arrivals of the experiment:"
    )
    for policy in ("fgd", "bestfit"):
        fast = median_seconds(
            lambda p=policy: pack_arrivals(
                nodes,
                head,
                make_policy(p, context),
                accepts,
                arrivals.node_rank,
                artifact_arrivals(nodes, pods, args.seed).rng,
            ),
            3,
        )
        plain = median_seconds(
            lambda p=policy: pack_arrivals(
                nodes,
                head,
                reference_policy(p, context),
                accepts,
                arrivals.node_rank,
                artifact_arrivals(nodes, pods, args.seed).rng,
            ),
            1,
        )
        print(
            f"  {policy:15s} reference {plain:7.2f} s  vectorized {fast:6.3f} s  speed-up x{plain / fast:,.0f}"
        )

    mean_run = statistics.mean(per_policy.values())
    cores = os.cpu_count() or 1
    estimate = mean_run * FULL_TABLE_RUNS / cores
    print(
        f"\nfull paper table ({FULL_TABLE_RUNS} runs) on {cores} cores, estimated from the means above: "
        f"{estimate / 60:.1f} min (target < {FULL_TABLE_TARGET_S // 60} min); "
        f"the artifact: ~{ARTIFACT_S_PER_EXPERIMENT * FULL_TABLE_RUNS / cores / 3600:.0f} h"
    )
    print(
        f"FGD experiment vs the artifact's ~{ARTIFACT_S_PER_EXPERIMENT / 60:.0f} min: "
        f"x{ARTIFACT_S_PER_EXPERIMENT / per_policy['fgd']:,.0f} faster"
    )


# Gigawatt scale: time-based replay with EASY backfill -------------------------------------------

GIGAWATT_TARGET_S = 120.0
GIGAWATT_TARGET_RSS_GB = 8.0
YEAR_S = 365.0 * 86_400.0


def machine_check_s(repeats: int = 5) -> float:
    """CPU seconds (median) of a fixed pure-Python loop: printed beside the gigawatt figures so
    runs on different machines can be compared (the same code ran ~3.8x slower on one earlier
    machine than on another)."""
    times = []
    for _ in range(repeats):
        started = time.process_time()
        total = 0
        for i in range(2_000_000):
            total += i * i % 7
        times.append(time.process_time() - started)
    return statistics.median(times)


def gigawatt_case(
    job_count: int,
    horizon_s: float = YEAR_S,
    failures: str | None = None,
    spares: str | None = None,
    repeats: int = 1,
    checkpoint: str | None = None,
) -> None:
    """Plan-free synthetic fleet, the default tenants' generators sized to about a million
    jobs a year, the first ``job_count`` arrivals, EASY backfill + topology-aware placement."""
    import resource

    import gigawatt.sched.topology  # noqa: F401
    from gigawatt.sched.queue import make_queue_policy
    from gigawatt.sim.replay import replay
    from gigawatt.sim.replay_summary import summarize_replay
    from gigawatt.traces.philly import load_research_mix
    from gigawatt.workload.generators import generate_jobs

    print(
        f"machine check: a fixed 2M-step pure-Python loop takes {machine_check_s():.3f} s CPU "
        "(compare machines by this)"
    )
    started = time.perf_counter()
    fleet = gigawatt_fleet()
    workload = gigawatt_workload(checkpoint)
    jobs = generate_jobs(workload, fleet, horizon_s, load_research_mix())
    jobs = jobs.take(np.arange(min(job_count, jobs.count)))
    built = time.perf_counter() - started
    print(
        f"gigawatt case: {fleet.total_accelerators:,} accelerators, {fleet.node_count:,} nodes, "
        f"{fleet.domain_count:,} scale-up domains; {jobs.count:,} jobs over "
        f"{horizon_s / 86_400:.0f} days "
        f"(last arrival day {jobs.arrival_s[-1] / 86_400:.0f}); built in {built:.1f} s"
    )
    node_failures = None
    if failures is not None:
        from gigawatt.failures.load import load_failure_model
        from gigawatt.failures.spares import parse_spares
        from gigawatt.sim.replay import fleet_failures

        model = load_failure_model(failures)
        per_hall, share = parse_spares(spares, model.spares is not None)  # as `gigawatt simulate`
        node_failures = fleet_failures(model, fleet, horizon_s, 1, per_hall, share)

    def timed(with_failures: bool):  # type: ignore[no-untyped-def]
        policy = make_queue_policy("easy-backfill", "topology")
        started, cpu_started = time.perf_counter(), time.process_time()
        result = replay(
            fleet, jobs, policy, horizon_s, 3600.0, None,
            node_failures if with_failures else None,
        )  # fmt: skip
        return time.perf_counter() - started, time.process_time() - cpu_started, result

    # Off and on alternate, so both see the same machine load; medians are quoted.
    off_wall, off_cpu, on_wall, on_cpu = [], [], [], []
    for i in range(repeats):
        seconds, cpu_seconds, result = timed(False)
        off_wall.append(seconds)
        off_cpu.append(cpu_seconds)
        if node_failures is not None:
            seconds, cpu_seconds, on_result = timed(True)
            on_wall.append(seconds)
            on_cpu.append(cpu_seconds)
            print(
                f"  repeat {i + 1}: off {off_wall[-1]:.1f} s wall {off_cpu[-1]:.1f} s CPU; "
                f"on {seconds:.1f} s wall {cpu_seconds:.1f} s CPU"
            )
        elif repeats > 1:
            print(f"  repeat {i + 1}: {off_wall[-1]:.1f} s wall {off_cpu[-1]:.1f} s CPU")
    seconds, cpu_seconds = statistics.median(off_wall), statistics.median(off_cpu)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    summary = summarize_replay(result)
    print(
        f"replay (median of {repeats}): {seconds:.1f} s wall, {cpu_seconds:.1f} s CPU (target < "
        f"{GIGAWATT_TARGET_S:.0f} s: {'met' if seconds < GIGAWATT_TARGET_S else 'MISSED'}; "
        f"CPU time is the fairer figure on a shared machine), {result.events:,} events, "
        f"{result.events / seconds:,.0f} events/s; peak RSS {peak_gb:.2f} GB (target < "
        f"{GIGAWATT_TARGET_RSS_GB:.0f} GB: {'met' if peak_gb < GIGAWATT_TARGET_RSS_GB else 'MISSED'})"
    )
    print(
        f"fleet utilization {summary.utilization:.1%}; queue mean {summary.mean_queue_length:,.0f}, "
        f"max {summary.max_queue_length:,}"
    )
    for t in summary.tenants:
        print(
            f"  {t.tenant:10s} {t.jobs:>9,} jobs  wait p50 {t.wait_p50_h:8.2f} h  p95 "
            f"{t.wait_p95_h:8.1f} h  share {t.share:6.1%} (entitled {t.entitlement:.0%})"
        )
    if node_failures is None:
        return
    on_seconds, on_cpu_seconds = statistics.median(on_wall), statistics.median(on_cpu)
    lost = summarize_replay(on_result).failures
    assert lost is not None
    print(
        f"failures {failures}: {len(node_failures.outages.node):,} outages drawn, "
        f"{lost.interruptions:,} job interruptions ({lost.planned_interruptions:,} planned), "
        f"{on_result.events:,} events, {lost.lost_accelerator_h:,.0f} accelerator-h lost, "
        f"goodput {lost.goodput:.1%}, {lost.spare_swaps:,} spare swaps "
        f"({spares or 'default'} spares, frontier checkpoints {checkpoint or 'auto'}); replay "
        f"(medians) "
        f"{on_seconds:.1f} s vs {seconds:.1f} s off: ratio {on_seconds / seconds:.2f} wall, "
        f"{on_cpu_seconds / cpu_seconds:.2f} CPU ({on_cpu_seconds:.1f} vs {cpu_seconds:.1f} s; "
        f"issue bar <= 1.25: {'met' if on_cpu_seconds <= 1.25 * cpu_seconds else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
