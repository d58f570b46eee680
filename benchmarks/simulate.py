"""Benchmark: one FGD-paper experiment on openb, against a baseline measured in the same run.

    .venv/bin/python benchmarks/simulate.py [--repeats 5] [--baseline-pods 400]

Prints the median wall time of one experiment (default workload, tune 1.3, seed 42; 10,866
arrivals on 1,213 nodes) per policy, with FGD held to the issue's target (< 2 s on a 2-core
machine). The baseline is the plain node-by-node reference implementation of the same policy
(`gigawatt.sched.reference`), timed on the first ``--baseline-pods`` arrivals of the same
experiment next to the vectorized engine on those pods: the ratio is the speed-up the vectorized
scoring buys. For scale: the paper's artifact takes about 10 minutes per experiment on 2 vCPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from gigawatt.sched.fragmentation import typical_shapes
from gigawatt.sched.placement import PolicyContext, make_policy
from gigawatt.sched.pods import spec_accepts
from gigawatt.sched.reference import reference_policy
from gigawatt.sim.arrivals import artifact_arrivals
from gigawatt.sim.experiment import PAPER_POLICIES, run_packing_experiment
from gigawatt.sim.packing import pack_arrivals
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
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline-pods", type=int, default=400)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
