"""Concurrent submissions never oversubscribe capacity or quota."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient


def test_fifty_clients_race_for_the_last_free_capacity(
    client: TestClient, make_tenant: Callable[..., dict[str, str]]
) -> None:
    tenants = [make_tenant(f"t{i}", gb200=32) for i in range(5)]
    filler = client.post(
        "/v1/jobs",
        json={"accelerator": "gb200", "accelerators": 28, "estimate_s": 60},
        headers=tenants[0],
    )
    assert filler.json()["state"] == "running"  # 4 of 32 free now

    def submit(i: int) -> str:
        response = client.post(
            "/v1/jobs",
            json={"accelerator": "gb200", "accelerators": 4, "estimate_s": 60},
            headers=tenants[i % 5],
        )
        assert response.status_code == 201, response.text
        return str(response.json()["state"])

    with ThreadPoolExecutor(50) as pool:
        states = list(pool.map(submit, range(50)))
    assert states.count("running") == 1 and states.count("queued") == 49
    capacity = client.get("/v1/fleet/capacity").json()[0]
    assert capacity["free"] == 0 and capacity["running_jobs"] == 2


def test_fifty_clients_of_one_tenant_never_exceed_its_quota(
    client: TestClient, make_tenant: Callable[..., dict[str, str]]
) -> None:
    acme = make_tenant("acme", gb200=12)

    def submit(_: int) -> str:
        body = {"accelerator": "gb200", "accelerators": 4, "estimate_s": 60}
        return str(client.post("/v1/jobs", json=body, headers=acme).json()["state"])

    with ThreadPoolExecutor(50) as pool:
        states = list(pool.map(submit, range(50)))
    assert states.count("running") == 3
    usage = client.get("/v1/metrics", headers=acme).json()["usage"]
    assert usage == {"acme": {"gb200": 12}}
