"""Benchmark: the gigawatt-scale replay on this checkout and on another one, side by side.

    .venv/bin/python benchmarks/against.py --base ../gigawatt-base/src [--days 365] \
        [--failures llama3-2024] [--repeats 3]

Make the other checkout with ``git worktree add --detach ../gigawatt-base <commit>``. Each
repeat runs the same case (`benchmarks/simulate.py`'s fleet and workload: 1M accelerators,
~1M jobs, EASY backfill + topology placement) once on each source tree, alternating, each in
its own process (``PYTHONPATH=<tree>/src``), and times the replay alone (CPU seconds). Prints
the per-repeat times, the medians and their ratio, and whether the two trees made the same
decisions (a digest of every job's start, end, node count and type).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(days: float, failures: str, checkpoint: str | None) -> None:
    """Run the case once in this process (whatever ``gigawatt`` is on the path) and print
    one JSON line: replay CPU seconds, wall seconds, events and the decisions' digest."""
    import numpy as np

    sys.path.insert(0, str(HERE))
    from gigawatt_case import GIGAWATT_JOBS, gigawatt_fleet, gigawatt_workload

    import gigawatt.sched.topology  # noqa: F401  (registers the placements)
    from gigawatt.sched.queue import make_queue_policy
    from gigawatt.sim.replay import fleet_failures, replay
    from gigawatt.traces.philly import load_research_mix
    from gigawatt.workload.generators import generate_jobs

    horizon_s = days * 86_400.0
    fleet = gigawatt_fleet()
    jobs = generate_jobs(gigawatt_workload(checkpoint), fleet, horizon_s, load_research_mix())
    jobs = jobs.take(np.arange(min(GIGAWATT_JOBS, jobs.count)))
    node_failures = None
    if failures:
        from gigawatt.failures.load import load_failure_model

        model = load_failure_model(failures)
        # As `gigawatt simulate`: the model's spare pool if it names one, else 2% of each hall.
        share = None if model.spares is not None else 0.02
        node_failures = fleet_failures(model, fleet, horizon_s, 1, None, share)
    policy = make_queue_policy("easy-backfill", "topology")
    started_cpu, started = time.process_time(), time.perf_counter()
    result = replay(fleet, jobs, policy, horizon_s, 3600.0, None, node_failures)
    cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
    digest = hashlib.sha256()
    records = result.records
    for column in (records.start_s, records.end_s, records.nodes, records.type_index):
        digest.update(np.ascontiguousarray(column).tobytes())
    print(json.dumps({"cpu_s": cpu, "wall_s": wall, "events": result.events,
                      "digest": digest.hexdigest()[:16]}))  # fmt: skip


def run_tree(src: Path, args: argparse.Namespace) -> dict[str, float | str]:
    command = [sys.executable, __file__, "--child", "--days", str(args.days)]
    if args.failures:
        command += ["--failures", args.failures]
    if args.checkpoint:
        command += ["--checkpoint", args.checkpoint]
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", type=Path, help="the other checkout's src folder")
    parser.add_argument("--days", type=float, default=365.0)
    parser.add_argument("--failures", default="", help="failure model, e.g. llama3-2024")
    parser.add_argument("--checkpoint", default=None, help="frontier checkpoint interval")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.days, args.failures, args.checkpoint)
        return
    if args.base is None or not (args.base / "gigawatt").is_dir():
        parser.error("--base: give the src folder of another checkout (holding gigawatt/)")
    this = HERE.parent / "src"
    times: dict[str, list[float]] = {"this": [], "base": []}
    digests: dict[str, set[str]] = {"this": set(), "base": set()}
    print(
        f"gigawatt case, {args.days:.0f} days, failures {args.failures or 'off'}; this tree "
        f"{this}, base {args.base.resolve()}; {os.cpu_count()} cores"
    )
    for i in range(args.repeats):
        for name, src in (
            (("base", args.base), ("this", this))
            if i % 2
            else (("this", this), ("base", args.base))
        ):
            got = run_tree(src, args)
            times[name].append(float(got["cpu_s"]))
            digests[name].add(str(got["digest"]))
            print(
                f"  repeat {i + 1} {name}: {got['cpu_s']:.1f} s CPU, {got['wall_s']:.1f} s "
                f"wall, {got['events']:,} events, decisions {got['digest']}"
            )
    this_s, base_s = statistics.median(times["this"]), statistics.median(times["base"])
    same = digests["this"] == digests["base"] and len(digests["this"]) == 1
    print(
        f"medians: this {this_s:.1f} s CPU, base {base_s:.1f} s CPU: ratio {this_s / base_s:.3f}; "
        f"decisions {'identical' if same else 'DIFFER'}"
    )


if __name__ == "__main__":
    main()
