"""`ControlPlane.recover` after a restart: every running job goes back on exactly the nodes it
had (not packed afresh); one whose node is now down goes back to the queue with the reason;
the capacity the service reports matches the running jobs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi.testclient import TestClient

from gigawatt.fleet.topology import uniform_fleet
from gigawatt.service.app import create_app
from gigawatt.store.database import Database
from gigawatt.store.models import NodeEvent

ADMIN = {"Authorization": "Bearer adm"}
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def serving(database_url: str) -> Callable[[], TestClient]:
    """A new service process (as after a restart) over the same database and fleet."""
    fleet = uniform_fleet(8, 4, 2, halls=2, accelerator="gb200", site="tx-1")

    def start() -> TestClient:
        app = create_app(
            (fleet, dt.date(2026, 1, 1)), database_url, "adm", clock=lambda: NOW,
            tick_interval_s=0,
        )  # fmt: skip
        return TestClient(app)

    return start


def placements(client: TestClient, headers: dict[str, str]) -> dict[str, tuple[object, object]]:
    jobs = client.get("/v1/jobs", params={"state": "running"}, headers=headers).json()["jobs"]
    return {j["id"]: (j["placement"]["nodes"], j["placement"]["counts"]) for j in jobs}


def held(client: TestClient) -> int:
    capacity = client.get("/v1/fleet/capacity").json()[0]
    return int(capacity["online"] - capacity["free"])


def tenant_acme(client: TestClient) -> dict[str, str]:
    """Creates tenant acme (32 GB200 quota); its auth header."""
    made = client.post(
        "/v1/admin/tenants", json={"name": "acme", "quotas": {"gb200": 32}}, headers=ADMIN
    ).json()
    return {"Authorization": f"Bearer {made['token']}"}


def test_restart_puts_running_jobs_back_on_their_exact_nodes(database_url: str) -> None:
    start = serving(database_url)
    with start() as client:
        acme = tenant_acme(client)

        def submit(accelerators: int) -> str:
            body = {"accelerator": "gb200", "accelerators": accelerators, "estimate_s": 86_400.0}
            response = client.post("/v1/jobs", json=body, headers=acme)
            assert response.json()["state"] == "running", response.text
            return str(response.json()["id"])

        # Best fit puts a and b on one node, c on another; a gang spans whole nodes plus a part.
        a, b, c = submit(2), submit(2), submit(2)
        submit(9)
        client.post(f"/v1/jobs/{a}/cancel", headers=acme)
        before = placements(client, acme)
        assert before[b][0] != before[c][0]  # packed afresh, b and c would share a node
        busy = held(client)
    with start() as again:
        assert placements(again, acme) == before
        assert held(again) == busy == 2 + 2 + 9


def test_a_job_whose_node_is_down_after_a_restart_is_requeued_with_the_reason(
    database_url: str,
) -> None:
    start = serving(database_url)
    with start() as client:
        acme = tenant_acme(client)
        body = {"accelerator": "gb200", "accelerators": 4, "estimate_s": 86_400.0}
        first = client.post("/v1/jobs", json=body, headers=acme).json()
        second = client.post("/v1/jobs", json=body, headers=acme).json()
    node = int(first["placement"]["nodes"][0])
    db = Database(database_url)
    with db.transaction(lock=False) as session:  # the node failed while the service was down
        session.add(
            NodeEvent(node=node, state="down", at=NOW, reason="test",
                      up_at=NOW + dt.timedelta(days=1))
        )  # fmt: skip
    db.dispose()
    with start() as again:
        history = again.get(f"/v1/jobs/{first['id']}", headers=acme).json()["history"]
        assert history[-2]["reason"] == f"requeued after restart: node {node} is down for repair"
        # It went back to the queue, then the policy's first pass placed it on another node.
        now = again.get(f"/v1/jobs/{first['id']}", headers=acme).json()
        assert now["state"] == "running" and node not in now["placement"]["nodes"]
        kept = again.get(f"/v1/jobs/{second['id']}", headers=acme).json()
        assert kept["placement"]["nodes"] == second["placement"]["nodes"]
        assert held(again) == 8
