"""Time-based replay: a trace's jobs and drawn node outages fed to the scheduling engine.

The engine (`gigawatt.sched.engine.Engine`) owns the queue, the fleet's state, the policy,
failures, restarts and the order of events; this module is the twin's driver: it feeds the
jobs' arrivals and the failure model's outages in time order, advances the engine one instant at
a time up to ``horizon_s`` (jobs still running then have no end), samples the fleet every
``sample_every_s`` in between (queue length, busy and online accelerators per (site, type)
group and per tenant, repair backlog and spares in use) and gathers what happened into a
`ReplayResult`: per-job records, samples, busy and online accelerator-seconds, failure
records. The live service drives the same engine from API calls and a clock.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gigawatt.failures.fleet import JobStop, NodeFailures, fleet_failures, job_stops
from gigawatt.fleet.topology import Fleet
from gigawatt.sched.engine import DEFAULT_MIGRATE_S, Engine, Outcome
from gigawatt.sched.jobs import WHOLE_MILLI, JobTable
from gigawatt.sched.queue import QueuePolicy
from gigawatt.sched.reservations import Refusal, Reservation

__all__ = [
    "DEFAULT_MIGRATE_S",
    "Cancel",
    "CancelReservation",
    "FailureRecords",
    "Input",
    "JobRecords",
    "JobStop",
    "NodeFailures",
    "ReplayResult",
    "Reserve",
    "Samples",
    "busy_accelerator_seconds",
    "fleet_failures",
    "job_stops",
    "replay",
]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

#: Call the progress callback about every this many events.
PROGRESS_EVERY = 16_384


@dataclass(frozen=True)
class JobRecords:
    """What happened to each job (NaN where it did not happen within the horizon)."""

    start_s: FloatArray  # first start
    end_s: FloatArray
    type_index: IntArray  # fleet type it ran on (-1: never started)
    nodes: IntArray  # nodes of its last placement
    domains: IntArray  # scale-up domains its last placement spans
    halls: IntArray
    sites: IntArray
    interruptions: IntArray
    rejected: NDArray[np.bool_]  # can never fit the fleet (too big for every allowed type)
    migrations: IntArray  # times a policy moved the job while it ran (``Decision.moved``)
    held_s: FloatArray  # wall seconds the job held accelerators within the horizon
    overhead_s: FloatArray  # of ``held_s``: held not training: checkpoint writes, migrations
    checkpoint_overhead_s: FloatArray  # of ``overhead_s``: writing checkpoints

    def wait_s(self, jobs: JobTable) -> FloatArray:
        return self.start_s - jobs.arrival_s

    def jct_s(self, jobs: JobTable) -> FloatArray:
        """Job completion time: end minus arrival."""
        return self.end_s - jobs.arrival_s


@dataclass(frozen=True)
class Samples:
    """The fleet every ``sample_every_s``: rows are sample times."""

    time_s: FloatArray
    queue_length: IntArray
    group_busy: FloatArray  # (samples, groups) accelerators in use
    group_online: FloatArray  # (samples, groups) accelerators online
    tenant_busy: FloatArray  # (samples, tenants)


@dataclass(frozen=True)
class FailureRecords:
    """What failures did. Lost time of a job = work since its last checkpoint (rolled back)
    plus the restart time it pays on resuming; accelerator-seconds weigh it by the job's
    accelerators (a share job by its fraction of one)."""

    causes: tuple[str, ...]
    node_outages_by_cause: IntArray  # failures that took an in-service node out
    interruptions_by_cause: IntArray  # job interruptions (a gang hit once per failure)
    rolled_back_accelerator_s_by_cause: FloatArray
    restart_accelerator_s_by_cause: FloatArray
    job_run_s: FloatArray  # wall time each job held its allocation within the horizon
    job_lost_s: FloatArray  # rolled back + restart, seconds (all interruptions of the job)
    repair_nodes: IntArray  # per sample: nodes in repair (the repair backlog)
    repair_accelerators: FloatArray  # per sample: accelerators out of service for repair
    spares_in_use: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))  # per sample
    spare_swaps: int = 0  # failed nodes replaced from their hall's spare pool
    spares_per_hall: int = 0
    #: Per cause: True for planned job stops (they checkpoint first and lose only the restart).
    planned_by_cause: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    #: Per job: interruptions that lost work or time unplanned (failures, and job stops that
    #: lose work), for MTTI per job size; empty when not recorded.
    job_unplanned: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))


@dataclass(frozen=True)
class ReplayResult:
    """Everything a replay measured. ``groups`` are the (site, type) pairs of the fleet."""

    fleet: Fleet
    jobs: JobTable
    policy: str
    placement: str
    horizon_s: float
    records: JobRecords
    samples: Samples
    groups: tuple[tuple[str, str], ...]
    group_busy_s: FloatArray  # accelerator-seconds busy per group over [0, horizon]
    group_online_s: FloatArray  # accelerator-seconds online per group
    tenant_busy_s: FloatArray  # accelerator-seconds used per tenant
    events: int
    failures: FailureRecords | None = None  # None: replayed without failures
    #: What happened, in order (`gigawatt.sched.engine.Outcome`), if asked for (``record``).
    outcomes: tuple[Outcome, ...] = ()
    #: Reservations (`Reserve` inputs) the engine refused, with the reason.
    refusals: tuple[Refusal, ...] = ()


@dataclass(frozen=True)
class Cancel:
    """Input: ``job`` is cancelled at ``at_s`` (out of the queue, or stopped if running)."""

    at_s: float
    job: int


@dataclass(frozen=True)
class Reserve:
    """Input: ``reservation`` is asked for at ``at_s`` (the policy needs a reservation layer,
    `gigawatt.sched.reservations.Reserving`)."""

    at_s: float
    reservation: Reservation


@dataclass(frozen=True)
class CancelReservation:
    """Input: the ``reservation`` asked for by an earlier `Reserve` is cancelled at ``at_s``."""

    at_s: float
    reservation: Reservation


#: What a replay can be fed besides its trace's arrivals and drawn outages.
Input = Cancel | Reserve | CancelReservation


def replay(
    fleet: Fleet,
    jobs: JobTable,
    policy: QueuePolicy,
    horizon_s: float,
    sample_every_s: float = 3600.0,
    progress: Callable[[float], None] | None = None,
    failures: NodeFailures | None = None,
    migrate_s: float | None = None,
    inputs: Sequence[Input] = (),
    record: bool = False,
) -> ReplayResult:
    """Replay ``jobs`` on ``fleet`` under ``policy`` up to ``horizon_s``, with node
    ``failures`` if given (see the module doc and `gigawatt.sched.engine`). ``migrate_s``:
    seconds a job moved by the policy (``Decision.moved``) spends checkpointing and restoring
    before it trains again on its new nodes (default: ``failures.restart_s``, else
    ``DEFAULT_MIGRATE_S``). ``inputs``: cancels and reservations at given times, applied after
    the events due at their time and before that instant's pass of the policy (as a live
    service applies a request once its clock caught up, then decides). ``record``: keep the engine's outcomes."""
    engine = Engine(
        fleet, jobs, policy, horizon_s=horizon_s, failures=failures, migrate_s=migrate_s,
        record=record,
    )  # fmt: skip
    engine.feed_arrivals()
    engine.feed_outages()
    sampler = _Sampler(engine, sample_every_s, horizon_s)
    reported = 0
    script = sorted(inputs, key=lambda i: i.at_s)
    k = 0
    refusals: list[Refusal] = []
    held: dict[int, int] = {}  # id(reservation) -> its index in the engine
    while True:
        now = engine.next_event_s()
        if k < len(script) and script[k].at_s < now:
            now = script[k].at_s
        if now > horizon_s:
            break
        sampler.until(now)
        if k < len(script) and script[k].at_s == now:
            engine.advance(now, decide=False)  # events due now, then the inputs, one pass
            while k < len(script) and script[k].at_s == now:
                _apply(engine, script[k], now, held, refusals)
                k += 1
        engine.advance(now)
        if progress is not None and engine.events // PROGRESS_EVERY != reported:
            reported = engine.events // PROGRESS_EVERY
            progress(now)
    sampler.until(math.nextafter(horizon_s, math.inf))  # up to and including the horizon
    engine.close(horizon_s)
    result = _result(engine, policy, sampler)
    if record or refusals:
        result = dataclasses.replace(
            result, outcomes=tuple(engine.outcomes or ()), refusals=tuple(refusals)
        )
    return result


