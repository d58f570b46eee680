"""The twin and the live service are one engine: random scripts of submissions, cancels,
reservations (and their cancels) and node failures with repairs, under random tenant quotas, fed
to the service (`ControlPlane` over a database, stepped by a fake clock from one input or event
to the next) and to the twin's replay (`gigawatt.sim.replay.replay` with the same inputs and the
same policy stack: quotas > reservations > queue policy), give every job the same history:
the same starts, ends, requeues and in-place restarts at the same seconds for the same reasons,
and the same nodes. After every step of the service the invariants hold:

- at most one open usage row per job, and exactly one per running job (nothing billed twice);
- per accelerator type, online minus free accelerators equals what running jobs hold;
- a job's history never has two starts without a stop between them (no double start).

Runs on SQLite, and on PostgreSQL when GIGAWATT_TEST_DATABASE_URL is set (`make test-service`;
CI runs both)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from gigawatt.failures.fleet import NodeFailures
from gigawatt.failures.outages import Outages
from gigawatt.fleet.topology import Fleet, uniform_fleet
from gigawatt.sched.engine import ENDED, REQUEUED, RESTARTED, STARTED, Outcome
from gigawatt.sched.jobs import WHOLE_MILLI, JobTable
from gigawatt.sched.queue import make_queue_policy, queue_policy_names
from gigawatt.sched.quotas import Quotas
from gigawatt.sched.reservations import Reservation, Reserving
from gigawatt.service import schemas
from gigawatt.service.control import ControlPlane, Refused
from gigawatt.sim.replay import Cancel, CancelReservation, Input, Reserve, replay
from gigawatt.store.database import Database
from gigawatt.store.models import Job, JobEvent, Usage

from .conftest import postgres_url_or_skip

PROGRAM_START = dt.date(2026, 1, 1)
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
DAY_S = 86_400
#: The service's clock starts here (2026-05-31 00:00); every input falls on a 10-minute grid
#: after it, on distinct instants.
FIRST_S = 150 * DAY_S
GRID_S = 600
TENANTS = ("acme", "globex", "initech")
RESTART_S = 300.0
HORIZON_S = FIRST_S + 40 * DAY_S


def small_fleet() -> Fleet:
    """8 nodes of 4 gb200 in domains of 2 nodes, two halls: 32 accelerators at tx-1."""
    return uniform_fleet(8, 4, 2, halls=2, accelerator="gb200", site="tx-1")


@dataclass(frozen=True)
class Submit:
    slot: int
    tenant: int
    accelerators: int
    priority: int
    estimate_s: float
    checkpoint_s: float | None


@dataclass(frozen=True)
class Kill:  # cancel the job submitted by the ``target``-th Submit (if it exists by then)
    slot: int
    target: int


@dataclass(frozen=True)
class Hold:  # a reservation asked for at ``slot``: a window of whole days ahead
    slot: int
    tenant: int
    accelerators: int
    start_day: int  # days after the day of the request
    days: int


@dataclass(frozen=True)
class Unhold:  # cancel the reservation of the ``target``-th Hold
    slot: int
    target: int


Step = Submit | Kill | Hold | Unhold


@st.composite
def scripts(draw: st.DrawFn) -> tuple[list[Step], list[int], list[tuple[int, int, int]], int]:
    """(steps on distinct grid slots, quota per tenant, outages (node, down slot, repair
    slots: 0 = no repair), spares per hall)."""
    count = draw(st.integers(8, 36))
    slots = draw(st.lists(st.integers(0, 240), min_size=count, max_size=count, unique=True))
    slots.sort()
    steps: list[Step] = []
    submits = holds = 0
    for slot in slots:
        kind = draw(st.sampled_from(["submit"] * 5 + ["kill", "hold", "hold", "unhold"]))
        if kind == "kill" and submits:
            steps.append(Kill(slot, draw(st.integers(0, submits - 1))))
        elif kind == "hold" and holds < 4:
            steps.append(
                Hold(slot, draw(st.integers(0, 2)), draw(st.sampled_from([4, 8, 12, 16])),
                     draw(st.integers(1, 2)), draw(st.integers(1, 2)))
            )  # fmt: skip
            holds += 1
        elif kind == "unhold" and holds:
            steps.append(Unhold(slot, draw(st.integers(0, holds - 1))))
        else:
            steps.append(
                Submit(
                    slot, draw(st.integers(0, 2)),
                    draw(st.sampled_from([1, 2, 4, 4, 6, 8, 12, 16, 24])),
                    draw(st.integers(0, 2)), float(draw(st.integers(1, 16)) * 1800),
                    draw(st.sampled_from([None, 1800.0, 3600.0])),
                )
            )  # fmt: skip
            submits += 1
    quotas = draw(st.lists(st.sampled_from([8, 16, 24, 32]), min_size=3, max_size=3))
    outages = draw(
        st.lists(
            st.tuples(st.integers(0, 7), st.integers(0, 300), st.sampled_from([0, 1, 3, 12])),
            max_size=8,
        )
    )
    return steps, quotas, outages, draw(st.integers(0, 1))


def node_failures(outages: list[tuple[int, int, int]], spares: int) -> NodeFailures | None:
    if not outages:
        return None
    rows = sorted((FIRST_S + slot * GRID_S + 1, node, repair) for node, slot, repair in outages)
    return NodeFailures(
        outages=Outages(
            node=np.array([r[1] for r in rows], np.int64),
            down_s=np.array([float(r[0]) for r in rows]),
            up_s=np.array([float(r[0] + r[2] * 3600) for r in rows]),
            cause=np.zeros(len(rows), np.int64),
        ),
        causes=("test-fault",),
        restart_s=RESTART_S,
        spares_per_hall=spares,
    )


class Clock:
    def __init__(self) -> None:
        self.now_s = float(FIRST_S)

    def __call__(self) -> dt.datetime:
        return EPOCH + dt.timedelta(seconds=self.now_s)


def seconds(when: dt.datetime) -> float:
    return (when.replace(tzinfo=dt.UTC) - EPOCH).total_seconds()


def fresh_database(tmp: Path) -> str:
    return postgres_url_or_skip() or f"sqlite:///{tmp / 'serve.db'}"


@dataclass
class Served:
    """What the service did: the job ids in submission order, each job's (state, seconds,
    reason) history and final placement nodes, and the reservations it held (by Hold)."""

    ids: list[str]
    history: dict[str, list[tuple[str, float, str]]]
    nodes: dict[str, list[int]]
    held: dict[int, str]  # Hold index -> reservation id


def serve(
    steps: list[Step], quotas: list[int], failures: NodeFailures | None, policy: str, url: str
) -> Served:
    clock = Clock()
    db = Database(url)
    db.upgrade()
    control = ControlPlane(db, small_fleet(), PROGRAM_START, clock, policy=policy,
                           failures=failures)  # fmt: skip
    tenants = [
        control.create_tenant(schemas.TenantCreate(name=name, quotas={"gb200": quota})).id
        for name, quota in zip(TENANTS, quotas, strict=True)
    ]
    ids: list[str] = []
    held: dict[int, str] = {}
    submits = [s for s in steps if isinstance(s, Submit)]
    holds = [s for s in steps if isinstance(s, Hold)]
    pending = list(steps)
    while pending or control.next_event_s() <= HORIZON_S:
        at = FIRST_S + pending[0].slot * GRID_S if pending else float("inf")
        clock.now_s = min(at, control.next_event_s())
        if clock.now_s != at:
            control.tick()  # the clock's own events
        else:
            control.catch_up()  # as a changing route does before its change
            step = pending.pop(0)
            if isinstance(step, Submit):
                ids.append(_submit(control, tenants[step.tenant], step))
            elif isinstance(step, Kill):
                if step.target < len(ids) and ids[step.target]:
                    _ignore_refusal(control.cancel, tenants[submits[step.target].tenant],
                                    ids[step.target])  # fmt: skip
            elif isinstance(step, Hold):
                number = holds.index(step)
                reservation = _reserve(control, tenants[step.tenant], step)
                if reservation:
                    held[number] = reservation
            elif step.target in held:
                _ignore_refusal(control.cancel_reservation, tenants[holds[step.target].tenant],
                                held[step.target])  # fmt: skip
        check_invariants(control, db)
    with db.read() as session:
        rows = {job.id: job for job in session.scalars(select(Job)).all()}
        events = session.scalars(select(JobEvent).order_by(JobEvent.id)).all()
        history: dict[str, list[tuple[str, float, str]]] = {i: [] for i in ids if i}
        for e in events:
            if e.reason not in ("submitted", "cancelled by tenant"):
                history[e.job_id].append((e.state, seconds(e.at), e.reason))
    nodes = {
        i: [int(n) for n in (rows[i].placement or {}).get("nodes", [])] for i in ids if i
    }
    db.dispose()
    return Served(ids, history, nodes, held)


def _submit(control: ControlPlane, tenant: str, step: Submit) -> str:
    """The job's id, or "" if refused (a gang larger than the tenant's quota)."""
    body = schemas.JobSubmit(
        accelerator="gb200", accelerators=step.accelerators, priority=step.priority,
        estimate_s=step.estimate_s, checkpoint_s=step.checkpoint_s,
    )  # fmt: skip
    try:
        return control.submit(tenant, body, None)[0].id
    except Refused:
        return ""


def _reserve(control: ControlPlane, tenant: str, step: Hold) -> str:
    """The reservation's id, or "" if refused (its quota, or the fleet's capacity)."""
    now = EPOCH + dt.timedelta(seconds=FIRST_S + step.slot * GRID_S)
    body = schemas.ReservationCreate(
        accelerator="gb200", accelerators=step.accelerators, site="tx-1",
        start_date=now.date() + dt.timedelta(days=step.start_day), days=step.days,
    )  # fmt: skip
    try:
        return control.create_reservation(tenant, body).id
    except Refused:
        return ""


def _ignore_refusal(call: object, tenant: str, object_id: str) -> None:
    """A cancel of something already over is refused (409) by the service, a no-op for the
    engine: the same."""
    with contextlib.suppress(Refused):
        call(tenant, object_id)  # type: ignore[operator]


def check_invariants(control: ControlPlane, db: Database) -> None:
    with db.read() as session:
        running = {
            job.id: int(job.accelerators)
            for job in session.scalars(select(Job).where(Job.state == "running")).all()
        }
        open_rows = session.execute(
            select(Usage.job_id, func.count())
            .where(Usage.kind == "job", Usage.end_at.is_(None))
            .group_by(Usage.job_id)
        ).all()
    assert all(n == 1 for _, n in open_rows), "a job is billed twice"
    assert {job for job, _ in open_rows} == set(running), "open usage rows != running jobs"
    scheduler = control.engine
    held_by_jobs = scheduler.online("gb200") - scheduler.free("gb200")
    assert held_by_jobs == sum(running.values()), "online - free != what running jobs hold"


START = re.compile(r"^placed")


def twin(
    steps: list[Step], quotas: list[int], failures: NodeFailures | None, policy: str,
    served: Served,
) -> tuple[dict[int, list[tuple[str, float, str]]], dict[int, list[int]]]:  # fmt: skip
    """The replay of the same script: each submitted job's history, by submission index, as
    the service words it (state, seconds, reason)."""
    fleet = small_fleet()
    submits = [s for s in steps if isinstance(s, Submit)]
    kept = [k for k, s in enumerate(submits) if served.ids[k]]  # refused by quota: not sent
    count = len(kept)
    rows = [submits[k] for k in kept]
    estimate = np.array([s.estimate_s for s in rows])
    jobs = JobTable(
        tenants=TENANTS, tenant_weight=np.ones(len(TENANTS)), types=fleet.types,
        tenant=np.array([s.tenant for s in rows], np.int64),
        accelerators=np.array([s.accelerators for s in rows], np.int64),
        gpu_milli=np.full(count, WHOLE_MILLI, np.int64), allowed=np.ones(count, np.int64),
        gang=np.ones(count, bool), priority=np.array([s.priority for s in rows], np.int64),
        arrival_s=np.array([float(FIRST_S + s.slot * GRID_S) for s in rows]),
        duration_s=estimate, estimate_s=estimate.copy(),
        checkpoint_s=np.array([s.checkpoint_s or np.inf for s in rows]),
        checkpoint_cost_s=np.zeros(count),
    )  # fmt: skip
    index_of = {k: i for i, k in enumerate(kept)}
    policy_stack = Quotas(Reserving(make_queue_policy(policy, "topology"), fleet), 1)
    for tenant, quota in enumerate(quotas):
        policy_stack.set_quota(tenant, 0, quota)
    inputs: list[Input] = []
    holds: list[Reservation] = []
    for step in steps:
        at = float(FIRST_S + step.slot * GRID_S)
        if isinstance(step, Kill) and step.target in index_of:
            inputs.append(Cancel(at, index_of[step.target]))
        elif isinstance(step, Hold):
            number = len(holds)
            day = (FIRST_S + step.slot * GRID_S) // DAY_S + step.start_day
            r = Reservation(
                step.tenant, step.accelerators, 0, float(day * DAY_S),
                float((day + step.days) * DAY_S), site=0, name=served.held.get(number, ""),
            )  # fmt: skip
            holds.append(r)
            if number in served.held:
                inputs.append(Reserve(at, r))
        elif isinstance(step, Unhold) and step.target in served.held:
            inputs.append(CancelReservation(at, holds[step.target]))
    result = replay(
        fleet, jobs, policy_stack, HORIZON_S, 6 * 3600.0, None, failures,
        inputs=inputs, record=True,
    )  # fmt: skip
    assert not result.refusals  # the service refused the same ones (not sent here)
    history: dict[int, list[tuple[str, float, str]]] = {k: [] for k in kept}
    nodes: dict[int, list[int]] = {k: [] for k in kept}
    # The engine numbers reservations in the order they were asked for (only the ones the
    # service held were sent).
    names = dict(enumerate(i.reservation.name for i in inputs if isinstance(i, Reserve)))
    for o in result.outcomes:
        if o.job < 0:
            continue
        history[kept[o.job]].append(_worded(o, result, names))
        if o.kind == STARTED and o.allocation is not None:
            nodes[kept[o.job]] = o.allocation.nodes.tolist()
        elif o.kind == REQUEUED:
            nodes[kept[o.job]] = []
    return history, nodes


def _worded(o: Outcome, result: object, names: dict[int, str]) -> tuple[str, float, str]:
    if o.kind == STARTED:
        reason = f"placed in reservation {names[o.inside]}" if o.inside >= 0 else "placed"
        return ("running", o.at, reason)
    if o.kind == ENDED:
        return ("completed", o.at, "estimate elapsed")
    if o.kind == REQUEUED:
        return ("queued", o.at, f"requeued: {o.reason}")
    assert o.kind == RESTARTED
    return ("running", o.at, o.reason)


@settings(
    max_examples=40 if os.environ.get("CI") else 10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=scripts(), policy=st.sampled_from(queue_policy_names()))
def test_service_and_replay_give_every_job_the_same_history(
    tmp_path_factory: pytest.TempPathFactory,
    script: tuple[list[Step], list[int], list[tuple[int, int, int]], int],
    policy: str,
) -> None:
    steps, quotas, outages, spares = script
    failures = node_failures(outages, spares)
    served = serve(steps, quotas, failures, policy, fresh_database(tmp_path_factory.mktemp("d")))
    twin_history, twin_nodes = twin(steps, quotas, failures, policy, served)
    submitted = [k for k, job in enumerate(served.ids) if job]
    for k in submitted:
        job = served.ids[k]
        assert served.history[job] == twin_history[k], (k, policy)
        if served.nodes[job] or twin_nodes[k]:  # a cancel clears neither; compare the last
            assert sorted(served.nodes[job]) == sorted(twin_nodes[k]), (k, policy)
        starts = [e for e in served.history[job] if START.match(e[2])]
        stops = [e for e in served.history[job] if e[0] in ("queued", "completed")]
        assert len(starts) <= len(stops) + 1  # never two starts without a stop between
    for reasons in served.history.values():
        for _, _, reason in reasons:
            event(re.sub(r"[rj]-[0-9a-f]{16}|node \d+", "X", reason))  # what the script exercised
