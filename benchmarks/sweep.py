"""Sweep throughput: plan+finance samples per second on the demo scenario.

Runs the same Latin-hypercube samples (the bundled default uncertain inputs) with
- a plain serial loop calling `evaluate` per sample (the baseline, measured in the same run),
- the local process pool with 1 and 2 workers,
- Ray with 2 workers on a local instance (if Ray is installed; its start-up is timed too),
and prints samples/s and the ratio to the serial loop. The bar (issue 5): 2,000 samples of
plan+finance in under 60 s on a 2-core machine.

    python benchmarks/sweep.py [--samples 2000] [--no-ray]
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import time
from collections.abc import Callable
from pathlib import Path

from gigawatt.econ.defaults import load_finance_defaults, load_uncertainty_defaults
from gigawatt.scenario import load_scenario, scenario_catalog
from gigawatt.scenario.finance import FinanceSettings, UncertaintySettings
from gigawatt.sweep import SweepBase, get_engine
from gigawatt.sweep.evaluate import evaluate
from gigawatt.sweep.sampling import draw

DEMO = Path(__file__).resolve().parents[1] / "scenarios" / "anthropic-fluidstack-2026.yaml"
BAR_SAMPLES, BAR_SECONDS = 2000, 60.0


def _burn(count: int) -> int:
    total = 0
    for i in range(count):
        total += i * i
    return total


def parallel_control(count: int = 10_000_000) -> float:
    """Speed-up of two pure-Python busy loops on 2 processes over 1: what the machine allows
    right now (2.0 on 2 idle cores; less when other jobs share them)."""
    from concurrent.futures import ProcessPoolExecutor

    began = time.perf_counter()
    _burn(count)
    _burn(count)
    serial = time.perf_counter() - began
    with ProcessPoolExecutor(2) as pool:
        began = time.perf_counter()
        list(pool.map(_burn, [count, count]))
        parallel = time.perf_counter() - began
    return serial / parallel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=BAR_SAMPLES)
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray engine")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per engine; the fastest counts (noise)"
    )
    args = parser.parse_args()

    scenario = load_scenario(DEMO)
    base = SweepBase(
        scenario, scenario_catalog(scenario), FinanceSettings(), load_finance_defaults()
    )
    uncertainty = UncertaintySettings.model_validate({"inputs": load_uncertainty_defaults()})
    names, values = draw({str(k): v for k, v in uncertainty.inputs.items()}, args.samples, "lhs", 0)
    samples = [dict(zip(names, row.tolist(), strict=True)) for row in values]

    def serial_loop() -> list[dict[str, float]]:
        return [evaluate(base, s) for s in samples]

    runs: list[tuple[str, Callable[[], list[dict[str, float]]]]] = [
        ("serial loop (baseline)", serial_loop),
        ("local pool, 1 worker", lambda: get_engine("local", workers=1).run(base, samples)),
        ("local pool, 2 workers", lambda: get_engine("local", workers=2).run(base, samples)),
    ]
    if not args.no_ray and importlib.util.find_spec("ray") is not None:
        runs.append(
            ("ray, 2 workers (local)", lambda: get_engine("ray", workers=2).run(base, samples))
        )
    elif not args.no_ray:
        print("ray is not installed: skipping the ray engine")

    print(f"{args.samples:,} plan+finance samples of {DEMO.name}, {len(names)} uncertain inputs")
    print(
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; control: 2 busy "
        f"processes run {parallel_control():.2f}x faster than 1 (2.0 on idle cores)"
    )
    print(f"{'engine':<26}{'seconds':>9}{'samples/s':>11}{'vs serial':>11}")
    reference: list[dict[str, float]] | None = None
    baseline = None
    for label, run in runs:
        seconds = math.inf
        for _ in range(max(1, args.repeat)):
            began = time.perf_counter()
            results = run()
            seconds = min(seconds, time.perf_counter() - began)
        rate = len(results) / seconds
        baseline = baseline or rate
        if reference is None:
            reference = results
        else:
            agree = all(
                (math.isnan(a) and math.isnan(b)) or a == b
                for r, q in zip(results, reference, strict=True)
                for a, b in ((r[k], q[k]) for k in r)
            )
            assert agree, f"{label} disagrees with the serial loop"
        print(f"{label:<26}{seconds:>9.2f}{rate:>11.0f}{rate / baseline:>10.2f}x")
    assert baseline is not None
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    per_2000 = BAR_SAMPLES / baseline
    print(
        f"serial loop: {per_2000:.1f} s per {BAR_SAMPLES:,} samples "
        f"(bar: {BAR_SECONDS:.0f} s on 2 cores)"
    )


if __name__ == "__main__":
    main()