def _apply(
    engine: Engine, given: Input, now: float, held: dict[int, int], refusals: list[Refusal]
) -> None:
    """Apply one input to the engine at ``now``."""
    if isinstance(given, Cancel):
        engine.cancel(given.job, now)
    elif isinstance(given, Reserve):
        index = engine.reserve(given.reservation)
        if isinstance(index, Refusal):
            refusals.append(index)
        else:
            held[id(given.reservation)] = index
    elif id(given.reservation) in held:
        engine.cancel_reservation(held[id(given.reservation)])


class _Sampler:
    """The fleet every ``every_s`` seconds up to the horizon (the state holds between events)."""

    def __init__(self, engine: Engine, every_s: float, horizon_s: float) -> None:
        self.engine = engine
        self.every_s = every_s
        self.horizon_s = horizon_s
        self.next_s = 0.0
        self.time_s: list[float] = []
        self.queue: list[int] = []
        self.busy: list[FloatArray] = []
        self.online: list[FloatArray] = []
        self.tenant: list[FloatArray] = []
        self.repair_nodes: list[int] = []
        self.repair_accelerators: list[float] = []
        self.spares: list[int] = []

    def until(self, to: float) -> None:
        """Samples at every sample time before ``to``."""
        engine = self.engine
        state = engine.state
        with_failures = engine.failures is not None
        while self.next_s < to and self.next_s <= self.horizon_s:
            self.time_s.append(self.next_s)
            self.queue.append(len(engine.queue))
            self.busy.append(np.array(state.group_busy))
            self.online.append(np.array(state.group_online))
            self.tenant.append(np.array([sum(row) for row in state.tenant_busy]))
            if with_failures:
                self.repair_nodes.append(engine.repair_nodes)
                self.repair_accelerators.append(engine.repair_accelerators)
                self.spares.append(engine.spares_in_use)
            self.next_s += self.every_s


