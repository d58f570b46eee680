"""The control plane's operations (what the HTTP routers call): tenants, reservations, jobs.

Every state change runs in one `Database.transaction` while holding the process's scheduling
lock, so the in-memory `LiveCluster` and the database change together: a placement is made in
memory, written, committed; if the commit fails the placement is released again.
One server process owns a database (the in-memory cluster is that process's).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import threading
import uuid
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gigawatt.fleet.topology import Fleet
from gigawatt.service import schemas
from gigawatt.service.live_cluster import LiveCluster
from gigawatt.store.database import Database
from gigawatt.store.models import IdempotencyKey, Job, JobEvent, Quota, Reservation, Tenant


class Refused(Exception):
    """A request that is well formed but cannot be granted; ``status`` is the HTTP code."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


#: Ids the service hands out; anything else is answered 404 without reaching the database.
ID_PATTERN = re.compile(r"^[a-z]-[0-9a-f]{16}$")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ControlPlane:
    """Tenants, reservations and jobs over one database and one fleet."""

    def __init__(
        self,
        db: Database,
        fleet: Fleet,
        program_start: dt.date,
        clock: Callable[[], dt.datetime] = utcnow,
        placement: str = "topology",
        prices_usd_per_hour: dict[str, float] | None = None,
    ) -> None:
        self.db = db
        #: Price per accelerator-hour by type (metering and budgets); unpriced types are free.
        self.prices_usd_per_hour = dict(prices_usd_per_hour or {})
        self.fleet = fleet
        self.program_start = program_start
        self.clock = clock
        self.lock = threading.Lock()
        self.cluster = LiveCluster(fleet, self.now_s(), placement)
        self.recover()

    def now_s(self) -> float:
        """Seconds from the scenario's program start (the fleet's time axis)."""
        start = dt.datetime.combine(self.program_start, dt.time(), dt.UTC)
        return (self.clock() - start).total_seconds()

    # Tenants ------------------------------------------------------------------------------

    def create_tenant(self, body: schemas.TenantCreate) -> schemas.TenantOut:
        for accelerator, count in body.quotas.items():
            if accelerator not in self.fleet.types:
                raise Refused(
                    422,
                    f"unknown accelerator type {accelerator!r} "
                    f"(fleet has: {', '.join(self.fleet.types)})",
                )
            if count < 0:
                raise Refused(422, f"quota for {accelerator} must be >= 0")
        token = "gw_" + secrets.token_urlsafe(32)
        tenant = Tenant(
            id=new_id("t"),
            name=body.name,
            token_hash=hash_token(token),
            monthly_budget_usd=body.monthly_budget_usd,
            created_at=self.clock(),
        )
        try:
            with self.db.transaction(lock=False) as session:
                if session.scalar(select(Tenant).where(Tenant.name == body.name)):
                    raise Refused(409, f"tenant {body.name!r} already exists")
                session.add(tenant)
                session.flush()
                for accelerator, count in body.quotas.items():
                    session.add(
                        Quota(tenant_id=tenant.id, accelerator=accelerator, accelerators=count)
                    )
        except IntegrityError:
            raise Refused(409, f"tenant {body.name!r} already exists") from None
        return schemas.TenantOut(
            id=tenant.id,
            name=tenant.name,
            quotas=dict(body.quotas),
            monthly_budget_usd=tenant.monthly_budget_usd,
            token=token,
        )

    def list_tenants(self) -> list[schemas.TenantOut]:
        with self.db.read() as session:
            tenants = session.scalars(select(Tenant).order_by(Tenant.created_at)).all()
            return [
                schemas.TenantOut(
                    id=t.id,
                    name=t.name,
                    quotas=self._quotas(session, t.id),
                    monthly_budget_usd=t.monthly_budget_usd,
                )
                for t in tenants
            ]

    def tenant_for_token(self, token: str) -> Tenant | None:
        with self.db.read() as session:
            return session.scalar(select(Tenant).where(Tenant.token_hash == hash_token(token)))

    @staticmethod
    def _quotas(session: Session, tenant_id: str) -> dict[str, int]:
        rows = session.scalars(select(Quota).where(Quota.tenant_id == tenant_id)).all()
        return {q.accelerator: int(q.accelerators) for q in rows}

    # Reservations -------------------------------------------------------------------------

    def site_capacity(self, site: str, accelerator: str, start: dt.date, end: dt.date) -> int:
        """Accelerators of the type at the site online for the whole of [start, end)."""
        fleet = self.fleet
        t = fleet.types.index(accelerator)
        s = fleet.sites.index(site)
        start_s = (start - self.program_start).days * 86_400.0
        end_s = (end - self.program_start).days * 86_400.0
        mask = (
            (fleet.node_site == s)
            & (fleet.node_type == t)
            & (fleet.node_online_s <= start_s)
            & (fleet.node_offline_s >= end_s)
        )
        return int(fleet.node_accelerators[mask].sum())

    def create_reservation(
        self, tenant_id: str, body: schemas.ReservationCreate
    ) -> schemas.ReservationOut:
        if body.accelerator not in self.fleet.types:
            raise Refused(
                422,
                f"unknown accelerator type {body.accelerator!r} "
                f"(fleet has: {', '.join(self.fleet.types)})",
            )
        if body.site not in self.fleet.sites:
            raise Refused(
                422, f"unknown site {body.site!r} (fleet has: {', '.join(self.fleet.sites)})"
            )
        today = self.clock().date()
        if body.start_date < today:
            raise Refused(409, f"start date {body.start_date} is in the past (today is {today})")
        end = body.start_date + dt.timedelta(days=body.days)
        with self.lock, self.db.transaction() as session:
            quota = self._quotas(session, tenant_id).get(body.accelerator, 0)
            overlapping = (
                select(func.coalesce(func.sum(Reservation.accelerators), 0))
                .where(Reservation.state == "active", Reservation.accelerator == body.accelerator)
                .where(Reservation.start_date < end, Reservation.end_date > body.start_date)
            )
            mine = int(session.scalar(overlapping.where(Reservation.tenant_id == tenant_id)) or 0)
            if mine + body.accelerators > quota:
                raise Refused(
                    409,
                    f"quota: {body.accelerator} quota is {quota}, {mine} already "
                    f"reserved over these dates, {body.accelerators} more asked",
                )
            capacity = self.site_capacity(body.site, body.accelerator, body.start_date, end)
            taken = int(session.scalar(overlapping.where(Reservation.site == body.site)) or 0)
            if taken + body.accelerators > capacity:
                raise Refused(
                    409,
                    f"capacity: {body.site} has {capacity} {body.accelerator} online "
                    f"from {body.start_date} to {end}, {taken} already reserved, "
                    f"{body.accelerators} asked",
                )
            row = Reservation(
                id=new_id("r"),
                tenant_id=tenant_id,
                site=body.site,
                accelerator=body.accelerator,
                accelerators=body.accelerators,
                start_date=body.start_date,
                end_date=end,
                state="active",
                created_at=self.clock(),
            )
            session.add(row)
        return _reservation_out(row)

    def list_reservations(self, tenant_id: str) -> list[schemas.ReservationOut]:
        with self.db.read() as session:
            rows = session.scalars(
                select(Reservation)
                .where(Reservation.tenant_id == tenant_id)
                .order_by(Reservation.created_at)
            ).all()
            return [_reservation_out(r) for r in rows]

    def get_reservation(self, tenant_id: str, reservation_id: str) -> schemas.ReservationOut:
        _check_id(reservation_id, "reservation")
        with self.db.read() as session:
            row = session.get(Reservation, reservation_id)
            if row is None or row.tenant_id != tenant_id:
                raise Refused(404, f"no reservation {reservation_id}")
            return _reservation_out(row)

    def cancel_reservation(self, tenant_id: str, reservation_id: str) -> schemas.ReservationOut:
        _check_id(reservation_id, "reservation")
        with self.lock, self.db.transaction() as session:
            row = session.get(Reservation, reservation_id)
            if row is None or row.tenant_id != tenant_id:
                raise Refused(404, f"no reservation {reservation_id}")
            row.state = "cancelled"
        return _reservation_out(row)

    # Jobs ---------------------------------------------------------------------------------

    def submit(
        self, tenant_id: str, body: schemas.JobSubmit, idempotency_key: str | None
    ) -> tuple[schemas.JobOut, bool]:
        """The job, queued or started; and whether it was created now (False: the
        idempotency key had already created it)."""
        if body.accelerator not in self.fleet.types:
            raise Refused(
                422,
                f"unknown accelerator type {body.accelerator!r} "
                f"(fleet has: {', '.join(self.fleet.types)})",
            )
        with self.lock:
            started: str | None = None
            try:
                with self.db.transaction() as session:
                    if idempotency_key is not None:
                        seen = session.scalar(
                            select(IdempotencyKey).where(
                                IdempotencyKey.tenant_id == tenant_id,
                                IdempotencyKey.key == idempotency_key,
                            )
                        )
                        if seen is not None:
                            existing = session.scalars(
                                select(Job).where(Job.id == seen.job_id)
                            ).one()
                            return self._job_out(session, existing), False
                    quota = self._quotas(session, tenant_id).get(body.accelerator, 0)
                    if body.accelerators > quota:
                        raise Refused(
                            409,
                            f"quota: gang of {body.accelerators} {body.accelerator} "
                            f"exceeds the tenant's quota of {quota}",
                        )
                    now = self.clock()
                    self._check_budget(session, tenant_id, body, now)
                    job = Job(
                        id=new_id("j"),
                        tenant_id=tenant_id,
                        name=body.name,
                        accelerator=body.accelerator,
                        accelerators=body.accelerators,
                        priority=body.priority,
                        estimate_s=body.estimate_s,
                        checkpoint_s=body.checkpoint_s,
                        state="queued",
                        submitted_at=now,
                    )
                    session.add(job)
                    session.flush()
                    session.add(JobEvent(job_id=job.id, state="queued", at=now, reason="submitted"))
                    if idempotency_key is not None:
                        session.add(
                            IdempotencyKey(tenant_id=tenant_id, key=idempotency_key, job_id=job.id)
                        )
                    if self._start_if_fits(session, job, quota, now):
                        started = job.id
                    out = self._job_out(session, job)
            except BaseException:
                if started is not None:
                    self.cluster.release(started, self.now_s())
                raise
        return out, True

    def _check_budget(
        self, session: Session, tenant_id: str, body: schemas.JobSubmit, now: dt.datetime
    ) -> None:
        """Refuse a job whose estimated cost would take the tenant past its monthly budget.
        A job's cost is accelerators x estimate x the type's price, counted in the month it is
        submitted (unless cancelled before it started)."""
        tenant = session.get_one(Tenant, tenant_id)
        price = self.prices_usd_per_hour.get(body.accelerator)
        if tenant.monthly_budget_usd is None or price is None:
            return
        month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        rows = session.execute(
            select(Job.accelerator, func.sum(Job.accelerators * Job.estimate_s))
            .where(Job.tenant_id == tenant_id, Job.submitted_at >= month_start)
            .where((Job.state != "cancelled") | Job.started_at.is_not(None))
            .group_by(Job.accelerator)
        ).tuples()
        spent = sum(
            float(acc_s) / 3600.0 * self.prices_usd_per_hour.get(t, 0.0) for t, acc_s in rows
        )
        cost = body.accelerators * body.estimate_s / 3600.0 * price
        if spent + cost > tenant.monthly_budget_usd:
            raise Refused(
                409,
                f"budget: this job's estimated ${cost:,.0f} on top of ${spent:,.0f} this month "
                f"exceeds the monthly budget of ${tenant.monthly_budget_usd:,.0f}",
            )

    def _held(self, session: Session, tenant_id: str, accelerator: str) -> int:
        return int(
            session.scalar(
                select(func.coalesce(func.sum(Job.accelerators), 0)).where(
                    Job.tenant_id == tenant_id,
                    Job.accelerator == accelerator,
                    Job.state == "running",
                )
            )
            or 0
        )

    def _start_if_fits(self, session: Session, job: Job, quota: int, now: dt.datetime) -> bool:
        if self._held(session, job.tenant_id, job.accelerator) + job.accelerators > quota:
            return False
        placed = self.cluster.try_start(
            job.id, job.accelerator, job.accelerators, job.estimate_s, self.now_s()
        )
        if placed is None:
            return False
        job.state = "running"
        job.started_at = now
        job.placement = placed.as_json(self.fleet)
        session.add(JobEvent(job_id=job.id, state="running", at=now, reason="placed"))
        return True

    def _drain_queue(self, session: Session, now: dt.datetime) -> list[str]:
        """Start queued jobs that now fit, highest priority first, then in submission order
        (the ``priority`` queue policy's order). Returns the ids started."""
        started: list[str] = []
        queued = session.scalars(
            select(Job).where(Job.state == "queued").order_by(Job.priority.desc(), Job.seq)
        ).all()
        quotas: dict[str, dict[str, int]] = {}
        for job in queued:
            if self.cluster.free(job.accelerator) < job.accelerators:
                continue
            if job.tenant_id not in quotas:
                quotas[job.tenant_id] = self._quotas(session, job.tenant_id)
            session.flush()
            if self._start_if_fits(
                session, job, quotas[job.tenant_id].get(job.accelerator, 0), now
            ):
                started.append(job.id)
        return started

    def _complete_due(self, session: Session, now: dt.datetime) -> list[str]:
        """Jobs whose duration estimate has elapsed complete (the live clock's only event);
        returns their ids. The caller drains the queue afterwards."""
        done = self.cluster.due(self.now_s())
        if not done:
            return []
        for job in session.scalars(select(Job).where(Job.id.in_(done))).all():
            self.cluster.release(job.id, self.now_s())
            job.state = "completed"
            job.ended_at = now
            session.add(
                JobEvent(job_id=job.id, state="completed", at=now, reason="estimate elapsed")
            )
        session.flush()
        return done

    def tick(self) -> None:
        """Complete the jobs that are due and start what then fits (one transaction)."""
        if not self.cluster.due(self.now_s()):
            return
        with self.lock:
            try:
                with self.db.transaction() as session:
                    now = self.clock()
                    if self._complete_due(session, now):
                        self._drain_queue(session, now)
            except BaseException:
                self.recover()
                raise

    def cancel(self, tenant_id: str, job_id: str) -> schemas.JobOut:
        _check_id(job_id, "job")
        with self.lock:
            started: list[str] = []
            released: str | None = None
            try:
                with self.db.transaction() as session:
                    job = session.scalar(select(Job).where(Job.id == job_id))
                    if job is None or job.tenant_id != tenant_id:
                        raise Refused(404, f"no job {job_id}")
                    if job.state in ("completed", "cancelled", "failed"):
                        raise Refused(409, f"job {job_id} is already {job.state}")
                    now = self.clock()
                    if job.state == "running":
                        self.cluster.release(job.id, self.now_s())
                        released = job.id
                    job.state = "cancelled"
                    job.ended_at = now
                    session.add(
                        JobEvent(
                            job_id=job.id, state="cancelled", at=now, reason="cancelled by tenant"
                        )
                    )
                    session.flush()
                    started = self._drain_queue(session, now)
                    out = self._job_out(session, job)
            except BaseException:
                for other in started:
                    self.cluster.release(other, self.now_s())
                if released is not None:
                    self.recover()  # put the memory back to what the database says
                raise
        return out

    def get_job(self, tenant_id: str, job_id: str) -> schemas.JobOut:
        _check_id(job_id, "job")
        with self.db.read() as session:
            job = session.scalar(select(Job).where(Job.id == job_id))
            if job is None or job.tenant_id != tenant_id:
                raise Refused(404, f"no job {job_id}")
            return self._job_out(session, job)

    def list_jobs(
        self, tenant_id: str, state: str | None, accelerator: str | None, offset: int, limit: int
    ) -> schemas.JobPage:
        with self.db.read() as session:
            query = select(Job).where(Job.tenant_id == tenant_id)
            if state is not None:
                query = query.where(Job.state == state)
            if accelerator is not None:
                query = query.where(Job.accelerator == accelerator)
            total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
            rows = session.scalars(query.order_by(Job.seq).offset(offset).limit(limit)).all()
            jobs = [self._job_out(session, j, history=False) for j in rows]
            return schemas.JobPage(jobs=jobs, total=total, offset=offset, limit=limit)

    @staticmethod
    def _job_out(session: Session, job: Job, history: bool = True) -> schemas.JobOut:
        events = (
            session.scalars(
                select(JobEvent).where(JobEvent.job_id == job.id).order_by(JobEvent.id)
            ).all()
            if history
            else []
        )
        return schemas.JobOut(
            id=job.id,
            name=job.name,
            accelerator=job.accelerator,
            accelerators=int(job.accelerators),
            priority=job.priority,
            estimate_s=job.estimate_s,
            checkpoint_s=job.checkpoint_s,
            state=job.state,
            submitted_at=job.submitted_at,
            started_at=job.started_at,
            ended_at=job.ended_at,
            placement=job.placement,
            history=[schemas.JobEventOut(state=e.state, at=e.at, reason=e.reason) for e in events],
        )

    # Recovery and read-outs ---------------------------------------------------------------

    def recover(self) -> None:
        """Rebuild the in-memory cluster from the database (at start and after a failed
        commit): running jobs are placed again in start order; one that no longer fits goes
        back to the queue with the reason in its history."""
        self.cluster = LiveCluster(self.fleet, self.now_s(), self.cluster.placement.name)
        with self.db.transaction() as session:
            now = self.clock()
            running = session.scalars(
                select(Job).where(Job.state == "running").order_by(Job.started_at, Job.seq)
            ).all()
            for job in running:
                assert job.started_at is not None
                elapsed_s = (now - _aware(job.started_at)).total_seconds()
                placed = self.cluster.try_start(
                    job.id,
                    job.accelerator,
                    job.accelerators,
                    max(0.0, job.estimate_s - elapsed_s),
                    self.now_s(),
                )
                if placed is None:
                    job.state = "queued"
                    job.started_at = None
                    job.placement = None
                    session.add(
                        JobEvent(
                            job_id=job.id,
                            state="queued",
                            at=now,
                            reason="requeued: no longer fits after restart",
                        )
                    )
                else:
                    job.placement = placed.as_json(self.fleet)
            session.flush()
            self._drain_queue(session, now)

    def capacity(self) -> list[schemas.CapacityOut]:
        totals = self.fleet.accelerators_by_type()
        with self.db.read() as session:
            running = dict(
                session.execute(
                    select(Job.accelerator, func.count())
                    .where(Job.state == "running")
                    .group_by(Job.accelerator)
                )
                .tuples()
                .all()
            )
        return [
            schemas.CapacityOut(
                accelerator=t,
                total=totals[t],
                online=self.cluster.online(t),
                free=self.cluster.free(t),
                running_jobs=int(running.get(t, 0)),
            )
            for t in self.fleet.types
        ]

    def metrics(self, tenant_id: str | None) -> schemas.MetricsOut:
        utilization = {
            t: (1.0 - self.cluster.free(t) / self.cluster.online(t))
            if self.cluster.online(t)
            else 0.0
            for t in self.fleet.types
        }
        with self.db.read() as session:
            counts = dict(
                session.execute(select(Job.state, func.count()).group_by(Job.state)).tuples().all()
            )
            query = (
                select(Tenant.name, Job.accelerator, func.sum(Job.accelerators))
                .join(Tenant, Tenant.id == Job.tenant_id)
                .where(Job.state == "running")
                .group_by(Tenant.name, Job.accelerator)
            )
            if tenant_id is not None:
                query = query.where(Job.tenant_id == tenant_id)
            usage: dict[str, dict[str, int]] = {}
            for name, accelerator, held in session.execute(query).tuples():
                usage.setdefault(name, {})[accelerator] = int(held)
        return schemas.MetricsOut(
            utilization=utilization,
            queued_jobs=int(counts.get("queued", 0)),
            running_jobs=int(counts.get("running", 0)),
            usage=usage,
        )


def _check_id(object_id: str, kind: str) -> None:
    if not ID_PATTERN.match(object_id):
        raise Refused(404, f"no {kind} {object_id!r}")


def _aware(when: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _reservation_out(row: Reservation) -> schemas.ReservationOut:
    return schemas.ReservationOut(
        id=row.id,
        site=row.site,
        accelerator=row.accelerator,
        accelerators=int(row.accelerators),
        start_date=row.start_date,
        end_date=row.end_date,
        state=row.state,
    )
