"""The control plane's operations (what the HTTP routers call): tenants, reservations and jobs
over one database and the scheduling engine.

The scheduling itself is the engine's (`gigawatt.sched.engine`, the one `gigawatt simulate`
replays with), reached through `gigawatt.service.scheduler.Scheduler`; this module checks
requests, writes rows and persists the engine's outcomes. Every state change runs in one
`Database.transaction` while holding the process's scheduling lock, so the engine's memory and
the database change together: a decision is made in memory, written, committed; if the commit
fails the memory is rebuilt from the database (`recover`). One server process owns a database.

`tick` advances the engine to the clock's now: plan changes, node failures and repairs (twin
clock with a failure model), reservation windows opening (jobs on their nodes preempted) and
closing (jobs inside requeued), completions of jobs whose estimate elapsed (each at its exact
end time), then one pass of the policy stack (quotas > reservations > queue policy). A
submission or a cancel is followed by the same advance at its instant.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gigawatt.failures.fleet import NodeFailures
from gigawatt.fleet.topology import Fleet
from gigawatt.service import schemas
from gigawatt.service.errors import Refused
from gigawatt.service.metering import Metering, aware
from gigawatt.service.power import PowerModel
from gigawatt.service.scheduler import (
    DEFAULT_POLICY,
    ENDED,
    NODE_DOWN,
    NODE_UP,
    REJECTED,
    REQUEUED,
    RESTARTED,
    STARTED,
    WINDOW_CLOSED,
    JobSpec,
    Outcome,
    Scheduler,
)
from gigawatt.store.database import Database
from gigawatt.store.models import (
    IdempotencyKey,
    Job,
    JobEvent,
    NodeEvent,
    Quota,
    Reservation,
    Tenant,
    Usage,
)

__all__ = ["DEFAULT_POLICY", "ControlPlane", "Refused", "hash_token", "new_id", "utcnow"]

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
        power: PowerModel | None = None,
        failures: NodeFailures | None = None,
        policy: str = DEFAULT_POLICY,
        recover: bool = True,
    ) -> None:
        """``failures``: node failures and repairs the engine applies as the clock passes them
        (twin clock with a failure model), else None. ``recover=False``: tenant
        administration only (`create_tenant`, `list_tenants`), no scheduler; for a process
        beside the running server (``gigawatt admin``), which must not start, restore or
        complete jobs the server owns."""
        self.db = db
        #: Queue policy by name (`gigawatt.sched.queue`): which waiting jobs start.
        self.policy = policy
        self.placement = placement
        #: Price per accelerator-hour by type (metering and budgets); unpriced types are free.
        self.prices_usd_per_hour = dict(prices_usd_per_hour or {})
        self.metering = Metering(self.prices_usd_per_hour, clock)
        self.power = power
        self.failures = failures
        self.fleet = fleet
        #: Accelerators of each type in the whole planned fleet (a larger gang never fits).
        self.planned_accelerators = fleet.accelerators_by_type()
        self.program_start = program_start
        self.epoch = dt.datetime.combine(program_start, dt.time(), dt.UTC)
        self.clock = clock
        self.lock = threading.Lock()
        self.scheduler: Scheduler | None = None  # built by recover()
        #: Bumped by every scheduling transaction that may have changed the engine's memory.
        self._touched = False
        if recover:
            self.recover()

    def now_s(self) -> float:
        """Seconds from the scenario's program start (the fleet's time axis)."""
        return self.seconds(self.clock())

    def seconds(self, when: dt.datetime) -> float:
        return (aware(when) - self.epoch).total_seconds()

    def at(self, seconds: float) -> dt.datetime:
        return self.epoch + dt.timedelta(seconds=seconds)

    @property
    def engine(self) -> Scheduler:
        if self.scheduler is None:
            raise RuntimeError("this control plane administers tenants only (recover=False)")
        return self.scheduler

    @contextmanager
    def scheduling(self) -> Iterator[Session]:
        """The scheduling lock and one transaction; if it fails after the engine's memory may
        have changed, the memory is rebuilt from the database (which rolled back)."""
        with self.lock:
            self._touched = False
            try:
                with self.db.transaction() as session:
                    yield session
            except BaseException:
                if self._touched:
                    self.recover()
                raise

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
        if self.scheduler is not None:
            with self.lock:
                self.scheduler.set_quotas(tenant.id, body.quotas)
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
        with self.scheduling() as session:
            quota = self._quotas(session, tenant_id).get(body.accelerator, 0)
            overlapping = select(Reservation).where(
                Reservation.state == "active",
                Reservation.tenant_id == tenant_id,
                Reservation.accelerator == body.accelerator,
                Reservation.start_date < end,
                Reservation.end_date > body.start_date,
            )
            mine = sum(int(r.accelerators) for r in session.scalars(overlapping).all())
            if mine + body.accelerators > quota:
                raise Refused(
                    409,
                    f"quota: {body.accelerator} quota is {quota}, {mine} already "
                    f"reserved over these dates, {body.accelerators} more asked",
                )
            now = self.clock()
            window_start, window_end = _midnight(body.start_date), _midnight(end)
            self.metering.check_reservation_budget(
                session, tenant_id, body.accelerator, body.accelerators,
                window_start, window_end, now,
            )  # fmt: skip
            reservation_id = new_id("r")
            self._touched = True
            held = self.engine.reserve(
                reservation_id, tenant_id, body.accelerator, body.site, body.accelerators,
                self.seconds(window_start), self.seconds(window_end),
            )  # fmt: skip
            if isinstance(held, str):
                raise Refused(409, f"capacity: {held}")
            row = Reservation(
                id=reservation_id,
                tenant_id=tenant_id,
                site=body.site,
                accelerator=body.accelerator,
                accelerators=body.accelerators,
                start_date=body.start_date,
                end_date=end,
                state="active",
                created_at=now,
                nodes=held,
            )
            session.add(row)
            session.add(
                Usage(
                    tenant_id=tenant_id, kind="reservation", reservation_id=row.id,
                    accelerator=body.accelerator, accelerators=body.accelerators,
                    start_at=window_start, end_at=window_end,
                )
            )  # fmt: skip
            session.flush()
            self._advance(session, now)  # a window starting today holds its nodes at once
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
        """Cancel: metering stops now (or the window is not metered at all if it has not
        started); its nodes go back to shared capacity, the tenant's jobs inside requeue."""
        _check_id(reservation_id, "reservation")
        with self.scheduling() as session:
            row = session.get(Reservation, reservation_id)
            if row is None or row.tenant_id != tenant_id:
                raise Refused(404, f"no reservation {reservation_id}")
            if row.state != "active":
                raise Refused(409, f"reservation {reservation_id} is already {row.state}")
            now = self.clock()
            row.state = "cancelled"
            row.cancelled_at = now
            start, end = _midnight(row.start_date), _midnight(row.end_date)
            stop = min(max(now, start), end)
            session.execute(
                update(Usage)
                .where(Usage.reservation_id == row.id, Usage.kind == "reservation")
                .values(end_at=stop)
            )
            self._touched = True
            self.engine.cancel_reservation(row.id)
            self._advance(session, now)
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
        with self.scheduling() as session:
            if idempotency_key is not None:
                seen = session.scalar(
                    select(IdempotencyKey).where(
                        IdempotencyKey.tenant_id == tenant_id,
                        IdempotencyKey.key == idempotency_key,
                    )
                )
                if seen is not None:
                    existing = session.scalars(select(Job).where(Job.id == seen.job_id)).one()
                    return self._job_out(session, existing), False
            quota = self._quotas(session, tenant_id).get(body.accelerator, 0)
            if body.accelerators > quota:
                raise Refused(
                    409,
                    f"quota: gang of {body.accelerators} {body.accelerator} "
                    f"exceeds the tenant's quota of {quota}",
                )
            planned = self.planned_accelerators[body.accelerator]
            if body.accelerators > planned:
                # The engine rejects such a job at arrival; queued, it would wait forever.
                raise Refused(
                    409,
                    f"capacity: a gang of {body.accelerators} {body.accelerator} never fits: "
                    f"the fleet has {planned} in all",
                )
            now = self.clock()
            self.metering.check_job_budget(session, tenant_id, body, now)
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
                progress_s=0.0,
                interruptions=0,
            )
            session.add(job)
            session.flush()
            session.add(JobEvent(job_id=job.id, state="queued", at=now, reason="submitted"))
            if idempotency_key is not None:
                session.add(IdempotencyKey(tenant_id=tenant_id, key=idempotency_key, job_id=job.id))
            self._touched = True
            self.engine.submit(self._spec(job), self.seconds(now))
            self._advance(session, now)  # ends due now first, then one pass with the job in
            out = self._job_out(session, job)
        return out, True

    def _spec(self, job: Job) -> JobSpec:
        """What the engine needs of a job row: ordered by its submission, with the work its
        checkpoints saved."""
        return JobSpec(
            job.id, job.tenant_id, job.accelerator, int(job.accelerators), int(job.priority),
            self.seconds(job.submitted_at), float(job.estimate_s), job.checkpoint_s,
            float(job.progress_s or 0.0),
        )  # fmt: skip

    def cancel(self, tenant_id: str, job_id: str) -> schemas.JobOut:
        _check_id(job_id, "job")
        with self.scheduling() as session:
            job = session.scalar(select(Job).where(Job.id == job_id))
            if job is None or job.tenant_id != tenant_id:
                raise Refused(404, f"no job {job_id}")
            if job.state in ("completed", "cancelled", "failed"):
                raise Refused(409, f"job {job_id} is already {job.state}")
            now = self.clock()
            if job.state == "running":
                self._close_usage(session, job.id, now)
            self._touched = True
            self.engine.cancel(job.id, self.seconds(now))
            job.state = "cancelled"
            job.ended_at = now
            session.add(
                JobEvent(job_id=job.id, state="cancelled", at=now, reason="cancelled by tenant")
            )
            session.flush()
            self._advance(session, now)
            out = self._job_out(session, job)
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
            reservation=job.reservation_id,
            progress_s=float(job.progress_s or 0.0),
            interruptions=int(job.interruptions or 0),
            history=[schemas.JobEventOut(state=e.state, at=e.at, reason=e.reason) for e in events],
        )

    # The clock and the engine's outcomes --------------------------------------------------

    def next_event_s(self) -> float:
        """Seconds (from the program start) of the next event the engine will apply: a running
        job's end, a node failure or repair, a reservation window edge, a plan change; inf if
        none."""
        return self.engine.next_event_s()

    def tick(self) -> None:
        """Advance to the clock's now and decide (one transaction); a no-op while nothing is
        due."""
        if self.now_s() < self.next_event_s():
            return
        with self.scheduling() as session:
            self._touched = True
            self._advance(session, self.clock())

    def catch_up(self) -> None:
        """Apply the events the clock has passed (completions, failures, windows) without a
        pass of the policy: a request that changes something (a submission, a cancel, a
        reservation) catches up first, then its change and one pass see the same instant, as
        in the twin's replay."""
        if self.now_s() < self.next_event_s():
            return
        with self.scheduling() as session:
            self._touched = True
            now = self.clock()
            self._persist(session, self.engine.advance(self.seconds(now), decide=False))

    def _advance(self, session: Session, now: dt.datetime) -> None:
        """Everything the clock has passed and a pass of the policy, persisted."""
        self._persist(session, self.engine.advance(self.seconds(now)))

    def _persist(self, session: Session, outcomes: list[Outcome]) -> None:
        """Write what the engine did, in order, into ``session``."""
        if not outcomes:
            return
        scheduler = self.engine
        ids = {scheduler.job_id(o.job) for o in outcomes if o.job >= 0}
        rows = {j.id: j for j in session.scalars(select(Job).where(Job.id.in_(ids)))} if ids else {}
        for o in outcomes:
            when = self.at(o.at)
            if o.job < 0:
                self._persist_fleet(session, o, when)
                continue
            job = rows.get(scheduler.job_id(o.job))
            if job is None or job.state in ("cancelled", "completed", "failed"):
                continue
            if o.kind == STARTED:
                assert o.allocation is not None
                inside = scheduler.reservation_id(o.inside) if o.inside >= 0 else None
                job.state = "running"
                job.started_at = when
                job.placement = _placement(self.fleet, o.allocation.nodes.tolist(),
                                           o.allocation.counts.tolist(), inside)  # fmt: skip
                job.reservation_id = inside
                reason = f"placed in reservation {inside}" if inside else "placed"
                session.add(JobEvent(job_id=job.id, state="running", at=when, reason=reason))
                session.add(
                    Usage(
                        tenant_id=job.tenant_id, kind="job", job_id=job.id,
                        reservation_id=inside, accelerator=job.accelerator,
                        accelerators=job.accelerators, start_at=when, end_at=None,
                    )
                )  # fmt: skip
            elif o.kind == ENDED:
                job.state = "completed"
                job.ended_at = when
                job.progress_s = float(job.estimate_s)
                self._close_usage(session, job.id, when)
                session.add(
                    JobEvent(job_id=job.id, state="completed", at=when, reason="estimate elapsed")
                )
            elif o.kind == REQUEUED:
                job.state = "queued"
                job.started_at = None
                job.placement = None
                job.reservation_id = None
                job.interruptions += 1
                job.progress_s = scheduler.progress_s(job.id)
                self._close_usage(session, job.id, when)
                session.add(
                    JobEvent(job_id=job.id, state="queued", at=when, reason=f"requeued: {o.reason}")
                )
            elif o.kind == RESTARTED:
                job.interruptions += 1
                job.started_at = when  # it runs on from here, on the same nodes
                job.progress_s = scheduler.progress_s(job.id)
                session.add(JobEvent(job_id=job.id, state="running", at=when, reason=o.reason))
            elif o.kind == REJECTED:
                job.state = "failed"
                job.ended_at = when
                session.add(JobEvent(job_id=job.id, state="failed", at=when, reason=o.reason))
        session.flush()

    def _persist_fleet(self, session: Session, o: Outcome, when: dt.datetime) -> None:
        """A node failure or repair, or a reservation window closing."""
        if o.kind == NODE_DOWN:
            up = self.at(o.until_s) if o.until_s > o.at else None
            state = "swapped" if o.reason.endswith("(a spare stands in)") else "down"
            session.add(NodeEvent(node=o.node, state=state, at=when, reason=o.reason, up_at=up))
        elif o.kind == NODE_UP:
            session.add(NodeEvent(node=o.node, state="up", at=when, reason=o.reason))
        elif o.kind == WINDOW_CLOSED:
            row = session.get(Reservation, o.reason)
            if row is not None and row.state == "active":
                row.state = "ended"

    def _close_usage(self, session: Session, job_id: str, end: dt.datetime) -> None:
        session.execute(
            update(Usage).where(Usage.job_id == job_id, Usage.end_at.is_(None)).values(end_at=end)
        )

    # Metering -----------------------------------------------------------------------------

    def usage(self, tenant_id: str | None, month: str | None) -> schemas.UsageOut:
        """Metered accelerator-hours and cost per tenant (one tenant, or all) in a calendar
        month (``YYYY-MM``, default the clock's current month)."""
        with self.db.read() as session:
            return self.metering.usage(session, tenant_id, month)

    # Recovery and read-outs ---------------------------------------------------------------

    def recover(self) -> None:
        """Rebuild the engine from the database (at start and after a failed commit), in
        this order:

        1. the fleet as the plan has it now; nodes down for repair stay down until their
           repair;
        2. tenants' quotas;
        3. reservations not over hold the nodes they held (a window open before the restart
           stays open: the jobs on its nodes are its own);
        4. waiting jobs rejoin the queue, in submission order;
        5. running jobs go back on exactly their recorded nodes (same accelerators on each),
           as started at their recorded start, so each ends when it would have
           (`Engine.restore`); one whose nodes are not all available (down, retired, taken)
           goes back to the queue with the reason in its history;
        6. then what the clock has passed, as on any tick: windows, completions, failures, and
           a pass of the policy."""
        now = self.clock()
        now_s = self.seconds(now)
        failures = self.failures
        scheduler = Scheduler(self.fleet, self.epoch, now_s, self.policy, self.placement, failures)
        self.scheduler = scheduler
        with self.db.transaction() as session:
            self._restore_failed_nodes(session, now_s)
            for tenant in session.scalars(select(Tenant).order_by(Tenant.created_at)).all():
                scheduler.set_quotas(tenant.id, self._quotas(session, tenant.id))
            today = now.date()
            for row in session.scalars(
                select(Reservation)
                .where(Reservation.state == "active")
                .order_by(Reservation.created_at)
            ).all():
                if row.end_date <= today:
                    row.state = "ended"
                    continue
                start_s = self.seconds(_midnight(row.start_date))
                held = scheduler.reserve(
                    row.id, row.tenant_id, row.accelerator, row.site, int(row.accelerators),
                    start_s, self.seconds(_midnight(row.end_date)),
                    [int(n) for n in row.nodes] if row.nodes else None, opened=start_s <= now_s,
                )  # fmt: skip
                if isinstance(held, list):
                    row.nodes = held
            for job in session.scalars(
                select(Job).where(Job.state == "queued").order_by(Job.seq)
            ).all():
                scheduler.enqueue(self._spec(job))
            running = session.scalars(
                select(Job).where(Job.state == "running").order_by(Job.started_at, Job.seq)
            ).all()
            for job in running:
                assert job.started_at is not None
                placement = job.placement or {}
                nodes, counts = placement.get("nodes"), placement.get("counts")
                why: str | None = "no placement"
                if isinstance(nodes, list) and isinstance(counts, list):
                    why = scheduler.restore(
                        self._spec(job), [int(n) for n in nodes], [int(c) for c in counts],
                        self.seconds(job.started_at), now_s,
                    )  # fmt: skip
                else:
                    scheduler.enqueue(self._spec(job))
                if why is not None:
                    job.state = "queued"
                    job.started_at = None
                    job.placement = None
                    job.reservation_id = None
                    job.interruptions += 1
                    self._close_usage(session, job.id, now)
                    session.add(
                        JobEvent(job_id=job.id, state="queued", at=now,
                                 reason=f"requeued after restart: {why}")
                    )  # fmt: skip
            session.flush()
            self._advance(session, now)

    def _restore_failed_nodes(self, session: Session, now_s: float) -> None:
        """Nodes whose last recorded event is a failure with its repair still ahead stay down
        until then."""
        last = (
            select(NodeEvent.node, func.max(NodeEvent.id).label("last"))
            .group_by(NodeEvent.node)
            .subquery()
        )
        down = session.scalars(
            select(NodeEvent)
            .join(last, NodeEvent.id == last.c.last)
            .where(NodeEvent.state == "down", NodeEvent.up_at.is_not(None))
        ).all()
        for event in down:
            assert event.up_at is not None
            up_s = self.seconds(event.up_at)
            if up_s > now_s:
                self.engine.restore_down(event.node, up_s, now_s)

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
        out = []
        with self.lock:  # the clock thread may be changing the engine
            scheduler = self.engine
            now_s = self.now_s()
            for t in self.fleet.types:
                reserved, reserved_free = scheduler.reserved(t, now_s)
                out.append(
                    schemas.CapacityOut(
                        accelerator=t,
                        total=totals[t],
                        online=scheduler.online(t),
                        free=scheduler.free(t),
                        running_jobs=int(running.get(t, 0)),
                        reserved=reserved,
                        reserved_free=reserved_free,
                    )
                )
        return out

    def power_now(self) -> schemas.PowerOut | None:
        """IT and facility power now (`PowerModel`), total and per site; None without one."""
        if self.power is None:
            return None
        with self.lock:
            groups, busy, online = self.engine.busy_by_group()
        by_site = self.power.draw_mw(groups, busy, online)
        return schemas.PowerOut(
            it_mw=sum(it for it, _ in by_site.values()),
            facility_mw=sum(f for _, f in by_site.values()),
            idle_share=self.power.idle_share,
            by_site={
                site: schemas.SitePower(it_mw=it, facility_mw=f, pue=self.power.pue.get(site, 1.0))
                for site, (it, f) in by_site.items()
            },
        )

    def metrics(self, tenant_id: str | None) -> schemas.MetricsOut:
        with self.lock:
            scheduler = self.engine
            utilization = {
                t: (1.0 - scheduler.free(t) / scheduler.online(t)) if scheduler.online(t) else 0.0
                for t in self.fleet.types
            }
            nodes_down = int(scheduler.failed.sum())
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
            at=self.clock(),
            utilization=utilization,
            queued_jobs=int(counts.get("queued", 0)),
            running_jobs=int(counts.get("running", 0)),
            usage=usage,
            nodes_down=nodes_down,
            power=self.power_now(),
        )


def _placement(
    fleet: Fleet, nodes: list[int], counts: list[int], reservation: str | None
) -> dict[str, object]:
    """A job's placement as recorded: its nodes and the accelerators on each, and the halls,
    scale-up domains and sites they are in."""
    halls = sorted({fleet.halls[int(fleet.node_hall[n])] for n in nodes})
    domains = sorted({int(fleet.node_domain[n]) for n in nodes})
    sites = sorted({fleet.sites[int(fleet.node_site[n])] for n in nodes})
    return {
        "nodes": nodes, "counts": counts, "halls": halls, "domains": domains, "sites": sites,
        "reservation": reservation,
    }  # fmt: skip


def _midnight(day: dt.date) -> dt.datetime:
    """A reservation's dates are whole UTC days: its window starts at midnight."""
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def _check_id(object_id: str, kind: str) -> None:
    if not ID_PATTERN.match(object_id):
        raise Refused(404, f"no {kind} {object_id!r}")


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
