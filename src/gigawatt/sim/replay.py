"""Time-based replay: jobs arrive, wait, start whole, run and end on a fleet that grows.

One event heap of ``(time, priority, counter, kind, payload, run)``: ties in time break by
priority (ends first, then nodes leaving, nodes joining, arrivals), then by the order events
were scheduled, so a run repeats exactly. After all events of one instant are applied, the
queue policy is asked once which jobs start (``policy.admit``); a start is immediate and
schedules the job's end. Only the next arrival is kept in the heap (arrivals are read in time
order), so the heap holds running jobs' ends and pending fleet changes, not the whole trace.

Job states (``JobRecords``)::

    arriving --arrival--> waiting --admit--> running --end--> done
        |                    ^                  |  ^
        +--> rejected        +-- interrupted <--+  +-- moved (Decision.moved): checkpointed
             (never fits)    (its node went offline:   on demand, nothing lost; it restores
                             progress since the last   for ``migrate_s`` on its new nodes
                             checkpoint is lost)       and trains on, never queued)

A policy with a ``next_wakeup(now) -> float | None`` method is asked after each ``admit``
when it next wants to be called although nothing else happens (a reservation window opens or
closes); the engine keeps one pending WAKE event (an earlier request supersedes a later one)
and a WAKE makes its instant call ``admit``.

Node failures (optional ``NodeFailures``, drawn by ``gigawatt.failures.outages``) are more of
the same events: at ``down_s`` the node leaves (its jobs are interrupted as above and pay the
model's detection + restart time when they run again) and it is in repair until ``up_s``; it
rejoins only if it is still within its fleet service window. With a spare pool
(``NodeFailures.spares_per_hall``) a failed node with a repair time is swapped at once for a
spare of its hall while one is left: capacity stays, and the repaired node returns to the
pool at ``up_s``. A failure without repair time (software, hangs) takes no capacity. In both
cases the node's jobs restart in place: each loses its work since the last checkpoint and pays
the restart, but keeps its allocation (``ClusterState.restart``: no requeue, no new placement,
as a gang restarts on its nodes with a hot spare swapped in). Only a failure that takes the
node out for repair with no spare left sends its jobs back to the queue. A failure drawn while its
node is already out of service is ignored (first order).

Job stops (``NodeFailures.job_stops``: the model's job-scoped components, e.g. Llama 3's 47
planned interruptions in 54 days for firmware upgrades and configuration or dataset updates)
hit each running job that checkpoints at the component's rate per job, whatever its size. They
are memoryless, so at each (re)start a job draws its next stop (a seeded ``random.Random``: a
run repeats exactly) and keeps one pending JOB_STOP event; a stop whose run has ended or been
cut is stale (``runs``, as for ends). A planned stop (``loses_work`` false) checkpoints first
and loses nothing; every stop pays the restart and the job restarts in place, as with a spare.
Stateless jobs (inference replicas) and jobs that never checkpoint get none: serving fleets
take firmware and configuration changes as rolling updates, a replica at a time behind the
load balancer, and a job without checkpoints has no stop-and-resume to plan.

Simulation time is seconds from the scenario's program start; the run stops at ``horizon_s``
(jobs still running then have no end). Everything accumulates in arrays: per-job records,
accelerator-seconds busy per (site, type) group and per tenant, and samples every
``sample_every_s`` of the queue and of busy/online accelerators.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gigawatt.failures.analytic import daly_interval_s
from gigawatt.failures.exposure import JobShape, job_rates
from gigawatt.failures.models import FailureModel
from gigawatt.failures.outages import Outages, draw_outages
from gigawatt.fleet.topology import Fleet
from gigawatt.sched.cluster import Allocation, ClusterState
from gigawatt.sched.jobs import WHOLE_MILLI, JobTable
from gigawatt.sched.queue import JobQueue, QueuePolicy

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

# Event kinds; the first four are also the priorities, the order they apply when they fall on
# the same instant. A node failure applies with NODE_OFFLINE, a repair with NODE_ONLINE, a
# policy's wake-up last (WAKE_PRIORITY).
END, NODE_OFFLINE, NODE_ONLINE, ARRIVAL, NODE_FAIL, NODE_REPAIRED, WAKE = 0, 1, 2, 3, 4, 5, 6
SPARE_BACK = 7  # a node repaired while a spare stood in for it: the spare returns to the pool
JOB_STOP = 8  # a job-scoped stop of one running job (planned maintenance); applies with failures
WAKE_PRIORITY = 4
# Why a job's run starts with pending time (besides a failure cause index >= 0).
PLANNED, MIGRATION = -1, -2
#: Seconds a migrated job loses (checkpoint on demand, stop, restore on its new nodes) when
#: ``replay`` is given neither ``migrate_s`` nor failures (with failures: the failure model's
#: detection + restart time).
DEFAULT_MIGRATE_S = 300.0
#: Call the progress callback every this many events.
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
class JobStop:
    """A job-scoped cause (``scope: job`` in the failure model): every running job that
    checkpoints stops for it at ``per_s`` (per job, independent of its size); ``cause`` indexes
    ``NodeFailures.causes``. A planned stop (``loses_work`` false) checkpoints first."""

    cause: int
    per_s: float
    loses_work: bool = False


@dataclass(frozen=True)
class NodeFailures:
    """Failures to replay: node outages (``draw_outages``), the names of their causes (index =
    ``outages.cause``), the time a job loses on each interruption before it trains again
    (the model's detection + restart, seconds), the checkpoint write cost of jobs that give
    none (seconds) and the model itself (for ``auto`` checkpoint intervals: Young/Daly from
    each job's MTTI at its size; None: ``auto`` jobs never checkpoint)."""

    outages: Outages
    causes: tuple[str, ...]
    restart_s: float
    checkpoint_cost_s: float = 0.0
    model: FailureModel | None = None
    spares_per_hall: int = 0  # spare nodes per hall (the model's ``spares``)
    #: Spare nodes of each hall when they differ by hall (``spares_share``); overrides
    #: ``spares_per_hall`` when given.
    spares_by_hall: tuple[int, ...] | None = None
    #: Job-scoped stops (planned maintenance) of running jobs; empty: none.
    job_stops: tuple[JobStop, ...] = ()
    #: Seed of the job stops' draws (``fleet_failures`` passes its own).
    seed: int = 0


def job_stops(model: FailureModel) -> tuple[JobStop, ...]:
    """The model's job-scoped components with a rate, as ``JobStop``s (cause = the component's
    index). Exponential: a Weibull one is drawn at its mean rate, as ``draw_outages`` does."""
    return tuple(
        JobStop(k, c.rate_per_unit_s, c.loses_work)
        for k, c in enumerate(model.components)
        if c.scope == "job" and c.rate_per_unit_s > 0
    )


def fleet_failures(
    model: FailureModel,
    fleet: Fleet,
    horizon_s: float,
    seed: int = 0,
    spares_per_hall: int | None = None,
    spares_share: float | None = None,
) -> NodeFailures:
    """Node outages of ``fleet`` over ``[0, horizon_s]`` from ``model`` (``draw_outages``),
    with the model's cause names, detection + restart time, checkpoint cost and spare nodes
    per hall (``spares_per_hall`` overrides the model's ``spares``; ``spares_share`` instead
    gives each hall that share of its nodes, rounded up), plus the model's job-scoped stops
    (``job_stops``, drawn during the replay from ``seed``), ready for ``replay``."""
    spares_by_hall: tuple[int, ...] | None = None
    if spares_share is not None:
        if not 0.0 <= spares_share <= 1.0:
            raise ValueError(f"spares share must be within 0-100%, got {spares_share:.1%}")
        hall_nodes = np.bincount(fleet.node_hall, minlength=fleet.hall_count)
        spares_by_hall = tuple(math.ceil(n * spares_share - 1e-9) for n in hall_nodes.tolist())
        spares_per_hall = max(spares_by_hall, default=0)
    if spares_per_hall is None:
        spares_per_hall = model.spares.nodes_per_hall if model.spares is not None else 0
    if spares_per_hall < 0:
        raise ValueError(f"spares per hall must be >= 0, got {spares_per_hall}")
    outages = draw_outages(
        model,
        fleet.node_accelerators,
        fleet.node_domain,
        fleet.node_online_s,
        fleet.node_offline_s,
        horizon_s,
        seed,
    )
    return NodeFailures(
        outages=outages,
        causes=tuple(c.id for c in model.components),
        restart_s=model.recovery.detection_s + model.recovery.restart_s,
        checkpoint_cost_s=model.recovery.checkpoint_cost_s,
        model=model,
        spares_per_hall=spares_per_hall,
        spares_by_hall=spares_by_hall,
        job_stops=job_stops(model),
        seed=seed,
    )


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


def _fleet_changes(times: FloatArray, horizon_s: float) -> list[tuple[float, IntArray]]:
    """Nodes grouped by the instant they change (finite times within the horizon)."""
    finite = np.flatnonzero(np.isfinite(times) & (times <= horizon_s))
    if len(finite) == 0:
        return []
    order = finite[np.argsort(times[finite], kind="stable")]
    values, starts = np.unique(times[order], return_index=True)
    bounds = [*starts.tolist(), len(order)]
    return [(float(values[i]), order[bounds[i] : bounds[i + 1]]) for i in range(len(values))]


def distinct(values: IntArray, stamp: IntArray) -> IntArray:
    """The distinct ``values`` (order of their last occurrence), without sorting: ``stamp``
    is scratch indexed by value; after ``stamp[values] = position`` exactly the last
    occurrence of each value finds its own position there."""
    if len(values) <= 1:
        return values
    position = np.arange(len(values), dtype=np.int64)
    stamp[values] = position
    return np.asarray(values[stamp[values] == position], np.int64)


def replay(
    fleet: Fleet,
    jobs: JobTable,
    policy: QueuePolicy,
    horizon_s: float,
    sample_every_s: float = 3600.0,
    progress: Callable[[float], None] | None = None,
    failures: NodeFailures | None = None,
    migrate_s: float | None = None,
) -> ReplayResult:
    """Replay ``jobs`` on ``fleet`` under ``policy`` up to ``horizon_s``, with node
    ``failures`` if given; see the module doc. ``migrate_s``: seconds a job moved by the
    policy (``Decision.moved``) spends checkpointing and restoring before it trains again on
    its new nodes (default: ``failures.restart_s``, else ``DEFAULT_MIGRATE_S``)."""
    if migrate_s is None:
        migrate_s = failures.restart_s if failures is not None else DEFAULT_MIGRATE_S
    if not migrate_s >= 0:
        raise ValueError(f"migrate_s must be >= 0 seconds, got {migrate_s}")
    state = ClusterState(fleet, jobs)
    queue = JobQueue(jobs, policy.order_key)
    count = jobs.count
    # Per-job records as Python lists while the replay runs (an element of a list is several
    # times cheaper to read and update than one of a NumPy array); arrays at the end.
    start_s = [math.nan] * count
    end_s = [math.nan] * count
    type_index = [-1] * count
    nodes_used = [0] * count
    domains = [0] * count
    halls = [0] * count
    sites = [0] * count
    interruptions = [0] * count
    rejected = [False] * count
    migrations = [0] * count
    held_s = [0.0] * count
    overhead_s = [0.0] * count
    checkpoint_overhead_s = [0.0] * count
    # A run of a job: first ``pending_s`` (restart after a failure, restore after a move; the
    # reason in ``pending_cause``), then ``remaining_s`` of work in blocks of ``interval_s``
    # each followed by a ``cost_s`` checkpoint write (none after the last block).
    remaining_s: list[float] = jobs.duration_s.astype(np.float64).tolist()
    pending_s = [0.0] * count
    pending_cause = [PLANNED] * count
    cost_default = failures.checkpoint_cost_s if failures is not None else 0.0
    cost_s = np.where(np.isnan(jobs.checkpoint_cost_s), cost_default, jobs.checkpoint_cost_s)
    cost_s = cost_s.tolist()
    interval_s = jobs.checkpoint_s.tolist()  # NaN (auto): set at each start for its type
    auto = np.isnan(jobs.checkpoint_s).tolist()
    auto_intervals: dict[tuple[int, int, float], float] = {}
    stateless = jobs.stateless.tolist()
    runs = [0] * count  # bumped on every start, so a stale end event is recognized

    # Largest job each type can ever hold (all its nodes), for rejecting the impossible.
    capacity = np.bincount(
        fleet.node_type, weights=fleet.node_accelerators, minlength=len(fleet.types)
    )

    heap: list[tuple[float, int, int, int, int, int]] = []
    counter = itertools.count()
    online = _fleet_changes(fleet.node_online_s, horizon_s)
    offline = _fleet_changes(fleet.node_offline_s, horizon_s)
    for i, (when, _) in enumerate(online):
        heapq.heappush(heap, (when, NODE_ONLINE, next(counter), NODE_ONLINE, i, 0))
    for i, (when, _) in enumerate(offline):
        heapq.heappush(heap, (when, NODE_OFFLINE, next(counter), NODE_OFFLINE, i, 0))
    arrival_order = np.argsort(jobs.arrival_s, kind="stable").tolist()
    arrival_s = jobs.arrival_s
    next_arrival = 0
    if arrival_order:
        first = arrival_order[0]
        heapq.heappush(heap, (float(arrival_s[first]), ARRIVAL, next(counter), ARRIVAL, first, 0))

    # Failures: outages are read in time order like arrivals (one pending in the heap).
    share: list[float] = (jobs.accelerators * (jobs.gpu_milli / WHOLE_MILLI)).tolist()
    causes = len(failures.causes) if failures is not None else 0
    outage_node: list[int] = []
    outage_down: list[float] = []
    outage_up: list[float] = []
    outage_cause: list[int] = []
    if failures is not None:
        within = failures.outages.down_s <= horizon_s
        outage_node = failures.outages.node[within].tolist()
        outage_down = failures.outages.down_s[within].tolist()
        outage_up = failures.outages.up_s[within].tolist()
        outage_cause = failures.outages.cause[within].tolist()
        if outage_node:
            heapq.heappush(heap, (outage_down[0], NODE_OFFLINE, next(counter), NODE_FAIL, 0, 0))
    restart_s = failures.restart_s if failures is not None else 0.0
    node_outages = [0] * causes
    cause_interruptions = [0] * causes
    cause_rolled_back = [0.0] * causes
    cause_restart = [0.0] * causes
    job_lost_s = [0.0] * count
    job_unplanned = [0] * count
    in_repair = [0] * fleet.node_count
    repair_nodes = 0
    repair_accelerators = 0.0
    samples_repair_nodes: list[int] = []
    samples_repair_accelerators: list[float] = []
    # Spare pools: a failed node with a repair time is swapped for a spare of its hall at once.
    if failures is not None and failures.spares_by_hall is not None:
        spares_free = list(failures.spares_by_hall)
    else:
        spares_free = [failures.spares_per_hall if failures is not None else 0] * fleet.hall_count
    node_hall: list[int] = fleet.node_hall.tolist()
    spares_in_use = 0
    spare_swaps = 0
    samples_spares: list[int] = []
    # Job stops: one total rate; the cause of a stop is drawn in proportion to its rate. Only
    # jobs that checkpoint (finite or auto interval) and are not stateless get them.
    stops = failures.job_stops if failures is not None else ()
    stop_per_s = sum(stop.per_s for stop in stops)
    stop_rng = random.Random(failures.seed if failures is not None else 0)
    stoppable = (~jobs.stateless & ~np.isposinf(jobs.checkpoint_s)).tolist()
    planned_by_cause = np.zeros(causes, bool)
    for stop in stops:
        planned_by_cause[stop.cause] = not stop.loses_work

    def run_wall_s(job: int) -> float:
        """Wall seconds the job's run takes from its start: pending, work, checkpoints."""
        work = float(remaining_s[job])
        wall = pending_s[job] + work
        tau, delta = interval_s[job], cost_s[job]
        if delta > 0 and tau < math.inf and work > tau:
            writes = math.ceil(work / tau) - 1
            wall += writes * delta
            checkpoint_overhead_s[job] += writes * delta  # taken back if the run is cut
        return wall

    def spend_pending(job: int, spent: float) -> None:
        """Charge ``spent`` seconds of the run's pending time to its reason."""
        reason = pending_cause[job]
        if reason >= 0:
            job_lost_s[job] += spent
            cause_restart[reason] += spent * share[job]
        elif reason == MIGRATION:
            overhead_s[job] += spent

    def settle(job: int, ran: float) -> tuple[float, float]:
        """The job's run stops after ``ran`` wall seconds: charge its pending and checkpoint
        time; return (work saved by checkpoints, work done since the last one), seconds."""
        spent = min(ran, pending_s[job])
        spend_pending(job, spent)
        training = ran - spent
        tau, delta = interval_s[job], cost_s[job]
        work = float(remaining_s[job])
        if delta > 0 and tau < math.inf and work > tau:  # undo run_wall_s' estimate
            checkpoint_overhead_s[job] -= (math.ceil(work / tau) - 1) * delta
        if tau == 0.0:  # auto with free checkpoints: saved continuously, nothing lost
            return training, 0.0
        if tau < math.inf:
            blocks = math.floor(training / (tau + delta))
            tail = training - blocks * (tau + delta)
            writing = max(tail - tau, 0.0) if delta > 0 else 0.0
            checkpoint_overhead_s[job] += blocks * delta + writing
            return blocks * tau, tail - writing
        return 0.0, training

    def auto_interval(job: int, type_index: int) -> float:
        """Young/Daly interval (``failures.analytic.daly_interval_s``) from the job's MTTI
        (work-losing interruptions) at its size on nodes and domains of ``type_index``."""
        accelerators = int(jobs.accelerators[job])
        key = (type_index, accelerators, cost_s[job])
        cached = auto_intervals.get(key)
        if cached is None:
            model = failures.model if failures is not None else None
            if model is None:
                cached = math.inf
            else:
                node = int(state.type_node_size[type_index])
                domain = node * max(int(state.type_max_domain_nodes[type_index]), 1)
                rate = job_rates(model, JobShape(accelerators, node, domain)).unplanned_per_s
                mtti_s = 1.0 / rate if rate > 0 else math.inf
                # Free checkpoints (cost 0): the optimum is to save continuously (interval 0:
                # nothing to roll back); a job that never fails never needs to (inf).
                if mtti_s == math.inf:
                    cached = math.inf
                elif cost_s[job] > 0:
                    cached = daly_interval_s(cost_s[job], mtti_s)
                else:
                    cached = 0.0
            auto_intervals[key] = cached
        return cached

    def roll_back(allocation: Allocation, now: float, cause: int, saves_work: bool = False) -> None:
        """Roll the job back to its last checkpoint (a stateless job, or any job when
        ``saves_work``: a planned stop checkpoints first, keeps its progress); ``cause`` < 0 is
        a planned fleet change (no restart cost, not counted as a failure)."""
        job = allocation.job
        ran = now - allocation.start_s
        saved, unsaved = settle(job, ran)
        if stateless[job] or saves_work:
            saved, unsaved = saved + unsaved, 0.0
        remaining_s[job] -= min(saved, remaining_s[job])
        interruptions[job] += 1
        held_s[job] += ran
        job_lost_s[job] += unsaved
        if cause >= 0:
            pending_s[job] = restart_s  # paid when it runs again
            pending_cause[job] = cause
            cause_interruptions[cause] += 1
            if not saves_work:
                job_unplanned[job] += 1
            cause_rolled_back[cause] += unsaved * share[job]
        else:
            pending_s[job] = max(pending_s[job] - ran, 0.0)

    def interrupt(allocation: Allocation, now: float, cause: int) -> None:
        """Roll the job back (``roll_back``) and queue it again."""
        roll_back(allocation, now, cause)
        queue.push(allocation.job)

    def restart_in_place(
        allocation: Allocation, now: float, cause: int, saves_work: bool = False
    ) -> None:
        """A spare stood in for a failed node of the running job (or the node needs no repair,
        or a job stop): the job is rolled back (``roll_back``) and pays the restart, but keeps
        its allocation (no requeue, no new placement) and runs on from ``now``."""
        roll_back(allocation, now, cause, saves_work)
        job = allocation.job
        state.restart(job, now)
        runs[job] += 1
        end = now + run_wall_s(job)
        heapq.heappush(heap, (end, END, next(counter), END, job, runs[job]))
        schedule_job_stop(job, now, end)

    def schedule_job_stop(job: int, now: float, end: float) -> None:
        """Draw the job's next stop from ``now`` (memoryless, so a fresh draw at each start is
        exact) and keep it pending if it falls before the run's end and the horizon."""
        if stop_per_s > 0 and stoppable[job]:
            at = now + stop_rng.expovariate(stop_per_s)
            if at < end and at <= horizon_s:
                heapq.heappush(heap, (at, NODE_OFFLINE, next(counter), JOB_STOP, job, runs[job]))

    def stop_cause() -> JobStop:
        """Which job-scoped cause a stop is, in proportion to the rates."""
        if len(stops) == 1:
            return stops[0]
        pick = stop_rng.random() * stop_per_s
        for stop in stops:
            pick -= stop.per_s
            if pick < 0:
                return stop
        return stops[-1]

    # Scratch arrays for counting the domains, halls and sites a placement spans.
    domain_stamp = np.zeros(fleet.domain_count, np.int64)
    node_domain: list[int] = fleet.node_domain.tolist()
    domain_hall: list[int] = fleet.domain_hall.tolist()
    hall_site: list[int] = fleet.hall_site.tolist()
    hall_stamp = np.zeros(fleet.hall_count, np.int64)
    site_stamp = np.zeros(len(fleet.sites), np.int64)
    groups = len(state.groups)
    tenants = len(jobs.tenants)
    samples_t: list[float] = []
    samples_queue: list[int] = []
    samples_busy: list[FloatArray] = []
    samples_online: list[FloatArray] = []
    samples_tenant: list[FloatArray] = []
    next_sample = 0.0
    events = 0
    # A policy may ask to be called again at a time of its choosing (a reservation window
    # opens or closes): one wake-up is pending at a time, an earlier one supersedes it.
    next_wakeup: Callable[[float], float | None] | None = getattr(policy, "next_wakeup", None)
    wake_at = math.inf

    def sample_until(to: float) -> None:
        """Samples at every sample time before ``to`` (the state holds since the last event)."""
        nonlocal next_sample
        while next_sample < to and next_sample <= horizon_s:
            samples_t.append(next_sample)
            samples_queue.append(len(queue))
            samples_busy.append(np.array(state.group_busy))
            samples_online.append(np.array(state.group_online))
            samples_tenant.append(np.array([sum(row) for row in state.tenant_busy]))
            if failures is not None:
                samples_repair_nodes.append(repair_nodes)
                samples_repair_accelerators.append(repair_accelerators)
                samples_spares.append(spares_in_use)
            next_sample += sample_every_s

    while heap and heap[0][0] <= horizon_s:
        now = heap[0][0]
        if next_sample < now:
            sample_until(now)
        # The policy is asked again only when what it decides from changed: a job arrived or
        # ended, nodes came or went (planned), a failure interrupted jobs, a wake-up fell due.
        # An instant of only failures of idle nodes, in-place restarts, spares coming back or
        # stale ends (of runs cut or moved since) frees nothing and queues nothing: the last
        # admit's answer stands (less capacity never lets more start), so it is skipped.
        changed = False
        while heap and heap[0][0] == now:
            _, _, _, kind, payload, run = heapq.heappop(heap)
            events += 1
            if kind == WAKE:
                if now == wake_at:  # else superseded by an earlier one
                    wake_at = math.inf
                    changed = True
                continue
            if kind != END and kind != NODE_FAIL and kind != JOB_STOP and kind != SPARE_BACK:
                changed = True
            if kind == END:
                if run != runs[payload] or payload not in state.allocations:
                    continue  # the job was interrupted or moved after this end was scheduled
                changed = True
                finished = state.release(payload, now)
                held_s[payload] += now - finished.start_s
                spend_pending(payload, pending_s[payload])
                pending_s[payload] = 0.0
                end_s[payload] = now
                remaining_s[payload] = 0.0
            elif kind == ARRIVAL:
                allowed = state.allowed_types(payload)
                need = int(jobs.accelerators[payload])
                if not allowed or need > max(capacity[t] for t in allowed):
                    rejected[payload] = True
                else:
                    queue.push(payload)
                next_arrival += 1
                if next_arrival < count:
                    job = arrival_order[next_arrival]
                    heapq.heappush(
                        heap, (float(arrival_s[job]), ARRIVAL, next(counter), ARRIVAL, job, 0)
                    )
            elif kind == NODE_ONLINE:
                state.bring_online(online[payload][1], now)
            elif kind == NODE_OFFLINE:
                for allocation in state.take_offline(offline[payload][1], now):
                    interrupt(allocation, now, -1)
            elif kind == NODE_FAIL:
                node = outage_node[payload]
                if state.node_up[node]:
                    cause = outage_cause[payload]
                    node_outages[cause] += 1
                    nodes = np.array([node], np.int64)
                    hall = node_hall[node]
                    repaired = outage_up[payload] > now
                    if not repaired or spares_free[hall] > 0:
                        # Nothing to repair (a software fault) or a spare stands in at once:
                        # capacity stays and the node's jobs restart where they are (a gang
                        # keeps its nodes, as with hot spares), no requeue, no new placement.
                        for allocation in state.running_on(nodes):
                            restart_in_place(allocation, now, cause)
                    else:
                        for allocation in state.take_offline(nodes, now):
                            interrupt(allocation, now, cause)
                            changed = True
                    if repaired:
                        repair_nodes += 1
                        if spares_free[hall] > 0:  # a spare stands in: capacity stays
                            spares_free[hall] -= 1
                            spares_in_use += 1
                            spare_swaps += 1
                            back = SPARE_BACK
                        else:
                            in_repair[node] += 1
                            repair_accelerators += float(fleet.node_accelerators[node])
                            back = NODE_REPAIRED
                        heapq.heappush(
                            heap, (outage_up[payload], NODE_ONLINE, next(counter), back, node, 0)
                        )
                if payload + 1 < len(outage_node):
                    heapq.heappush(
                        heap,
                        (outage_down[payload + 1], NODE_OFFLINE, next(counter), NODE_FAIL,
                         payload + 1, 0),
                    )  # fmt: skip
            elif kind == JOB_STOP:  # restarts in place: frees nothing, queues nothing
                if run != runs[payload] or payload not in state.allocations:
                    continue  # the run this stop was drawn for ended or was cut
                stop = stop_cause()
                allocation = state.allocations[payload]
                restart_in_place(allocation, now, stop.cause, not stop.loses_work)
            elif kind == SPARE_BACK:  # the repaired node is the hall's spare now
                spares_free[node_hall[payload]] += 1
                spares_in_use -= 1
                repair_nodes -= 1
            else:  # NODE_REPAIRED
                in_repair[payload] -= 1
                repair_nodes -= 1
                repair_accelerators -= float(fleet.node_accelerators[payload])
                if (
                    in_repair[payload] == 0
                    and fleet.node_online_s[payload] <= now < fleet.node_offline_s[payload]
                ):
                    state.bring_online(np.array([payload], np.int64), now)
            if progress is not None and events % PROGRESS_EVERY == 0:
                progress(now)
        if not changed:
            continue
        for decision in policy.admit(queue, state, now):
            job = decision.job
            allocation = decision.allocation
            moved = decision.moved
            if moved is None:
                queue.remove(job)
                if math.isnan(start_s[job]):
                    start_s[job] = now
            else:
                # Migrated: checkpointed on demand (nothing rolled back), restored on the new
                # nodes for migrate_s, then trains on; the old end is stale (runs bump).
                ran = now - moved.start_s
                held_s[job] += ran
                saved, unsaved = settle(job, ran)
                remaining_s[job] = max(float(remaining_s[job]) - saved - unsaved, 0.0)
                pending_s[job] = migrate_s
                pending_cause[job] = MIGRATION
                migrations[job] += 1
            if auto[job]:
                interval_s[job] = auto_interval(job, allocation.type)
            runs[job] += 1
            type_index[job] = allocation.type
            placed = allocation.nodes
            nodes_used[job] = len(placed)
            if len(placed) == 1:
                domains[job] = halls[job] = sites[job] = 1
            elif allocation.runs is not None:  # its domains are counted already
                domain_set = set(allocation.runs.per_domain)
                domain_set.add(node_domain[int(placed[-1])])
                hall_set = {domain_hall[d] for d in domain_set}
                domains[job] = len(domain_set)
                halls[job] = len(hall_set)
                sites[job] = len({hall_site[h] for h in hall_set})
            else:
                domain_ids = distinct(fleet.node_domain[placed], domain_stamp)
                domains[job] = len(domain_ids)
                hall_ids = distinct(fleet.domain_hall[domain_ids], hall_stamp)
                halls[job] = len(hall_ids)
                sites[job] = len(distinct(fleet.hall_site[hall_ids], site_stamp))
            end = now + run_wall_s(job)
            heapq.heappush(heap, (end, END, next(counter), END, job, runs[job]))
            schedule_job_stop(job, now, end)
        if next_wakeup is not None:
            wake = next_wakeup(now)
            if wake is not None and now < wake <= horizon_s and wake < wake_at:
                wake_at = wake
                heapq.heappush(heap, (wake, WAKE_PRIORITY, next(counter), WAKE, 0, 0))
    sample_until(math.nextafter(horizon_s, math.inf))  # up to and including the horizon
    group_busy_s, group_online_s, tenant_busy_s = state.busy_integrals(horizon_s)
    for allocation in state.allocations.values():
        held_s[allocation.job] += horizon_s - allocation.start_s
        settle(allocation.job, horizon_s - allocation.start_s)
    held = np.array(held_s)
    checkpoint_overhead = np.array(checkpoint_overhead_s)
    failure_records = None
    if failures is not None:
        failure_records = FailureRecords(
            causes=failures.causes,
            node_outages_by_cause=np.array(node_outages, np.int64),
            interruptions_by_cause=np.array(cause_interruptions, np.int64),
            rolled_back_accelerator_s_by_cause=np.array(cause_rolled_back, np.float64),
            restart_accelerator_s_by_cause=np.array(cause_restart, np.float64),
            job_run_s=held,
            job_lost_s=np.array(job_lost_s),
            repair_nodes=np.array(samples_repair_nodes, np.int64),
            repair_accelerators=np.array(samples_repair_accelerators),
            spares_in_use=np.array(samples_spares, np.int64),
            spare_swaps=spare_swaps,
            spares_per_hall=failures.spares_per_hall,
            planned_by_cause=planned_by_cause,
            job_unplanned=np.array(job_unplanned, np.int64),
        )

    return ReplayResult(
        fleet=fleet,
        jobs=jobs,
        policy=policy.name,
        placement=getattr(getattr(policy, "placement", None), "name", ""),
        horizon_s=horizon_s,
        records=JobRecords(
            np.array(start_s, np.float64),
            np.array(end_s, np.float64),
            np.array(type_index, np.int64),
            np.array(nodes_used, np.int64),
            np.array(domains, np.int64),
            np.array(halls, np.int64),
            np.array(sites, np.int64),
            np.array(interruptions, np.int64),
            np.array(rejected, bool),
            np.array(migrations, np.int64),
            held,
            np.array(overhead_s) + checkpoint_overhead,
            checkpoint_overhead,
        ),
        samples=Samples(
            time_s=np.array(samples_t),
            queue_length=np.array(samples_queue, np.int64),
            group_busy=np.array(samples_busy).reshape(len(samples_t), groups),
            group_online=np.array(samples_online).reshape(len(samples_t), groups),
            tenant_busy=np.array(samples_tenant).reshape(len(samples_t), tenants),
        ),
        groups=state.groups,
        group_busy_s=group_busy_s,
        group_online_s=group_online_s,
        tenant_busy_s=tenant_busy_s,
        events=events,
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
