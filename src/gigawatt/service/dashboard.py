"""The live dashboard at ``/`` (an edge): one HTML page (``static/dashboard.html``) that asks
for a token, keeps it in the browser's sessionStorage and polls ``GET /v1/dashboard`` every
2 s. That route answers with the payload already aggregated (one row per site and accelerator
type, per tenant, per reservation; the 50 most recent jobs and 20 most recent node events) and
the Plotly figures built from it by `gigawatt.report.dashboard_charts`, the same plotting
module as the reports. plotly.js is served from the installed ``plotly`` package at
``/dashboard/assets/plotly.min.js``: nothing is fetched from a CDN.

The token decides the view, with the API's own rules: the admin token sees every tenant (and
may narrow to one with ``?tenant=NAME``); a tenant's token sees only its own jobs, usage and
reservations. Fleet capacity, utilization, queue length and node failures are fleet facts
every viewer sees (as ``/v1/fleet/capacity`` and ``/v1/metrics`` already show them)."""

# No `from __future__ import annotations`: FastAPI must see the Annotated aliases.

import datetime as dt
import hmac
import json
import threading
from collections import deque
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import plotly
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import func, select

from gigawatt.report.dashboard_charts import build_dashboard_figures
from gigawatt.service.control import ControlPlane
from gigawatt.store.models import Job, NodeEvent, Reservation, Tenant

STATIC = Path(__file__).with_name("static")
PLOTLY_JS = Path(plotly.__file__).with_name("package_data") / "plotly.min.js"
RECENT_JOBS = 50
RECENT_NODE_EVENTS = 20
HISTORY_SAMPLES = 300  # 10 minutes of 2 s polls
_ASSETS = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}

router = APIRouter()
_bearer = HTTPBearer(auto_error=False)


class History:
    """Fleet-wide samples of utilization and queue, one per second at most, newest last (in
    memory: the live view's recent past, lost on restart)."""

    def __init__(self, size: int = HISTORY_SAMPLES) -> None:
        self.samples: deque[dict[str, Any]] = deque(maxlen=size)
        self.lock = threading.Lock()

    def add(self, sample: dict[str, Any]) -> list[dict[str, Any]]:
        with self.lock:
            if not self.samples or self.samples[-1]["at"][:19] != sample["at"][:19]:
                self.samples.append(sample)
            return list(self.samples)


class Viewer:
    """Who is looking: the admin (``tenant_id`` None) or one tenant."""

    def __init__(self, tenant_id: str | None, tenant_name: str | None) -> None:
        self.tenant_id = tenant_id
        self.tenant_name = tenant_name


def _viewer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Viewer:
    control: ControlPlane = request.app.state.control
    control.tick()
    token = credentials.credentials if credentials is not None else ""
    if token and hmac.compare_digest(token, request.app.state.admin_token):
        return Viewer(None, None)
    tenant = control.tenant_for_token(token) if token else None
    if tenant is None:
        raise HTTPException(401, "a valid admin or tenant token is required",
                            {"WWW-Authenticate": "Bearer"})  # fmt: skip
    return Viewer(tenant.id, tenant.name)


def site_rows(control: ControlPlane) -> list[dict[str, Any]]:
    """Per (site, accelerator type): accelerators planned (the whole fleet), online, busy and
    down (failed nodes) now; aggregated with array sums, one row per group."""
    fleet = control.fleet
    types = len(fleet.types)
    key = fleet.node_site.astype(np.int64) * types + fleet.node_type
    size = len(fleet.sites) * types
    planned = np.bincount(key, weights=fleet.node_accelerators, minlength=size)
    with control.lock:
        failed = control.engine.failed
        groups, busy, online = control.engine.busy_by_group()
    down = (
        np.bincount(key[failed], weights=fleet.node_accelerators[failed], minlength=size)
        if failed is not None
        else np.zeros(size)
    )
    live = {group: (b, o) for group, b, o in zip(groups, busy, online, strict=True)}
    rows = []
    for s, site in enumerate(fleet.sites):
        for t, accelerator in enumerate(fleet.types):
            k = s * types + t
            if planned[k] == 0:
                continue
            b, o = live.get((site, accelerator), (0.0, 0.0))
            rows.append(
                {
                    "site": site,
                    "accelerator": accelerator,
                    "planned": int(planned[k]),
                    "online": int(o),
                    "busy": int(b),
                    "down": int(down[k]),
                }
            )
    return rows


def _iso(when: dt.datetime | None) -> str | None:
    if when is None:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).isoformat()