def _result(engine: Engine, policy: QueuePolicy, sampler: _Sampler) -> ReplayResult:
    """What the replay measured, as arrays."""
    state = engine.state
    horizon_s = engine.horizon_s
    group_busy_s, group_online_s, tenant_busy_s = state.busy_integrals(horizon_s)
    held = np.array(engine.held_s)
    checkpoint_overhead = np.array(engine.checkpoint_overhead_s)
    failures = engine.failures
    failure_records = None
    if failures is not None:
        failure_records = FailureRecords(
            causes=failures.causes,
            node_outages_by_cause=np.array(engine.node_outages, np.int64),
            interruptions_by_cause=np.array(engine.cause_interruptions, np.int64),
            rolled_back_accelerator_s_by_cause=np.array(engine.cause_rolled_back, np.float64),
            restart_accelerator_s_by_cause=np.array(engine.cause_restart, np.float64),
            job_run_s=held,
            job_lost_s=np.array(engine.job_lost_s),
            repair_nodes=np.array(sampler.repair_nodes, np.int64),
            repair_accelerators=np.array(sampler.repair_accelerators),
            spares_in_use=np.array(sampler.spares, np.int64),
            spare_swaps=engine.spare_swaps,
            spares_per_hall=failures.spares_per_hall,
            planned_by_cause=engine.planned_by_cause,
            job_unplanned=np.array(engine.job_unplanned, np.int64),
        )
    samples = len(sampler.time_s)
    groups = len(state.groups)
    jobs = engine.jobs
    return ReplayResult(
        fleet=engine.fleet,
        jobs=jobs,
        policy=policy.name,
        placement=getattr(getattr(policy, "placement", None), "name", ""),
        horizon_s=horizon_s,
        records=JobRecords(
            np.array(engine.start_s, np.float64),
            np.array(engine.end_s, np.float64),
            np.array(engine.type_index, np.int64),
            np.array(engine.nodes_used, np.int64),
            np.array(engine.domains, np.int64),
            np.array(engine.halls, np.int64),
            np.array(engine.sites, np.int64),
            np.array(engine.interruptions, np.int64),
            np.array(engine.rejected, bool),
            np.array(engine.migrations, np.int64),
            held,
            np.array(engine.overhead_s) + checkpoint_overhead,
            checkpoint_overhead,
        ),
        samples=Samples(
            time_s=np.array(sampler.time_s),
            queue_length=np.array(sampler.queue, np.int64),
            group_busy=np.array(sampler.busy).reshape(samples, groups),
            group_online=np.array(sampler.online).reshape(samples, groups),
            tenant_busy=np.array(sampler.tenant).reshape(samples, len(jobs.tenants)),
        ),
        groups=state.groups,
        group_busy_s=group_busy_s,
        group_online_s=group_online_s,
        tenant_busy_s=tenant_busy_s,
        events=engine.events,
        failures=failure_records,
    )


def busy_accelerator_seconds(result: ReplayResult) -> float:
    """Accelerator-seconds the jobs held within the horizon, from the per-job records (each
    job's held wall time, summed over its runs: interrupted and migrated jobs included) times
    its accelerators; the conservation check: equals ``result.group_busy_s.sum()``, which the
    cluster state integrates independently from its allocations."""
    jobs, records = result.jobs, result.records
    share = jobs.accelerators * (jobs.gpu_milli / WHOLE_MILLI)
    return float((share * records.held_s).sum())
