"""The HTTP API on a small fleet: auth, isolation, quotas, gangs, queueing, idempotency."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

Headers = dict[str, str]
MakeTenant = Callable[..., Headers]


def job(accelerators: int = 4, **extra: object) -> dict[str, object]:
    return {"accelerator": "gb200", "accelerators": accelerators, "estimate_s": 3600.0, **extra}


def test_admin_routes_need_the_admin_token(
    client: TestClient, admin: Headers, make_tenant: MakeTenant
) -> None:
    assert client.get("/v1/admin/tenants").status_code == 401
    assert (
        client.get("/v1/admin/tenants", headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    assert client.get("/v1/admin/tenants", headers=admin).status_code == 200


def test_token_is_shown_once_and_stored_only_as_a_hash(
    client: TestClient, admin: Headers, make_tenant: MakeTenant
) -> None:
    created = client.post(
        "/v1/admin/tenants", json={"name": "acme", "quotas": {"gb200": 8}}, headers=admin
    ).json()
    assert created["token"].startswith("gw_")
    listed = client.get("/v1/admin/tenants", headers=admin).json()
    assert listed[0]["token"] is None and listed[0]["quotas"] == {"gb200": 8}
    from sqlalchemy import select

    from gigawatt.store.models import Tenant

    with client.app.state.db.read() as session:  # type: ignore[attr-defined]
        stored = session.scalar(select(Tenant.token_hash))
    assert stored != created["token"] and len(stored) == 64


def test_tenant_never_sees_another_tenants_jobs_or_reservations(
    client: TestClient, admin: Headers, make_tenant: MakeTenant
) -> None:
    acme, other = make_tenant("acme"), make_tenant("other")
    job_id = client.post("/v1/jobs", json=job(), headers=acme).json()["id"]
    reservation = client.post(
        "/v1/reservations",
        json={
            "accelerator": "gb200",
            "accelerators": 4,
            "site": "tx-1",
            "start_date": "2026-07-01",
            "days": 30,
        },
        headers=acme,
    ).json()["id"]
    assert client.get(f"/v1/jobs/{job_id}", headers=other).status_code == 404
    assert client.post(f"/v1/jobs/{job_id}/cancel", headers=other).status_code == 404
    assert client.get(f"/v1/reservations/{reservation}", headers=other).status_code == 404
    assert client.delete(f"/v1/reservations/{reservation}", headers=other).status_code == 404
    assert client.get("/v1/jobs", headers=other).json()["total"] == 0
    assert client.get("/v1/reservations", headers=other).json() == []
    assert client.get(f"/v1/jobs/{job_id}", headers=acme).status_code == 200


def test_gang_starts_whole_or_queues_and_starts_when_capacity_frees(
    client: TestClient, admin: Headers, make_tenant: MakeTenant
) -> None:
    acme = make_tenant("acme")
    big = client.post("/v1/jobs", json=job(24), headers=acme).json()
    assert big["state"] == "running"
    assert sum(big["placement"]["counts"]) == 24
    waiting = client.post("/v1/jobs", json=job(16), headers=acme).json()
    assert waiting["state"] == "queued"
    free = client.get("/v1/fleet/capacity").json()[0]
    assert free == {
        "accelerator": "gb200", "total": 32, "online": 32, "free": 8, "running_jobs": 1,
        "reserved": 0, "reserved_free": 0,
    }  # fmt: skip
    cancelled = client.post(f"/v1/jobs/{big['id']}/cancel", headers=acme).json()
    assert cancelled["state"] == "cancelled"
    started = client.get(f"/v1/jobs/{waiting['id']}", headers=acme).json()
    assert started["state"] == "running"
    assert [e["state"] for e in started["history"]] == ["queued", "running"]
    assert [e["state"] for e in cancelled["history"]] == ["queued", "running", "cancelled"]
    assert client.post(f"/v1/jobs/{big['id']}/cancel", headers=acme).status_code == 409


def test_quota_refuses_a_gang_larger_than_the_quota_and_holds_jobs_past_it(
    client: TestClient, admin: Headers, make_tenant: MakeTenant
) -> None:
    small = make_tenant("small", gb200=8)
    refused = client.post("/v1/jobs", json=job(12), headers=small)
    assert refused.status_code == 409 and "quota" in refused.json()["detail"]
    assert client.post("/v1/jobs", json=job(8), headers=small).json()["state"] == "running"
    # Capacity is free, but the tenant already holds its quota.
    assert client.post("/v1/jobs", json=job(4), headers=small).json()["state"] == "queued"


def test_reservation_refused_with_the_reason(
    client: TestClient, admin: Headers, make_tenant: MakeTenant
) -> None:
    acme = make_tenant("acme", gb200=64)
    body = {
        "accelerator": "gb200",
        "accelerators": 24,
        "site": "tx-1",
        "start_date": "2026-07-01",
        "days": 30,
    }
    assert client.post("/v1/reservations", json=body, headers=acme).status_code == 201
    over = client.post("/v1/reservations", json=body, headers=acme)
    assert over.status_code == 409 and over.json()["detail"].startswith("capacity:")
    past = client.post("/v1/reservations", json={**body, "start_date": "2026-01-01"}, headers=acme)
    assert past.status_code == 409 and "past" in past.json()["detail"]
    small = make_tenant("small", gb200=2)
    quota = client.post("/v1/reservations", json={**body, "accelerators": 4}, headers=small)
    assert quota.status_code == 409 and quota.json()["detail"].startswith("quota:")
    site = client.post("/v1/reservations", json={**body, "site": "mars"}, headers=acme)
    assert site.status_code == 422 and "mars" in site.json()["detail"]
    first = client.get("/v1/reservations", headers=acme).json()[0]
    assert (
        client.delete(f"/v1/reservations/{first['id']}", headers=acme).json()["state"]
        == "cancelled"
    )
    assert client.post("/v1/reservations", json=body, headers=acme).status_code == 201


def test_idempotent_submit_returns_the_first_job(
    client: TestClient, admin: Headers, make_tenant: MakeTenant
) -> None:
    acme = make_tenant("acme")
    first = client.post("/v1/jobs", json=job(), headers={**acme, "Idempotency-Key": "k1"})
    again = client.post("/v1/jobs", json=job(), headers={**acme, "Idempotency-Key": "k1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert client.get("/v1/jobs", headers=acme).json()["total"] == 1


def test_bad_bodies_get_a_clear_422(
    client: TestClient, admin: Headers, make_tenant: MakeTenant
) -> None:
    acme = make_tenant("acme")
    zero = client.post("/v1/jobs", json=job(0), headers=acme)
    assert zero.status_code == 422 and "accelerators" in zero.json()["detail"]
    extra = client.post("/v1/jobs", json=job(gpus=3), headers=acme)
    assert extra.status_code == 422 and "gpus" in extra.json()["detail"]
    unknown = client.post("/v1/jobs", json={**job(), "accelerator": "h100"}, headers=acme)
    assert unknown.status_code == 422 and "h100" in unknown.json()["detail"]


def test_list_filters_and_pages(
    client: TestClient, admin: Headers, make_tenant: MakeTenant
) -> None:
    acme = make_tenant("acme")
    ids = [client.post("/v1/jobs", json=job(8), headers=acme).json()["id"] for _ in range(6)]
    page = client.get("/v1/jobs?limit=2&offset=2", headers=acme).json()
    assert [j["id"] for j in page["jobs"]] == ids[2:4] and page["total"] == 6
    queued = client.get("/v1/jobs?state=queued", headers=acme).json()
    assert [j["id"] for j in queued["jobs"]] == ids[4:]
    assert client.get("/v1/jobs?state=bogus", headers=acme).status_code == 422


def test_metrics_show_utilization_queue_and_usage(
    client: TestClient, admin: Headers, make_tenant: MakeTenant
) -> None:
    acme, other = make_tenant("acme"), make_tenant("other")
    client.post("/v1/jobs", json=job(16), headers=acme)
    client.post("/v1/jobs", json=job(8), headers=other)
    client.post("/v1/jobs", json=job(16), headers=other)
    everything = client.get("/v1/admin/metrics", headers=admin).json()
    assert everything["utilization"] == {"gb200": 0.75}
    assert (everything["running_jobs"], everything["queued_jobs"]) == (2, 1)
    assert everything["usage"] == {"acme": {"gb200": 16}, "other": {"gb200": 8}}
    assert client.get("/v1/metrics", headers=acme).json()["usage"] == {"acme": {"gb200": 16}}


def test_fleet_read_outs(client: TestClient, admin: Headers, make_tenant: MakeTenant) -> None:
    summary = client.get("/v1/fleet").json()
    assert summary["sites"] == ["tx-1"] and summary["nodes"] == 8 and summary["domains"] == 4
    nodes = client.get("/v1/fleet/nodes?limit=3").json()
    assert len(nodes["nodes"]) == 3 and nodes["nodes"][0]["free"] == 4


def test_jobs_complete_when_their_estimate_elapses_and_the_queue_moves(database_url: str) -> None:
    import datetime as dt

    from gigawatt.fleet.topology import uniform_fleet
    from gigawatt.service.app import create_app

    now = [dt.datetime(2026, 6, 1, tzinfo=dt.UTC)]
    fleet = uniform_fleet(2, 4, 1, accelerator="gb200", site="tx-1")
    app = create_app((fleet, dt.date(2026, 1, 1)), database_url, "adm", clock=lambda: now[0])
    with TestClient(app) as client:
        token = client.post(
            "/v1/admin/tenants",
            json={"name": "acme", "quotas": {"gb200": 8}},
            headers={"Authorization": "Bearer adm"},
        ).json()["token"]
        acme = {"Authorization": f"Bearer {token}"}
        short = client.post("/v1/jobs", json=job(8, estimate_s=60.0), headers=acme).json()
        waiting = client.post("/v1/jobs", json=job(8), headers=acme).json()
        assert (short["state"], waiting["state"]) == ("running", "queued")
        now[0] += dt.timedelta(seconds=61)
        done = client.get(f"/v1/jobs/{short['id']}", headers=acme).json()
        assert done["state"] == "completed"
        assert done["history"][-1]["reason"] == "estimate elapsed"
        assert client.get(f"/v1/jobs/{waiting['id']}", headers=acme).json()["state"] == "running"


def test_monthly_budget_refuses_work_that_would_exceed_it_with_the_reason(
    database_url: str,
) -> None:
    import datetime as dt

    from gigawatt.fleet.topology import uniform_fleet
    from gigawatt.service.app import create_app

    fleet = uniform_fleet(8, 4, 2, accelerator="gb200", site="tx-1")
    app = create_app(
        (fleet, dt.date(2026, 1, 1)), database_url, "adm",
        clock=lambda: dt.datetime(2026, 6, 15, tzinfo=dt.UTC),
        prices_usd_per_hour={"gb200": 10.0},
    )  # fmt: skip
    with TestClient(app) as client:
        made = client.post(
            "/v1/admin/tenants",
            json={"name": "thrifty", "quotas": {"gb200": 32}, "monthly_budget_usd": 1000},
            headers={"Authorization": "Bearer adm"},
        ).json()
        thrifty = {"Authorization": f"Bearer {made['token']}"}
        # 8 accelerators x 10 h x $10 = $800: fits; another $800 does not.
        first = client.post("/v1/jobs", json=job(8, estimate_s=36_000.0), headers=thrifty)
        assert first.status_code == 201
        over = client.post("/v1/jobs", json=job(8, estimate_s=36_000.0), headers=thrifty)
        assert over.status_code == 409
        assert over.json()["detail"].startswith("budget: this job's estimated $800 on top of $800")
        assert (
            client.post("/v1/jobs", json=job(2, estimate_s=36_000.0), headers=thrifty).status_code
            == 201
        )


def test_a_gang_larger_than_the_whole_fleet_is_refused(
    client: TestClient, admin: Headers, make_tenant: MakeTenant
) -> None:
    acme = make_tenant("acme", gb200=64)
    refused = client.post("/v1/jobs", json=job(33), headers=acme)
    assert refused.status_code == 409
    assert (
        refused.json()["detail"]
        == "capacity: a gang of 33 gb200 never fits: the fleet has 32 in all"
    )
