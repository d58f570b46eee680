"""The FastAPI app: thin routers over `ControlPlane`. OpenAPI at ``/openapi.json``, docs at
``/docs``. Tenants authenticate with ``Authorization: Bearer <token>``; admin routes take the
admin token the same way. Another tenant's object is answered 404, as if it did not exist."""

# No `from __future__ import annotations`: FastAPI must see the local Annotated aliases.

import datetime as dt
import hmac
import logging
import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import func, select

from gigawatt.fleet.topology import Fleet
from gigawatt.pipeline import DEFAULT_RAMP, Pipeline
from gigawatt.plan.feasible import Ramp
from gigawatt.scenario import Scenario, load_scenario, scenario_catalog
from gigawatt.sched.cluster import placement_names
from gigawatt.sched.queue import queue_policy_names
from gigawatt.service import schemas
from gigawatt.service.control import ControlPlane, Refused, utcnow
from gigawatt.service.dashboard import router as dashboard_router
from gigawatt.service.power import PowerModel
from gigawatt.service.scheduler import DEFAULT_POLICY, Scheduler
from gigawatt.service.twin import TwinClock
from gigawatt.store.database import Database
from gigawatt.store.models import JOB_STATES, JobEvent, NodeEvent, Usage

log = logging.getLogger(__name__)

#: How far ahead of the twin clock's start node failures are drawn, seconds (then none).
TWIN_FAILURE_HORIZON_S = 2 * 365 * 86_400.0

bearer = HTTPBearer(auto_error=False)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def fleet_from_scenario(
    scenario: str | Path | Scenario, ramp: Ramp = DEFAULT_RAMP
) -> tuple[Fleet, dt.date]:
    """The planned fleet of a scenario (a file or loaded) on the `ramp`
    (`gigawatt.plan.feasible`) and its program start (the fleet's time zero)."""
    pipeline = Pipeline(scenario, ramp=ramp)
    return pipeline.fleet, pipeline.scenario.program.start


def prices_from_scenario(scenario: str | Path | Scenario, month: dt.date) -> dict[str, float]:
    """USD per accelerator-hour by type in ``month``: the on-demand market price the finance
    model sells hours at (`gigawatt.econ.revenue.reference_price`: the scenario's per-type
    price, else a sourced market price, else its H100-hour price x the type's
    H100-equivalents, along the yearly price decline), for every type the fleet has."""
    from gigawatt.econ.defaults import load_finance_defaults
    from gigawatt.econ.inputs import resolve_inputs
    from gigawatt.econ.revenue import price_path, reference_price
    from gigawatt.plan.planner import h100_equivalents

    scenario = _loaded(scenario)
    catalog = scenario_catalog(scenario)
    inputs = resolve_inputs(scenario.finance, load_finance_defaults())
    types = sorted({phase.accelerator for site in scenario.sites for phase in site.phases})
    types += sorted({c.accelerator for c in scenario.contracts} - set(types))
    prices: dict[str, float] = {}
    for accelerator in types:
        h100e = h100_equivalents(catalog.accelerators[accelerator].fp8_tflops.value * 1e12, catalog)
        base, _ = reference_price(inputs, accelerator, h100e)
        factor = float(price_path(inputs, [month.replace(day=1)], accelerator)[0])
        prices[accelerator] = round(base * factor, 4)
    return prices


def power_model_from_scenario(scenario: str | Path | Scenario) -> PowerModel:
    """Full-load IT watts per accelerator from the catalog and each site's PUE (the planner's
    `site_pue`); contracted capacity (no site of ours) at PUE 1."""
    from gigawatt.plan.planner import site_pue

    scenario = _loaded(scenario)
    catalog = scenario_catalog(scenario)
    return PowerModel(
        it_power_w={a.id: a.it_power_w.value for a in catalog.accelerators.values()},
        pue={site.id: site_pue(site, catalog) for site in scenario.sites},
    )


def _loaded(scenario: str | Path | Scenario) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def default_power_model(fleet: Fleet) -> PowerModel:
    """For a fleet built in code: the bundled catalog's watts, PUE 1 at every site."""
    from gigawatt.catalog.load import load_catalog

    catalog = load_catalog()
    return PowerModel(
        it_power_w={
            t: catalog.accelerators[t].it_power_w.value
            for t in fleet.types
            if t in catalog.accelerators
        }
    )


def latest_recorded_time(db: Database) -> dt.datetime | None:
    """The newest time the database has recorded (a twin clock restarts no earlier)."""
    with db.read() as session:
        times = [
            session.scalar(select(func.max(JobEvent.at))),
            session.scalar(select(func.max(NodeEvent.at))),
            session.scalar(select(func.max(Usage.start_at)).where(Usage.kind == "job")),
        ]
    known = [t if t.tzinfo else t.replace(tzinfo=dt.UTC) for t in times if t is not None]
    return max(known) if known else None


