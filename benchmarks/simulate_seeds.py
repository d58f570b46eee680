"""Benchmark: ``gigawatt simulate SCENARIO --seeds`` serial against a local process pool.

    .venv/bin/python benchmarks/simulate_seeds.py [--seeds 4] [--workers 2] [--repeats 3]
        [--months 12] [--contracts]

Each seed plans the scenario, draws its tenants' jobs and replays them
(`gigawatt.cli.simulate_seeds.run_scenario_seed`, what the CLI runs per seed). The baseline is the
same seeds one after another in this process (``--jobs 1``); the pool runs them on
``--workers`` processes (`pool_map`, as the CLI does). Prints the median wall time of each over
``--repeats`` and the ratio (the speed-up). The default is the demo scenario, 12 months,
owned fleet only (about 4 s a seed alone on a 2-core machine; with ``--contracts`` a seed
takes over a minute). The load average printed before and after says whether other work
shared the cores (a pool cannot gain without an idle core); CPU seconds (this process and its
workers) show whether the pool did the same work.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from pathlib import Path

from gigawatt.cli.progress import pool_map
from gigawatt.cli.simulate_seeds import run_scenario_seed

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "anthropic-fluidstack-2026.yaml"


def cpu_s() -> float:
    """CPU seconds (user + system) of this process and its finished children so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(tasks: list[tuple[object, ...]], workers: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of running every seed on ``workers`` processes."""
    start, cpu = time.perf_counter(), cpu_s()
    runs = pool_map(run_scenario_seed, tasks, workers, "seeds", False)
    assert len(runs) == len(tasks)
    return time.perf_counter() - start, cpu_s() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    parser.add_argument("--seeds", type=int, default=4, help="seeds 42.. per run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--contracts", action="store_true")
    args = parser.parse_args()
    tasks: list[tuple[object, ...]] = [
        (args.scenario, "easy-backfill", "topology", args.months, 42 + k, args.contracts, 6.0,
         None, None)
        for k in range(args.seeds)
    ]  # fmt: skip
    print(
        f"{args.scenario.name}: {args.seeds} seeds x {args.months} months "
        f"({'with' if args.contracts else 'without'} contracts), {os.cpu_count()} cores, "
        f"{args.repeats} repeats; load average before {os.getloadavg()[0]:.1f}"
    )
    serial, pooled = [], []
    for _ in range(args.repeats):  # interleaved, so both see the same machine load
        serial.append(timed(tasks, 1))
        pooled.append(timed(tasks, args.workers))
    serial_s = statistics.median(t for t, _ in serial)
    pooled_s = statistics.median(t for t, _ in pooled)
    serial_cpu = statistics.median(c for _, c in serial)
    pooled_cpu = statistics.median(c for _, c in pooled)
    print(
        f"serial (1 process):       median {serial_s:6.1f} s  ({serial_s / args.seeds:.1f} s a "
        f"seed), CPU {serial_cpu:.1f} s"
    )
    print(
        f"pool ({args.workers} workers):         median {pooled_s:6.1f} s, CPU {pooled_cpu:.1f} s"
    )
    print(f"speed-up serial / pool:   {serial_s / pooled_s:.2f}x")
    # Other processes on the machine take cores the pool would use: say how busy it was.
    print(f"load average after: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
