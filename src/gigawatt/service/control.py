"""The control plane's operations (what the HTTP routers call): tenants, reservations, jobs,
metering, and the clock's events (completions, reservation windows, node failures).

Every state change runs in one `Database.transaction` while holding the process's scheduling
lock, so the in-memory `LiveCluster` and the database change together: a placement is made in
memory, written, committed; if the commit fails the memory is rebuilt from the database.
One server process owns a database (the in-memory cluster is that process's).

`tick` advances the service to its clock's now, in this order: nodes the plan brings online
(or retires), node failures and repairs (twin clock with a failure model), reservation windows
ending and starting (a starting window holds whole nodes, interrupting shared jobs there if
it must), completions of jobs whose estimate elapsed (each at its exact end time), jobs
interrupted by any of these back to the queue, then one pass of the queue policy (the same
policy object `gigawatt simulate` uses, `LiveCluster.admit`) over the waiting jobs.

A submission joins the queue and is followed by the same `_advance` (ends due at this instant
first, then one pass), as an arrival in the simulator's replay (`gigawatt.sim.replay`).
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

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gigawatt.fleet.topology import Fleet
from gigawatt.service import schemas
from gigawatt.service.live_cluster import DEFAULT_POLICY, LiveCluster
from gigawatt.service.power import PowerModel
from gigawatt.service.twin import OutageStream
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
        power: PowerModel | None = None,
        outages: OutageStream | None = None,
        policy: str = DEFAULT_POLICY,
        recover: bool = True,
    ) -> None:
        """``recover=False``: tenant administration only (`create_tenant`, `list_tenants`),
        no in-memory cluster; for a process beside the running server (``gigawatt admin``),
        which must not start, restore or complete jobs the server owns."""
        self.db = db
        #: Queue policy by name (`gigawatt.sched.queue`): which waiting jobs start.
        self.policy = policy
        #: Price per accelerator-hour by type (metering and budgets); unpriced types are free.
        self.prices_usd_per_hour = dict(prices_usd_per_hour or {})
        self.power = power
        #: Node failures and repairs to replay (twin clock with a failure model), else None.
        self.outages = outages
        self.fleet = fleet
        #: Accelerators of each type in the whole planned fleet (a larger gang never fits).
        self.planned_accelerators = fleet.accelerators_by_type()
        self.program_start = program_start
        self.epoch = dt.datetime.combine(program_start, dt.time(), dt.UTC)
        self.clock = clock
        self.lock = threading.Lock()
        self.placement = placement
        self.cluster: LiveCluster  # built by recover()
        #: Reservations holding nodes now: id -> (tenant id, accelerator type).
        self.holding: dict[str, tuple[str, str]] = {}
        self._next_window_s = float("inf")
        self._next_plan_s = float("inf")
        if recover:
            self.recover()

    def now_s(self) -> float:
        """Seconds from the scenario's program start (the fleet's time axis)."""
        return self.seconds(self.clock())

    def seconds(self, when: dt.datetime) -> float:
        return (_aware(when) - self.epoch).total_seconds()

    def at(self, seconds: float) -> dt.datetime:
        return self.epoch + dt.timedelta(seconds=seconds)

    @contextmanager
    def scheduling(self) -> Iterator[Session]:
        """The scheduling lock and one transaction; if it fails after the in-memory cluster
        changed, the memory is rebuilt from the database (which rolled back)."""
        with self.lock:
            cluster, changes = self.cluster, self.cluster.changes
            try:
                with self.db.transaction() as session:
                    yield session
            except BaseException:
                if self.cluster is not cluster or cluster.changes != changes:
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

    def _whole_nodes(self, accelerator: str, accelerators: int) -> int:
        """Accelerators a reservation holds: rounded up to whole nodes of the type."""
        size = int(self.cluster.state.type_node_size[self.fleet.types.index(accelerator)])
        return -(-accelerators // size) * size if size else accelerators

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
                Reservation.accelerator == body.accelerator,
                Reservation.start_date < end,
                Reservation.end_date > body.start_date,
            )
            others = session.scalars(overlapping).all()
            mine = sum(int(r.accelerators) for r in others if r.tenant_id == tenant_id)
            if mine + body.accelerators > quota:
                raise Refused(
                    409,
                    f"quota: {body.accelerator} quota is {quota}, {mine} already "
                    f"reserved over these dates, {body.accelerators} more asked",
                )
            capacity = self.site_capacity(body.site, body.accelerator, body.start_date, end)
            taken = sum(
                self._whole_nodes(r.accelerator, int(r.accelerators))
                for r in others
                if r.site == body.site
            )
            if taken + self._whole_nodes(body.accelerator, body.accelerators) > capacity:
                raise Refused(
                    409,
                    f"capacity: {body.site} has {capacity} {body.accelerator} online "
                    f"from {body.start_date} to {end}, {taken} already reserved "
                    f"(whole nodes), {body.accelerators} asked",
                )
            now = self.clock()
            window_start, window_end = _midnight(body.start_date), _midnight(end)
            self._check_reservation_budget(
                session, tenant_id, body.accelerator, body.accelerators,
                window_start, window_end, now,
            )  # fmt: skip
            row = Reservation(
                id=new_id("r"),
                tenant_id=tenant_id,
                site=body.site,
                accelerator=body.accelerator,
                accelerators=body.accelerators,
                start_date=body.start_date,
                end_date=end,
                state="active",
                created_at=now,
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
            self._next_window_s = min(self._next_window_s, self.seconds(window_start))
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
        started); held nodes go back to shared capacity, the tenant's jobs on them requeue."""
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
            self._release_hold(session, row, now, "reservation cancelled")
            self._drain_queue(session, now)
            self._next_window_s = self._window_boundary(session)
        return _reservation_out(row)

    def _release_hold(self, session: Session, row: Reservation, now: dt.datetime, why: str) -> None:
        self.holding.pop(row.id, None)
        for job_id in self.cluster.unhold(row.id, self.seconds(now)):
            self._requeue(session, job_id, f"requeued: {why} ({row.id})", now)

    def _window_boundary(self, session: Session) -> float:
        """The next reservation window start (not yet held) or end (held), in seconds."""
        boundary = float("inf")
        for row in session.scalars(select(Reservation).where(Reservation.state == "active")):
            when = row.end_date if row.id in self.holding else row.start_date
            boundary = min(boundary, self.seconds(_midnight(when)))
        return boundary

    def _advance_windows(self, session: Session, now: dt.datetime) -> None:
        now_s = self.seconds(now)
        if now_s < self._next_window_s:
            return
        today = now.date()
        rows = session.scalars(
            select(Reservation)
            .where(Reservation.state == "active", Reservation.start_date <= today)
            .order_by(Reservation.start_date, Reservation.created_at)
        ).all()
        for row in rows:
            if row.end_date <= today:
                row.state = "ended"
                self._release_hold(session, row, now, "reservation ended")
        for row in rows:
            if row.state == "active" and row.id not in self.holding:
                self._hold(session, row, now)
        self._next_window_s = self._window_boundary(session)

    def _in_the_way(self, session: Session, accelerator: str) -> list[str]:
        """Shared running jobs of the type, in the order a reservation preempts them: lowest
        priority first, latest started first."""
        return list(
            session.scalars(
                select(Job.id)
                .where(
                    Job.state == "running",
                    Job.accelerator == accelerator,
                    Job.reservation_id.is_(None),
                )
                .order_by(Job.priority, Job.started_at.desc())
            ).all()
        )

    def _hold(self, session: Session, row: Reservation, now: dt.datetime) -> None:
        """Set nodes aside for a reservation whose window is on; shared jobs in the way are
        interrupted (`_in_the_way`)."""
        nodes, interrupted = self.cluster.hold(
            row.id, row.tenant_id, row.accelerator, row.site, int(row.accelerators),
            self.seconds(now),
            preferred=list(row.nodes or []),
            yield_order=self._in_the_way(session, row.accelerator),
        )  # fmt: skip
        row.nodes = nodes
        self.holding[row.id] = (row.tenant_id, row.accelerator)
        for job_id in interrupted:
            self._requeue(session, job_id, f"requeued: preempted by reservation {row.id}", now)

    def _top_up_holds(self, session: Session, now: dt.datetime) -> None:
        """Reservations that hold fewer nodes than they need (nodes were down or busy when
        their window opened) take what has come free since, before the queue does."""
        for reservation in self.cluster.short():
            row = session.get_one(Reservation, reservation)
            nodes, interrupted = self.cluster.top_up(
                reservation, self.seconds(now), list(row.nodes or []),
                self._in_the_way(session, row.accelerator),
            )  # fmt: skip
            row.nodes = nodes
            for job_id in interrupted:
                self._requeue(
                    session, job_id, f"requeued: preempted by reservation {reservation}", now
                )

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
                # The simulator rejects such a job at arrival; queued, it would wait forever
                # (and hold back every job behind it under fifo and priority).
                raise Refused(
                    409,
                    f"capacity: a gang of {body.accelerators} {body.accelerator} never fits: "
                    f"the fleet has {planned} in all",
                )
            now = self.clock()
            self._check_job_budget(session, tenant_id, body, now)
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
            self._enqueue(job)
            self._advance(session, now)  # ends due now first, then one pass with the job in
            out = self._job_out(session, job)
        return out, True

    def _enqueue(self, job: Job) -> None:
        """The job waits in memory (the database row says ``queued``): ordered by its
        submission, with what is left of its estimate."""
        self.cluster.enqueue(
            job.id, job.tenant_id, job.accelerator, int(job.accelerators), int(job.priority),
            self.seconds(_aware(job.submitted_at)), max(job.estimate_s - job.progress_s, 0.0),
        )  # fmt: skip

    def _drain_queue(self, session: Session, now: dt.datetime) -> list[str]:
        """One pass of the queue policy over the waiting jobs (`LiveCluster.admit`: each held
        reservation's pool for its owner's jobs first, then shared capacity; tenants' quotas
        respected); the jobs started are recorded. Returns their ids, in start order."""
        self._top_up_holds(session, now)
        quotas = {
            (q.tenant_id, q.accelerator): int(q.accelerators)
            for q in session.scalars(select(Quota)).all()
        }
        starts = self.cluster.admit(self.seconds(now), quotas)
        if not starts:
            return []
        rows = {
            job.id: job
            for job in session.scalars(
                select(Job).where(Job.id.in_([s.job_id for s in starts]))
            ).all()
        }
        for start in starts:
            job, placed = rows[start.job_id], start.placed
            job.state = "running"
            job.started_at = now
            job.placement = placed.as_json(self.fleet)
            job.reservation_id = placed.reservation
            reason = (
                f"placed in reservation {placed.reservation}" if placed.reservation else "placed"
            )
            session.add(JobEvent(job_id=job.id, state="running", at=now, reason=reason))
            session.add(
                Usage(
                    tenant_id=job.tenant_id, kind="job", job_id=job.id,
                    reservation_id=placed.reservation, accelerator=job.accelerator,
                    accelerators=job.accelerators, start_at=now, end_at=None,
                )
            )  # fmt: skip
        return [s.job_id for s in starts]

    def _close_usage(self, session: Session, job_id: str, end: dt.datetime) -> None:
        session.execute(
            update(Usage).where(Usage.job_id == job_id, Usage.end_at.is_(None)).values(end_at=end)
        )

    def _requeue(self, session: Session, job_id: str, reason: str, now: dt.datetime) -> None:
        """An interrupted job (already released in memory) goes back to the queue; it keeps
        the work saved by its last checkpoint (none without a checkpoint interval)."""
        job = session.scalars(select(Job).where(Job.id == job_id)).one()
        if job.started_at is not None and job.checkpoint_s:
            ran_s = max((now - _aware(job.started_at)).total_seconds(), 0.0)
            saved_s = (ran_s // job.checkpoint_s) * job.checkpoint_s
            job.progress_s = min(job.progress_s + saved_s, job.estimate_s)
        job.state = "queued"
        job.started_at = None
        job.placement = None
        job.reservation_id = None
        job.interruptions += 1
        self._close_usage(session, job.id, now)
        session.add(JobEvent(job_id=job.id, state="queued", at=now, reason=reason))
        self._enqueue(job)

    def _complete_due(self, session: Session, until_s: float) -> list[str]:
        """Jobs whose estimate has elapsed by ``until_s`` complete, each at its own end time
        on the clock; returns their ids."""
        done = self.cluster.due(until_s)
        if not done:
            return []
        end_of = {job_id: self.at(end_s) for end_s, job_id in done}
        rows = {job.id: job for job in session.scalars(select(Job).where(Job.id.in_(list(end_of))))}
        for job_id, end in end_of.items():  # released in `due`'s order, as the simulator does
            job = rows[job_id]
            self.cluster.release(job.id, self.seconds(end))
            job.state = "completed"
            job.ended_at = end
            self._close_usage(session, job.id, end)
            session.add(
                JobEvent(job_id=job.id, state="completed", at=end, reason="estimate elapsed")
            )
        session.flush()
        return list(end_of)

    def _replay_outages(self, session: Session, now_s: float) -> None:
        """Node failures and repairs up to ``now_s``, in time order; jobs finishing before a
        failure complete first; jobs on a failed node are interrupted and requeued."""
        stream = self.outages
        if stream is None:
            return
        while (event := stream.pop_due(now_s)) is not None:
            kind, when_s, node, cause, up_s = event
            when = self.at(when_s)
            self._complete_due(session, when_s)
            nodes = np.array([node], np.int64)
            if kind == "down":
                hit = self.cluster.fail(nodes, when_s)
                session.add(
                    NodeEvent(
                        node=node, state="down", at=when, reason=cause,
                        up_at=self.at(up_s) if up_s > when_s else None,
                    )
                )  # fmt: skip
                for job_id in hit:
                    self._requeue(session, job_id, f"requeued: node {node} failed ({cause})", when)
            else:
                self.cluster.repair(nodes, when_s)
                session.add(NodeEvent(node=node, state="up", at=when, reason=cause))

    def next_event_s(self) -> float:
        """Seconds (from the program start) of the next event the clock will pass: a running
        job's end, a node failure or repair, a reservation window, a plan change; inf if none."""
        outage = self.outages.next_s() if self.outages is not None else float("inf")
        return min(self.cluster.next_end_s(), outage, self._next_window_s, self._next_plan_s)

    def _advance(self, session: Session, now: dt.datetime) -> None:
        """Everything the clock has passed, in the order of the module docstring."""
        now_s = self.seconds(now)
        if now_s >= self._next_plan_s:
            for job_id in self.cluster.follow_plan(now_s):
                self._requeue(session, job_id, "requeued: node retired by the plan", now)
            self._next_plan_s = self.cluster.next_plan_change_s(now_s)
        self._replay_outages(session, now_s)
        self._advance_windows(session, now)
        self._complete_due(session, now_s)
        self._drain_queue(session, now)

    def tick(self) -> None:
        """Advance to the clock's now (one transaction); a no-op while nothing is due."""
        if self.now_s() < self.next_event_s():
            return
        with self.scheduling() as session:
            self._advance(session, self.clock())

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
                self.cluster.release(job.id, self.seconds(now))
                self._close_usage(session, job.id, now)
            else:
                self.cluster.dequeue(job.id)
            job.state = "cancelled"
            job.ended_at = now
            session.add(
                JobEvent(job_id=job.id, state="cancelled", at=now, reason="cancelled by tenant")
            )
            session.flush()
            self._drain_queue(session, now)
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

    # Metering and budgets -----------------------------------------------------------------

    def _price(self, row: Usage) -> float:
        """USD per accelerator-hour a usage row is billed at: a job inside a reservation is
        paid for by the reservation; an unpriced type is free."""
        if row.kind == "job" and row.reservation_id is not None:
            return 0.0
        return self.prices_usd_per_hour.get(row.accelerator, 0.0)

    def _spend(
        self,
        session: Session,
        tenant_id: str,
        period: tuple[dt.datetime, dt.datetime],
        now: dt.datetime,
    ) -> tuple[float, float, list[schemas.UsageItem]]:
        """USD used (up to now) and committed (the rest) within ``period`` by the tenant, and
        the metered items. Committed: reservations' windows ahead, running jobs' remaining
        estimates, and, if the period holds now, queued jobs' whole remaining estimates."""
        first, last = period
        rows = session.scalars(
            select(Usage)
            .where(
                Usage.tenant_id == tenant_id,
                Usage.start_at < last,
                Usage.end_at.is_(None) | (Usage.end_at > first),
            )
            .order_by(Usage.id)
        ).all()
        running_end: dict[str, dt.datetime] = {}
        open_jobs = [r.job_id for r in rows if r.end_at is None and r.job_id is not None]
        if open_jobs:
            for job in session.scalars(select(Job).where(Job.id.in_(open_jobs))):
                if job.started_at is not None:
                    remaining_s = max(job.estimate_s - job.progress_s, 0.0)
                    running_end[job.id] = _aware(job.started_at) + dt.timedelta(seconds=remaining_s)
        used_usd = committed_usd = 0.0
        items: dict[tuple[str, str], schemas.UsageItem] = {}
        for row in rows:
            start = _aware(row.start_at)
            end = _aware(row.end_at) if row.end_at is not None else None
            planned_end = end if end is not None else running_end.get(row.job_id or "", now)
            used_h = _overlap_h(start, now if end is None else min(end, now), first, last)
            ahead_h = _overlap_h(max(start, now), planned_end, first, last)
            if used_h == 0 and ahead_h == 0 and not (end is None and first <= now < last):
                continue  # nothing of it falls in this period
            hours = used_h * int(row.accelerators)
            price = self._price(row)
            used_usd += hours * price
            committed_usd += ahead_h * int(row.accelerators) * price
            key = (row.kind, row.job_id or row.reservation_id or "")
            item = items.get(key)
            if item is None:
                item = items[key] = schemas.UsageItem(
                    kind=row.kind, id=key[1], accelerator=row.accelerator,
                    accelerators=int(row.accelerators), reservation=row.reservation_id,
                    accelerator_hours=0.0, cost_usd=0.0, running=False,
                )  # fmt: skip
            item.accelerator_hours += hours
            item.cost_usd += hours * price
            item.running = item.running or (row.kind == "job" and end is None)
        if first <= now < last:
            for accelerators, estimate_s, progress_s, accelerator in session.execute(
                select(Job.accelerators, Job.estimate_s, Job.progress_s, Job.accelerator).where(
                    Job.tenant_id == tenant_id, Job.state == "queued"
                )
            ).tuples():
                price = self.prices_usd_per_hour.get(accelerator, 0.0)
                committed_usd += accelerators * max(estimate_s - progress_s, 0.0) / 3600 * price
        return used_usd, committed_usd, list(items.values())

    def _check_job_budget(
        self, session: Session, tenant_id: str, body: schemas.JobSubmit, now: dt.datetime
    ) -> None:
        """Refuse a job whose estimated cost, on top of this month's used and committed spend,
        would exceed the tenant's monthly budget (its cost counts at the type's price even if
        it may end up inside a reservation)."""
        tenant = session.get_one(Tenant, tenant_id)
        price = self.prices_usd_per_hour.get(body.accelerator)
        if tenant.monthly_budget_usd is None or price is None:
            return
        used, committed, _ = self._spend(session, tenant_id, _month(now), now)
        cost = body.accelerators * body.estimate_s / 3600.0 * price
        if used + committed + cost > tenant.monthly_budget_usd:
            raise Refused(
                409,
                f"budget: this job's estimated ${cost:,.0f} on top of ${used + committed:,.0f} "
                f"this month (${used:,.0f} used, ${committed:,.0f} committed) exceeds the "
                f"monthly budget of ${tenant.monthly_budget_usd:,.0f}",
            )

    def _check_reservation_budget(
        self, session: Session, tenant_id: str, accelerator: str, accelerators: int,
        start: dt.datetime, end: dt.datetime, now: dt.datetime,
    ) -> None:  # fmt: skip
        """Refuse a reservation whose cost in any month it spans, on top of that month's used
        and committed spend, would exceed the tenant's monthly budget."""
        tenant = session.get_one(Tenant, tenant_id)
        price = self.prices_usd_per_hour.get(accelerator)
        if tenant.monthly_budget_usd is None or price is None:
            return
        month = _month(start)
        while month[0] < end:
            cost = _overlap_h(start, end, *month) * accelerators * price
            used, committed, _ = self._spend(session, tenant_id, month, now)
            if used + committed + cost > tenant.monthly_budget_usd:
                raise Refused(
                    409,
                    f"budget: this reservation's ${cost:,.0f} in {month[0]:%Y-%m} on top of "
                    f"${used + committed:,.0f} used and committed that month exceeds the "
                    f"monthly budget of ${tenant.monthly_budget_usd:,.0f}",
                )
            month = _month(month[1])

    def usage(self, tenant_id: str | None, month: str | None) -> schemas.UsageOut:
        """Metered accelerator-hours and cost per tenant (one tenant, or all) in a calendar
        month (``YYYY-MM``, default the clock's current month)."""
        now = self.clock()
        if month is None:
            period = _month(now)
        else:
            try:
                period = _month(dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=dt.UTC))
            except (ValueError, OverflowError):
                raise Refused(
                    422, f"month: expected YYYY-MM before 9999-12, got {month!r}"
                ) from None
        with self.db.read() as session:
            query = select(Tenant).order_by(Tenant.created_at)
            if tenant_id is not None:
                query = query.where(Tenant.id == tenant_id)
            tenants = []
            for tenant in session.scalars(query).all():
                used, committed, items = self._spend(session, tenant.id, period, now)
                tenants.append(
                    schemas.TenantUsage(
                        tenant=tenant.name,
                        accelerator_hours=sum(i.accelerator_hours for i in items),
                        cost_usd=used,
                        committed_usd=committed,
                        monthly_budget_usd=tenant.monthly_budget_usd,
                        items=items,
                    )
                )
        return schemas.UsageOut(
            month=f"{period[0]:%Y-%m}", at=now, prices_usd_per_hour=self.prices_usd_per_hour,
            tenants=tenants,
        )  # fmt: skip

    # Recovery and read-outs ---------------------------------------------------------------

    def recover(self) -> None:
        """Rebuild the in-memory cluster from the database (at start and after a failed
        commit), in this order:

        1. nodes down for repair stay down until their repair;
        2. reservations that held nodes before hold the same nodes again (those whose window
           ended meanwhile end);
        3. waiting jobs rejoin the queue;
        4. running jobs go back on exactly their recorded nodes (same accelerators on each,
           inside their reservation if they ran in one), as started at their recorded start, so
           each ends when it would have (`LiveCluster.restore`); one whose nodes are not all
           available (down, retired, held by another reservation, its reservation over) goes
           back to the queue with the reason in its history;
        5. then what the clock has passed, as on any tick (`_advance`): windows that opened
           while the service was down take their nodes (interrupting shared jobs in the way as
           they would have live), jobs whose estimate elapsed complete at their end time, and
           one pass of the queue policy."""
        self.cluster = LiveCluster(self.fleet, self.now_s(), self.placement, self.policy)
        self.holding = {}
        self._next_plan_s = self.cluster.next_plan_change_s(self.now_s())
        with self.db.transaction() as session:
            now = self.clock()
            today = now.date()
            self._restore_failed_nodes(session, now)
            for row in session.scalars(
                select(Reservation)
                .where(Reservation.state == "active", Reservation.start_date <= today)
                .order_by(Reservation.start_date, Reservation.created_at)
            ):
                if row.end_date <= today:
                    row.state = "ended"
                elif row.nodes:  # held before the restart (a window opening now: step 5)
                    self._hold(session, row, now)
            for job in session.scalars(
                select(Job).where(Job.state == "queued").order_by(Job.seq)
            ).all():
                self._enqueue(job)
            running = session.scalars(
                select(Job).where(Job.state == "running").order_by(Job.started_at, Job.seq)
            ).all()
            for job in running:
                assert job.started_at is not None
                placement = job.placement or {}
                nodes, counts = placement.get("nodes"), placement.get("counts")
                if not isinstance(nodes, list) or not isinstance(counts, list):
                    self._requeue(session, job.id, "requeued after restart: no placement", now)
                    continue
                placed = self.cluster.restore(
                    job.id, job.tenant_id, job.accelerator, int(job.accelerators),
                    int(job.priority), self.seconds(_aware(job.submitted_at)),
                    max(job.estimate_s - job.progress_s, 0.0),
                    self.seconds(_aware(job.started_at)),
                    [int(n) for n in nodes], [int(c) for c in counts], job.reservation_id,
                )  # fmt: skip
                if isinstance(placed, str):
                    self._requeue(session, job.id, f"requeued after restart: {placed}", now)
            session.flush()
            self._next_window_s = -float("inf")  # step 5 looks at every window
            self._advance(session, now)

    def _restore_failed_nodes(self, session: Session, now: dt.datetime) -> None:
        """Nodes whose last recorded event is a failure with its repair still ahead stay down
        until then (the repair is replayed on the clock even without a failure model)."""
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
        still = [e for e in down if e.up_at is not None and _aware(e.up_at) > now]
        if not still:
            return
        if self.outages is None:
            self.outages = OutageStream.empty()
        nodes = np.array([e.node for e in still], np.int64)
        self.cluster.fail(nodes, self.seconds(now))
        for event in still:
            assert event.up_at is not None
            self.outages.add_repair(event.node, self.seconds(_aware(event.up_at)))

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
        with self.lock:  # the clock thread may be changing the pools
            for t in self.fleet.types:
                reserved, reserved_free = self.cluster.reserved(t)
                out.append(
                    schemas.CapacityOut(
                        accelerator=t,
                        total=totals[t],
                        online=self.cluster.online(t),
                        free=self.cluster.free(t),
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
            groups, busy, online = self.cluster.busy_by_group()
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
            utilization = {
                t: (1.0 - self.cluster.free(t) / self.cluster.online(t))
                if self.cluster.online(t)
                else 0.0
                for t in self.fleet.types
            }
            nodes_down = int(self.cluster.failed.sum())
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


def _midnight(day: dt.date) -> dt.datetime:
    """A reservation's dates are whole UTC days: its window starts at midnight."""
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def _month(when: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The calendar month (UTC) holding ``when``: [first instant, first of the next)."""
    first = dt.datetime(when.year, when.month, 1, tzinfo=dt.UTC)
    following = dt.datetime(when.year + when.month // 12, when.month % 12 + 1, 1, tzinfo=dt.UTC)
    return first, following


def _overlap_h(
    start: dt.datetime, end: dt.datetime, first: dt.datetime, last: dt.datetime
) -> float:
    """Hours of [start, end) inside [first, last)."""
    return max((min(end, last) - max(start, first)).total_seconds(), 0.0) / 3600.0


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