def create_app(
    scenario: str | Path | tuple[Fleet, dt.date],
    database_url: str,
    admin_token: str | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
    placement: str = "topology",
    prices_usd_per_hour: dict[str, float] | None = None,
    speed: float | None = None,
    failures: str | None = None,
    seed: int = 0,
    power: PowerModel | None = None,
    tick_interval_s: float | None = None,
    policy: str = DEFAULT_POLICY,
    ramp: Ramp = DEFAULT_RAMP,
) -> FastAPI:
    """The service for a scenario file (or an already built ``(fleet, program_start)``) over
    the database at ``database_url`` (migrated to the newest revision at start).
    ``prices_usd_per_hour``: for metering and budgets (default: the scenario's on-demand
    prices this month, `prices_from_scenario`; none for a fleet built in code).
    ``speed``: run the twin clock, ``speed`` x the wall clock from ``clock()``'s now (or the
    newest time the database recorded, if later). ``failures``: a failure model's name or file
    (`gigawatt.failures`); its node failures and repairs are replayed on the clock (seed
    ``seed``). ``tick_interval_s``: how often a background thread advances the clock's events
    (default 0.05 s on the twin clock, 1 s on the wall clock; 0: only on requests).
    ``policy``: the queue policy that decides which waiting jobs start (`gigawatt.sched.queue`,
    as ``gigawatt simulate --queue``); ``placement``: the fleet placement it places with.
    ``admin_token``: else ``GIGAWATT_ADMIN_TOKEN``, else a random one (``app.state.admin_token``).
    ``ramp``: the ramp the scenario's fleet follows (`gigawatt.plan.feasible`)."""
    from gigawatt.failures.fleet import failures_from, fleet_failures
    from gigawatt.failures.load import load_failure_model

    if policy not in queue_policy_names():
        raise ValueError(
            f"unknown queue policy {policy!r} (known: {', '.join(queue_policy_names())})"
        )
    if placement not in placement_names():
        raise ValueError(f"unknown placement {placement!r} (known: {', '.join(placement_names())})")
    loaded: Scenario | None = None
    if isinstance(scenario, tuple):
        fleet, start = scenario
    else:
        loaded = load_scenario(scenario)  # read once: the fleet, prices and power use it
        fleet, start = fleet_from_scenario(loaded, ramp)
    db = Database(database_url)
    db.upgrade()
    if speed is not None:
        origin = max(clock(), latest_recorded_time(db) or clock())
        clock = TwinClock(speed, origin, started=False)  # started once ready to serve
    if prices_usd_per_hour is None and loaded is not None:
        prices_usd_per_hour = prices_from_scenario(loaded, clock().date())
    if power is None:
        power = default_power_model(fleet) if loaded is None else power_model_from_scenario(loaded)
    node_failures = None
    if failures is not None:
        model = load_failure_model(failures)
        epoch = dt.datetime.combine(start, dt.time(), dt.UTC)
        now_s = (clock() - epoch).total_seconds()
        drawn = fleet_failures(model, fleet, now_s + TWIN_FAILURE_HORIZON_S, seed)
        node_failures = failures_from(drawn, now_s)  # only those still ahead of the clock
    control = ControlPlane(
        db, fleet, start, clock, placement, prices_usd_per_hour, power, node_failures, policy
    )
    admin = admin_token or os.environ.get("GIGAWATT_ADMIN_TOKEN") or secrets.token_urlsafe(24)
    if tick_interval_s is None:
        tick_interval_s = 0.05 if speed is not None else 1.0
    stop_ticking = threading.Event()

    app = FastAPI(
        title="gigawatt control plane",
        version="1",
        description="Tenants, reservations and gang jobs on a planned AI fleet.",
        responses={
            code: {"model": schemas.Problem, "description": text}
            for code, text in (
                (401, "Missing or wrong token"),
                (404, "No such object (or another tenant's)"),
                (409, "Refused: quota, capacity, dates or state, with the reason"),
                (422, "Invalid request: each problem as `field: message`"),
            )
        },
    )
    app.state.control = control
    app.state.admin_token = admin
    app.state.db = db
    app.include_router(dashboard_router)  # the live dashboard at / (service/dashboard.py)

    def ticker() -> None:
        while not stop_ticking.wait(tick_interval_s):
            try:
                control.tick()
            except Exception:  # keep ticking; the request path reports its own errors
                log.exception("clock tick failed")

    @app.on_event("startup")
    def start_ticking() -> None:
        if isinstance(clock, TwinClock):
            clock.start()
        if tick_interval_s:
            stop_ticking.clear()
            threading.Thread(target=ticker, name="gigawatt-clock", daemon=True).start()

    @app.exception_handler(Refused)
    async def refused(_: Request, exc: Refused) -> JSONResponse:
        return JSONResponse({"detail": exc.reason}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}"
            for e in exc.errors()
        ]
        return JSONResponse({"detail": "; ".join(problems)}, status_code=422)

    def require_admin(credentials: Credentials) -> None:
        if credentials is None or not hmac.compare_digest(credentials.credentials, admin):
            raise HTTPException(401, "admin token required", {"WWW-Authenticate": "Bearer"})
        control.tick()

    def authenticated(credentials: Credentials) -> str:
        tenant = control.tenant_for_token(credentials.credentials) if credentials else None
        if tenant is None:
            raise HTTPException(
                401, "a valid tenant token is required", {"WWW-Authenticate": "Bearer"}
            )
        return tenant.id

    def require_tenant(credentials: Credentials) -> str:
        """A tenant's read: what the clock passed applies, with its decisions, first."""
        tenant = authenticated(credentials)  # no scheduling work for a request refused 401
        control.tick()
        return tenant

    def require_tenant_change(credentials: Credentials) -> str:
        """A tenant's change: what the clock passed applies first, and the change joins the
        same instant's pass of the policy (as in the twin's replay)."""
        tenant = authenticated(credentials)
        control.catch_up()
        return tenant

    Admin = Annotated[None, Depends(require_admin)]
    TenantId = Annotated[str, Depends(require_tenant)]
    TenantChange = Annotated[str, Depends(require_tenant_change)]

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    # Fleet --------------------------------------------------------------------------------

    @app.get("/v1/fleet")
    def fleet_summary() -> dict[str, object]:
        """Sites, halls, accelerator types and counts of the planned fleet."""
        return {
            "sites": list(fleet.sites),
            "halls": list(fleet.halls),
            "types": list(fleet.types),
            "domains": fleet.domain_count,
            "nodes": fleet.node_count,
            "accelerators": fleet.accelerators_by_type(),
        }

    @app.get("/v1/fleet/capacity", response_model=list[schemas.CapacityOut])
    def fleet_capacity() -> list[schemas.CapacityOut]:
        """Live capacity per accelerator type: total planned, online now, free now."""
        control.tick()
        return control.capacity()

    @app.get("/v1/fleet/nodes")
    def fleet_nodes(
        offset: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, object]:
        """Nodes with their site, hall, domain, type, size and free accelerators now."""
        control.tick()  # reservation windows and failures the clock passed apply first
        end = min(fleet.node_count, offset + limit)
        with control.lock:  # the clock thread may be changing the engine
            nodes = _nodes(control.engine, control.now_s(), offset, end)
        return {"nodes": nodes, "total": fleet.node_count, "offset": offset, "limit": limit}

    def _nodes(
        scheduler: Scheduler, now_s: float, offset: int, end: int
    ) -> list[dict[str, object]]:
        state = scheduler.state
        failed = scheduler.failed
        held = scheduler.held_nodes(now_s)
        return [
            {
                "node": n,
                "site": fleet.sites[int(fleet.node_site[n])],
                "hall": fleet.halls[int(fleet.node_hall[n])],
                "domain": int(fleet.node_domain[n]),
                "accelerator": fleet.types[int(fleet.node_type[n])],
                "accelerators": int(fleet.node_accelerators[n]),
                "online": bool(state.node_up[n]),
                "free": int(state.node_free[n]),
                "failed": bool(failed[n]),
                "reservation": held.get(n),
            }
            for n in range(offset, end)
        ]

    # Admin --------------------------------------------------------------------------------

    @app.post("/v1/admin/tenants", status_code=201, response_model=schemas.TenantOut)
    def create_tenant(body: schemas.TenantCreate, _: Admin) -> schemas.TenantOut:
        """Create a tenant; the response carries its token, shown only this once."""
        return control.create_tenant(body)

    @app.get("/v1/admin/tenants", response_model=list[schemas.TenantOut])
    def list_tenants(_: Admin) -> list[schemas.TenantOut]:
        return control.list_tenants()

    @app.get("/v1/admin/metrics", response_model=schemas.MetricsOut)
    def admin_metrics(_: Admin) -> schemas.MetricsOut:
        """Utilization per type, queue length and every tenant's usage."""
        return control.metrics(None)

    # Tenant -------------------------------------------------------------------------------

    @app.get("/v1/metrics", response_model=schemas.MetricsOut)
    def metrics(tenant: TenantId) -> schemas.MetricsOut:
        """Utilization per type, queue length and this tenant's usage."""
        return control.metrics(tenant)

    @app.get("/v1/usage", response_model=schemas.UsageOut)
    def usage(
        tenant: TenantId,
        month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    ) -> schemas.UsageOut:
        """This tenant's metered accelerator-hours and cost in a month (default: this one),
        per job and reservation, and its committed spend."""
        return control.usage(tenant, month)

    @app.get("/v1/admin/usage", response_model=schemas.UsageOut)
    def admin_usage(
        _: Admin, month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None
    ) -> schemas.UsageOut:
        """Every tenant's metered accelerator-hours and cost in a month."""
        return control.usage(None, month)

    @app.post("/v1/reservations", status_code=201, response_model=schemas.ReservationOut)
    def create_reservation(
        body: schemas.ReservationCreate, tenant: TenantChange
    ) -> schemas.ReservationOut:
        """Hold accelerators at a site over dates; 409 with the reason if quota or capacity
        does not allow it, or the dates are in the past."""
        return control.create_reservation(tenant, body)

    @app.get("/v1/reservations", response_model=list[schemas.ReservationOut])
    def list_reservations(tenant: TenantId) -> list[schemas.ReservationOut]:
        return control.list_reservations(tenant)

    @app.get("/v1/reservations/{reservation_id}", response_model=schemas.ReservationOut)
    def get_reservation(reservation_id: str, tenant: TenantId) -> schemas.ReservationOut:
        return control.get_reservation(tenant, reservation_id)

    @app.delete("/v1/reservations/{reservation_id}", response_model=schemas.ReservationOut)
    def cancel_reservation(reservation_id: str, tenant: TenantChange) -> schemas.ReservationOut:
        return control.cancel_reservation(tenant, reservation_id)

    @app.post("/v1/jobs", status_code=201, response_model=schemas.JobOut)
    def submit_job(
        body: schemas.JobSubmit,
        tenant: TenantChange,
        response: Response,
        idempotency_key: Annotated[
            str | None, Header(min_length=1, max_length=128, pattern=schemas.PRINTABLE)
        ] = None,
    ) -> schemas.JobOut:
        """Submit a gang job: it starts now if the whole gang fits within quota, else queues.
        A repeated ``Idempotency-Key`` returns the first job (200) instead of a new one."""
        job, created = control.submit(tenant, body, idempotency_key)
        if not created:
            response.status_code = 200
        return job

    @app.get("/v1/jobs", response_model=schemas.JobPage)
    def list_jobs(
        tenant: TenantId,
        state: Annotated[str | None, Query(pattern="^(" + "|".join(JOB_STATES) + ")$")] = None,
        accelerator: Annotated[str | None, Query(max_length=32, pattern=schemas.PRINTABLE)] = None,
        offset: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> schemas.JobPage:
        """This tenant's jobs in submission order, filtered by state and type, one page."""
        return control.list_jobs(tenant, state, accelerator, offset, limit)

    @app.get("/v1/jobs/{job_id}", response_model=schemas.JobOut)
    def get_job(job_id: str, tenant: TenantId) -> schemas.JobOut:
        """A job with its placement and state history."""
        return control.get_job(tenant, job_id)

    @app.post("/v1/jobs/{job_id}/cancel", response_model=schemas.JobOut)
    def cancel_job(job_id: str, tenant: TenantChange) -> schemas.JobOut:
        """Cancel a queued or running job; its accelerators go to the queue at once."""
        return control.cancel(tenant, job_id)

    @app.on_event("shutdown")
    def close() -> None:
        stop_ticking.set()
        db.dispose()

    return app


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory gigawatt.service.app:app_from_env``: ``GIGAWATT_SCENARIO`` and
    ``GIGAWATT_DATABASE_URL``; optional ``GIGAWATT_SPEED``, ``GIGAWATT_FAILURES`` and
    ``GIGAWATT_SEED`` (the twin clock, as ``gigawatt serve --speed --failures --seed``),
    ``GIGAWATT_POLICY`` and ``GIGAWATT_PLACEMENT`` (``--policy``, ``--placement``)."""
    from gigawatt.store.database import database_url_from_env

    speed = os.environ.get("GIGAWATT_SPEED")
    return create_app(
        os.environ["GIGAWATT_SCENARIO"],
        database_url_from_env(),
        speed=float(speed) if speed else None,
        failures=os.environ.get("GIGAWATT_FAILURES") or None,
        seed=int(os.environ.get("GIGAWATT_SEED", "0")),
        policy=os.environ.get("GIGAWATT_POLICY") or DEFAULT_POLICY,
        placement=os.environ.get("GIGAWATT_PLACEMENT") or "topology",
    )
