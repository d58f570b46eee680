"""Benchmark: `gigawatt serve` submit throughput and latency, and the scheduler's decision time.

    .venv/bin/python benchmarks/serve.py [--jobs 2000] [--clients 16] [--postgres URL]

Starts the service (uvicorn, one process, loopback) on the demo scenario, once over a SQLite
file and once over PostgreSQL (``--postgres``, default the local server; skipped with a note if
unreachable), creates a tenant and submits ``--jobs`` gang jobs from ``--clients`` concurrent
clients (one keep-alive httpx client each). Prints submits per second and p50/p99 latency, with
the ratio to ``GET /health`` measured in the same run as the baseline (the HTTP stack's floor).
Then times the in-memory scheduling decision alone per submit on a 100,000-accelerator fleet:
the job is added to the scheduling engine and it makes one pass (`Scheduler.submit` +
`advance`: the engine `gigawatt simulate` replays with, quotas > reservations > EASY backfill),
on shared capacity (the baseline), and for a tenant whose open reservation holds a tenth of the
fleet (its nodes offered to it first, then shared capacity), with the ratio of the medians.
``--decision-only`` runs only that part.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import create_engine, text

from gigawatt.fleet.topology import uniform_fleet
from gigawatt.service.scheduler import JobSpec, Scheduler

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "anthropic-fluidstack-2026.yaml"
ADMIN = "bench-admin"
TYPE = "gb300-nvl72"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GIGAWATT_SCENARIO": str(SCENARIO),
           "GIGAWATT_DATABASE_URL": database_url, "GIGAWATT_ADMIN_TOKEN": ADMIN}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "gigawatt.service.app:app_from_env",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("server did not start")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def load(base: str, path: str, count: int, clients: int, body: dict[str, object] | None,
         headers: dict[str, str]) -> tuple[float, list[float]]:  # fmt: skip
    """(requests per second, latencies in seconds) of ``count`` requests from ``clients``."""
    latencies: list[float] = []
    lock = threading.Lock()
    per_client = count // clients

    def run(_: int) -> None:
        mine = []
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            for _ in range(per_client):
                begin = time.perf_counter()
                response = client.post(path, json=body) if body else client.get(path)
                mine.append(time.perf_counter() - begin)
                assert response.status_code < 300, response.text
        with lock:
            latencies.extend(mine)

    begin = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(run, range(clients)))
    return len(latencies) / (time.perf_counter() - begin), latencies


def bench_database(label: str, url: str, jobs: int, clients: int) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start(url, port)
    try:
        made = httpx.post(f"{base}/v1/admin/tenants", headers={"Authorization": f"Bearer {ADMIN}"},
                          json={"name": "bench", "quotas": {TYPE: 10_000_000}})  # fmt: skip
        made.raise_for_status()
        auth = {"Authorization": f"Bearer {made.json()['token']}"}
        health_rate, health = load(base, "/health", jobs, clients, None, {})
        body = {"accelerator": TYPE, "accelerators": 72, "estimate_s": 3600.0}
        rate, latencies = load(base, "/v1/jobs", jobs, clients, body, auth)
        p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
        h50 = percentile(health, 50)
        print(f"{label:<10} submit {rate:8.0f}/s  p50 {p50 * 1e3:7.2f} ms  p99 {p99 * 1e3:7.2f} ms"
              f"  | GET /health {health_rate:6.0f}/s p50 {h50 * 1e3:5.2f} ms"
              f"  | submit p50 / health p50 = {p50 / h50:5.1f}x")  # fmt: skip
    finally:
        server.kill()
        server.wait()


def bench_decision(accelerators: int = 100_000, decisions: int = 20_000) -> None:
    """Microseconds per submit's decision (`Scheduler.submit` + `advance`, EASY backfill) on
    a fleet of ``accelerators`` (4 per node, 18-node domains), gangs of 4..576, until full,
    then releases half and refills; once on shared capacity only, once with a reservation
    holding a tenth of the fleet (offered to its tenant first)."""
    import datetime as dt

    fleet = uniform_fleet(accelerators // 4, 4, 18, halls=10, accelerator=TYPE)
    rng = np.random.default_rng(0)
    sizes = rng.choice([4, 8, 72, 144, 576], size=decisions, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    epoch = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    medians = {}
    for label, reserved in (("shared", 0), ("reserved", accelerators // 10)):
        scheduler = Scheduler(fleet, epoch, 0.0)
        scheduler.set_quotas("bench", {TYPE: accelerators})
        if reserved:
            scheduler.reserve("r-bench", "bench", TYPE, fleet.sites[0], reserved, 0.0, 1e9)
        scheduler.advance(0.0)
        running: list[str] = []
        times = []
        for i, size in enumerate(sizes.tolist()):
            if scheduler.free(TYPE) < size:
                for job in running[: len(running) // 2]:
                    scheduler.cancel(job, float(i))
                running = running[len(running) // 2 :]
            begin = time.perf_counter()
            spec = JobSpec(f"j{i}", "bench", TYPE, size, 0, float(i), 3600.0, None)
            scheduler.submit(spec, float(i))
            outcomes = scheduler.advance(float(i))
            times.append(time.perf_counter() - begin)
            running += [scheduler.job_id(o.job) for o in outcomes if o.kind == "started"]
        medians[label] = statistics.median(times)
        print(f"decision   {accelerators:,} accelerators, {label:<8}: median "
              f"{medians[label] * 1e6:6.1f} us, p99 {percentile(times, 99) * 1e6:6.1f} us, "
              f"max {max(times) * 1e3:6.1f} ms per submit ({decisions:,} submits)")  # fmt: skip
    print(f"decision   reservation tried first / shared only (medians) = "
          f"{medians['reserved'] / medians['shared']:.2f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--decision-only", action="store_true", help="time the decision only")
    args = parser.parse_args()
    if args.decision_only:
        bench_decision()
        return
    with tempfile.TemporaryDirectory() as tmp:
        bench_database("sqlite", f"sqlite:///{tmp}/bench.db", args.jobs, args.clients)
    try:
        engine = create_engine(args.postgres)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    except Exception as exc:
        print(f"postgres   skipped: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    else:
        bench_database("postgres", args.postgres, args.jobs, args.clients)
    bench_decision()


if __name__ == "__main__":
    main()
