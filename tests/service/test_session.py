"""A scripted session against a real server process: tenants, a reservation, 1,000 jobs from
concurrent clients, SIGKILL mid-load, restart; every acknowledged job survives, none twice,
every job running at the kill runs again on exactly the nodes the database recorded, and the
capacity the server reports matches the running jobs."""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import select

from gigawatt.store.database import Database
from gigawatt.store.models import Job

TYPE = "gb300-nvl72"
JOBS = 1000


def all_jobs(http: httpx.Client, headers: dict[str, str]) -> list[dict[str, object]]:
    jobs: list[dict[str, object]] = []
    while True:
        page = http.get("/v1/jobs", params={"offset": len(jobs), "limit": 1000}, headers=headers)
        batch = page.json()["jobs"]
        jobs.extend(batch)
        if not batch:
            return jobs


def running_placements(database_url: str) -> dict[str, tuple[list[int], list[int]]]:
    """Running jobs' recorded nodes and accelerators per node, read from the database."""
    db = Database(database_url)
    try:
        with db.read() as session:
            rows = session.scalars(select(Job).where(Job.state == "running")).all()
            return {
                j.id: (list(j.placement["nodes"]), list(j.placement["counts"]))  # type: ignore[index, call-overload]
                for j in rows
            }
    finally:
        db.dispose()


def test_session_survives_sigkill_mid_load(
    database_url: str,
    start_server: Callable[[str, int], subprocess.Popen[bytes]],
    port: int,
    admin: dict[str, str],
) -> None:
    base = f"http://127.0.0.1:{port}"
    server = start_server(database_url, port)
    try:
        # One client shared by the submitting threads (a client per request costs an SSL context).
        http = httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(max_connections=32))
        tokens = []
        for name in ("acme", "globex"):
            made = http.post(
                "/v1/admin/tenants", json={"name": name, "quotas": {TYPE: 60_000}}, headers=admin
            )
            assert made.status_code == 201, made.text
            tokens.append({"Authorization": f"Bearer {made.json()['token']}"})
        site = http.get("/v1/fleet").json()["sites"][0]
        reservation = http.post(
            "/v1/reservations",
            json={"accelerator": TYPE, "accelerators": 720, "site": site,
                  "start_date": "2027-01-01", "days": 30},
            headers=tokens[0],
        )  # fmt: skip
        assert reservation.status_code in (201, 409), reservation.text

        acknowledged: dict[str, str] = {}  # idempotency key -> job id
        lock = threading.Lock()
        killed = threading.Event()

        def submit(i: int) -> None:
            key = f"job-{i}"
            body = {"name": key, "accelerator": TYPE, "accelerators": 144, "estimate_s": 3600.0,
                    "priority": i % 3, "checkpoint_s": 600.0}  # fmt: skip
            try:
                response = http.post(
                    "/v1/jobs", json=body, headers={**tokens[i % 2], "Idempotency-Key": key}
                )
            except httpx.HTTPError:
                return  # not acknowledged: the server was killed
            if response.status_code in (200, 201):
                with lock:
                    acknowledged[key] = response.json()["id"]
                    if len(acknowledged) == JOBS // 2 and not killed.is_set():
                        killed.set()
                        server.send_signal(signal.SIGKILL)

        with ThreadPoolExecutor(16) as pool:
            list(pool.map(submit, range(JOBS)))
        server.wait(10)
        assert killed.is_set() and JOBS // 2 <= len(acknowledged) < JOBS
        at_kill = running_placements(database_url)
        assert at_kill

        server = start_server(database_url, port)
        # Nothing ends within the test (estimates of an hour on the wall clock, no failures):
        # every job running at the kill runs again on exactly its recorded nodes.
        restored = {
            str(j["id"]): (j["placement"]["nodes"], j["placement"]["counts"])  # type: ignore[index]
            for headers in tokens
            for j in all_jobs(http, headers)
            if j["id"] in at_kill
        }
        assert restored == at_kill
        before = dict(acknowledged)
        with ThreadPoolExecutor(16) as pool:  # resubmit everything: keys make it exactly once
            list(pool.map(submit, range(JOBS)))
        for key, job_id in before.items():
            assert acknowledged[key] == job_id, f"{key} changed id after restart"

        owned = [(j, headers) for headers in tokens for j in all_jobs(http, headers)]
        ids = [str(j["id"]) for j, _ in owned]
        assert len(ids) == len(set(ids)) == JOBS
        assert set(acknowledged.values()) == set(ids)

        running = [(j, headers) for j, headers in owned if j["state"] == "running"]
        for job, headers in running[:50]:
            cancel = http.post(f"/v1/jobs/{job['id']}/cancel", headers=headers)
            assert cancel.status_code == 200 and cancel.json()["state"] == "cancelled"

        jobs = [j for headers in tokens for j in all_jobs(http, headers)]
        held = sum(int(j["accelerators"]) for j in jobs if j["state"] == "running")  # type: ignore[call-overload]
        capacity = {c["accelerator"]: c for c in http.get("/v1/fleet/capacity").json()}[TYPE]
        assert capacity["online"] - capacity["free"] == held
        assert sum(1 for j in jobs if j["state"] == "cancelled") == 50
        usage = http.get("/v1/admin/metrics", headers=admin).json()["usage"]
        assert all(v[TYPE] <= 60_000 for v in usage.values())
        assert sum(v[TYPE] for v in usage.values()) == held
    finally:
        server.kill()
        server.wait(10)