def dashboard_state(
    control: ControlPlane, viewer: Viewer, tenant: str | None, history: History
) -> dict[str, Any]:
    """The dashboard payload for `viewer`; the admin may narrow to the tenant named `tenant`
    (a tenant always sees only itself). Counts in accelerators and jobs; times in UTC ISO."""
    metrics = control.metrics(None)
    at = _iso(metrics.at) or dt.datetime.now(dt.UTC).isoformat()
    samples = history.add(
        {
            "at": at,
            "utilization": dict(metrics.utilization),
            "queued_jobs": metrics.queued_jobs,
            "running_jobs": metrics.running_jobs,
        }
    )
    fleet = control.fleet
    with control.db.read() as session:
        tenants = list(session.execute(select(Tenant.id, Tenant.name).order_by(Tenant.name)))
        names = {tid: name for tid, name in tenants}
        scope: str | None = viewer.tenant_id
        if scope is None and tenant is not None:
            scope = next((tid for tid, name in tenants if name == tenant), "")
        jobs_q = select(Job).order_by(Job.seq.desc()).limit(RECENT_JOBS)
        counts_q = select(Job.state, func.count()).group_by(Job.state)
        usage_q = (
            select(Job.tenant_id, Job.accelerator, func.sum(Job.accelerators))
            .where(Job.state == "running")
            .group_by(Job.tenant_id, Job.accelerator)
        )
        today = (metrics.at or dt.datetime.now(dt.UTC)).date()
        reservations_q = (
            select(Reservation)
            .where(Reservation.state == "active", Reservation.end_date >= today)
            .order_by(Reservation.start_date)
        )
        if scope is not None:
            jobs_q = jobs_q.where(Job.tenant_id == scope)
            counts_q = counts_q.where(Job.tenant_id == scope)
            usage_q = usage_q.where(Job.tenant_id == scope)
            reservations_q = reservations_q.where(Reservation.tenant_id == scope)
        jobs = [
            {
                "id": j.id,
                "tenant": names.get(j.tenant_id, ""),
                "name": j.name,
                "accelerator": j.accelerator,
                "accelerators": int(j.accelerators),
                "state": j.state,
                "submitted_at": _iso(j.submitted_at),
                "started_at": _iso(j.started_at),
                "interruptions": int(j.interruptions or 0),
            }
            for j in session.scalars(jobs_q)
        ]
        counts = {state: int(n) for state, n in session.execute(counts_q).tuples()}
        usage: dict[str, dict[str, int]] = {}
        for tenant_id, accelerator, held in session.execute(usage_q).tuples():
            usage.setdefault(names.get(tenant_id, ""), {})[accelerator] = int(held)
        reservations = [
            {
                "id": r.id,
                "tenant": names.get(r.tenant_id, ""),
                "site": r.site,
                "accelerator": r.accelerator,
                "accelerators": int(r.accelerators),
                "start_date": r.start_date.isoformat(),
                "end_date": r.end_date.isoformat(),
            }
            for r in session.scalars(reservations_q)
        ]
        failures = [
            {
                "node": e.node,
                "site": fleet.sites[int(fleet.node_site[e.node])],
                "accelerator": fleet.types[int(fleet.node_type[e.node])],
                "accelerators": int(fleet.node_accelerators[e.node]),
                "state": e.state,
                "at": _iso(e.at),
                "reason": e.reason,
            }
            for e in session.scalars(
                select(NodeEvent).order_by(NodeEvent.id.desc()).limit(RECENT_NODE_EVENTS)
            )
            if 0 <= e.node < fleet.node_count
        ]
    return {
        "at": at,
        "view": "admin" if viewer.tenant_id is None else "tenant",
        "tenant": viewer.tenant_name if viewer.tenant_id is not None else tenant,
        "tenants": [name for _, name in tenants] if viewer.tenant_id is None else [],
        "sites": site_rows(control),
        "utilization": dict(metrics.utilization),
        "fleet_queued_jobs": metrics.queued_jobs,
        "fleet_running_jobs": metrics.running_jobs,
        "nodes_down": int(getattr(metrics, "nodes_down", 0) or 0),
        "queued_jobs": counts.get("queued", 0),
        "running_jobs": counts.get("running", 0),
        "jobs": jobs,
        "usage": usage,
        "reservations": reservations,
        "failures": failures,
        "history": samples,
    }


def _history(request: Request) -> History:
    state = request.app.state
    if not hasattr(state, "dashboard_history"):
        state.dashboard_history = History()
    history: History = state.dashboard_history
    return history


@router.get("/v1/dashboard", tags=["dashboard"])
def dashboard_data(
    request: Request,
    viewer: Annotated[Viewer, Depends(_viewer)],
    tenant: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> Response:
    """The dashboard's payload and its figures (Plotly JSON), for the token's view; the admin
    may narrow to one tenant with ``?tenant=NAME``."""
    state = dashboard_state(request.app.state.control, viewer, tenant, _history(request))
    figures = build_dashboard_figures(state)
    body = (
        '{"state":'
        + json.dumps(state)
        + ',"figures":{'
        + ",".join(f"{json.dumps(k)}:{fig.to_json()}" for k, fig in figures.items())
        + "}}"
    )
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


@router.get("/", include_in_schema=False)
def dashboard_page() -> HTMLResponse:
    """The dashboard page (it asks for a token, then polls /v1/dashboard)."""
    return HTMLResponse((STATIC / "dashboard.html").read_text(encoding="utf-8"))


@router.get("/dashboard/assets/plotly.min.js", include_in_schema=False)
def plotly_js() -> FileResponse:
    """plotly.js from the installed plotly package (the same the reports embed)."""
    return FileResponse(PLOTLY_JS, media_type="text/javascript")


@router.get("/dashboard/assets/{name}", include_in_schema=False)
def asset(name: str) -> FileResponse:
    if name not in _ASSETS:
        raise HTTPException(404, f"no asset {name!r}")
    return FileResponse(STATIC / name, media_type=_ASSETS[name])
