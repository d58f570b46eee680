"""The scheduling engine: one core for the digital twin's replay and for the live service.

The engine owns the waiting jobs (`JobQueue`), the fleet's free capacity (`ClusterState`), the
queue policy stack that decides which jobs start, node failures and repairs (interrupt, restart
in place with a spare or requeue, roll back to the last checkpoint) and the order of events.
Everything it knows changes through events; everything it decides comes out as outcomes::

    events in                              engine                        outcomes out
    submit (arrival), cancel,     --->  heap of events, one        --->  started, ended,
    node down (failure) / up,           instant at a time:               interrupted (restart
    plan changes, wake-ups,             handlers per kind, then          in place or requeued),
    advance(t)                          one pass of the policy           moved, rejected

Drivers:

- the replay (`gigawatt.sim.replay`) feeds it a trace's arrivals and the drawn node outages in
  time order and calls `advance` once per instant, sampling the fleet in between;
- the live service (`gigawatt.service`) submits jobs as API calls arrive and calls `advance`
  with its clock's now; it persists the outcomes in the transaction that acknowledges them.

Event order. One heap of ``(time, priority, counter, kind, payload, run)``: ties in time break by
priority (ends first, then nodes leaving, nodes joining, arrivals, wake-ups), then by the order
events were scheduled, so a run repeats exactly. `advance(t)` applies every event at or before
``t`` in that order and then, if anything the policy decides from changed, asks the policy once
at ``t`` (``policy.admit``); a start is immediate and schedules the job's end. An instant of only
failures of idle nodes, in-place restarts, spares coming back or stale ends (of runs cut or moved
since) frees nothing and queues nothing: the last answer stands, the policy is not asked.

Job states::

    arriving --arrival--> waiting --admit--> running --end--> done
        |                    ^                  |  ^
        +--> rejected        +-- interrupted <--+  +-- moved (Decision.moved): checkpointed
             (never fits)    (its node went offline:   on demand, nothing lost; it restores
                             progress since the last   for ``migrate_s`` on its new nodes
                             checkpoint is lost)       and trains on, never queued)

A job's run: first its pending time (restart after a failure, restore after a move), then its
remaining work in blocks of its checkpoint interval, each followed by a checkpoint write (none
after the last block). An interruption rolls it back to its last checkpoint (a stateless job,
or a planned stop, keeps all its progress).

Node failures (`NodeFailures`) are events too: at ``down_s`` the node leaves (its jobs are
interrupted and pay the model's detection + restart time when they run again) and it is in
repair until ``up_s``; it rejoins only if it is still within its fleet service window. With a
spare pool a failed node with a repair time is swapped at once for a spare of its hall while
one is left: capacity stays and the repaired node returns to the pool at ``up_s``. A failure
without repair time (software, hangs) takes no capacity. In both cases the node's jobs restart
in place (`ClusterState.restart`: no requeue, no new placement, as a gang restarts on its nodes
with a hot spare swapped in). Only a failure that takes the node out for repair with no spare
left sends its jobs back to the queue. A failure drawn while its node is already out of service
is ignored (first order).

Job stops (``NodeFailures.job_stops``: the model's job-scoped components, e.g. Llama 3's planned
interruptions for firmware and configuration updates) hit each running job that checkpoints at
the component's rate per job. They are memoryless: at each (re)start a job draws its next stop
(a seeded ``random.Random``) and keeps one pending JOB_STOP event. A planned stop checkpoints
first and loses nothing; every stop pays the restart and the job restarts in place. Stateless
jobs and jobs that never checkpoint get none.

A policy with a ``next_wakeup(now) -> float | None`` method is asked after each pass when it
next wants to be called although nothing else happens (a reservation window opens or closes);
the engine keeps one pending WAKE event (an earlier request supersedes a later one).

Time is seconds from the scenario's program start; events after ``horizon_s`` are not scheduled.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from gigawatt.failures.analytic import daly_interval_s
from gigawatt.failures.exposure import JobShape, job_rates
from gigawatt.failures.fleet import JobStop, NodeFailures
from gigawatt.fleet.topology import Fleet
from gigawatt.sched.cluster import Allocation, ClusterState
from gigawatt.sched.jobs import WHOLE_MILLI, JobBook, JobTable
from gigawatt.sched.queue import Decision, JobQueue, QueuePolicy
from gigawatt.sched.reservations import Refusal, Reservation, Reserving

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

# Event kinds; the first four are also the priorities, the order they apply when they fall on
# the same instant. A node failure applies with NODE_OFFLINE, a repair with NODE_ONLINE, a
# policy's wake-up last (WAKE_PRIORITY).
END, NODE_OFFLINE, NODE_ONLINE, ARRIVAL, NODE_FAIL, NODE_REPAIRED, WAKE = 0, 1, 2, 3, 4, 5, 6
SPARE_BACK = 7  # a node repaired while a spare stood in for it: the spare returns to the pool
JOB_STOP = 8  # a job-scoped stop of one running job (planned maintenance); applies with failures
WAKE_PRIORITY = 4
SUBMITTED = 1  # the ``run`` of an arrival submitted by the driver (not read from a feed)
# Why a job's run starts with pending time (besides a failure cause index >= 0); PREEMPTED: a
# policy stopped it (no restart cost, not a failure).
PLANNED, MIGRATION, PREEMPTED = -1, -2, -3
#: Passes of the policy at one instant at most, while passes stop jobs (stopped jobs are
#: queued again and may start at once elsewhere).
MAX_PASSES = 8
#: Seconds a migrated job loses (checkpoint on demand, stop, restore on its new nodes) when
#: the engine is given neither ``migrate_s`` nor failures (with failures: the failure model's
#: detection + restart time).
DEFAULT_MIGRATE_S = 300.0


# What the engine decided or saw happen, for a driver that records it (the live service).
STARTED, ENDED, REQUEUED, RESTARTED, MOVED, REJECTED = (
    "started", "ended", "requeued", "restarted", "moved", "rejected"
)  # fmt: skip
NODE_DOWN, NODE_UP, WINDOW_OPENED, WINDOW_CLOSED = (
    "node-down", "node-up", "window-opened", "window-closed"
)  # fmt: skip


class Outcome(NamedTuple):
    """One thing that happened at ``at`` (seconds). To a ``job``: it ``started`` (on
    ``allocation``; ``inside`` a reservation's index, -1 shared capacity), ``ended``, was
    ``requeued`` (interrupted or stopped: rolled back to its checkpoint and waiting again) or
    ``restarted`` in place, ``moved`` (to ``allocation``), or was ``rejected`` (never fits);
    ``reason`` says why. To a ``node`` (``job`` -1): it went down (``node-down``, back at
    ``until_s``; ``reason``: the cause) or came back (``node-up``). To a reservation
    (``inside``): its window opened or closed."""

    kind: str
    job: int
    at: float
    allocation: Allocation | None = None
    reason: str = ""
    inside: int = -1
    node: int = -1
    until_s: float = math.nan


def fleet_changes(times: FloatArray, horizon_s: float) -> list[tuple[float, IntArray]]:
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


class Engine:
    """The scheduler core over one fleet and job table (see the module doc).

    Per-job records (Python lists, one entry per job, read by drivers): ``start_s`` (first
    start, NaN if none), ``end_s``, ``type_index`` (type of its last run, -1 never started),
    ``nodes_used``, ``domains``, ``halls``, ``sites`` (what its last placement spans),
    ``interruptions``, ``rejected`` (never fits), ``migrations``, ``held_s`` (wall seconds it
    held accelerators), ``overhead_s`` (held not training: migrations), ``checkpoint_overhead_s``
    (held writing checkpoints), ``job_lost_s`` (rolled back + restart) and ``job_unplanned``
    (interruptions that lost work or time unplanned)."""

    def __init__(
        self,
        fleet: Fleet,
        jobs: JobTable | JobBook,
        policy: QueuePolicy,
        *,
        horizon_s: float = math.inf,
        failures: NodeFailures | None = None,
        migrate_s: float | None = None,
        record: bool = False,
        spans: bool = True,
    ) -> None:
        """``jobs``: a fixed table (a trace), or a `JobBook` that grows as jobs are added
        (`add_job`: a live service). ``record``: keep `outcomes` for the driver to read.
        ``spans``: count the scale-up domains, halls and sites of each placement (the
        replay's records; a live service reads placements from the outcomes instead)."""
        self._book: JobBook | None = None
        if isinstance(jobs, JobBook):
            self._book = jobs
            jobs = jobs.snapshot()  # exactly its jobs so far; the live view from `_extend` on
        if migrate_s is None:
            migrate_s = failures.restart_s if failures is not None else DEFAULT_MIGRATE_S
        if not migrate_s >= 0:
            raise ValueError(f"migrate_s must be >= 0 seconds, got {migrate_s}")
        self.fleet = fleet
        self.jobs = jobs
        self.policy = policy
        #: The reservation layer of the policy stack, if it has one.
        self.reserving = _layer(policy, Reserving)
        #: What happened since the driver last took them (``record``); None: not kept.
        self.outcomes: list[Outcome] | None = [] if record else None
        self._changed = False  # a pass is due at the next advance (a cancel, a restore...)
        self._spans = spans
        self.horizon_s = horizon_s
        self.failures = failures
        self.migrate_s = migrate_s
        self.state = ClusterState(fleet, jobs)
        self.queue = JobQueue(jobs, policy.order_key)
        cost_default = failures.checkpoint_cost_s if failures is not None else 0.0
        self._cost_default = cost_default
        self._init_records(jobs.count)
        self._init_progress(jobs, cost_default)
        # Largest job each type can ever hold (all its nodes), for rejecting the impossible.
        self.capacity = np.bincount(
            fleet.node_type, weights=fleet.node_accelerators, minlength=len(fleet.types)
        )
        self._init_events(fleet, horizon_s)
        self._init_failures(fleet, jobs, failures)
        self._init_scratch(fleet)
        # A policy may ask to be called again at a time of its choosing (a reservation window
        # opens or closes): one wake-up is pending at a time, an earlier one supersedes it.
        self._next_wakeup: Callable[[float], float | None] | None = getattr(
            policy, "next_wakeup", None
        )
        self._wake_at = math.inf
        # Handlers by event kind: each applies one event and says whether the policy should
        # be asked again at this instant.
        self._handlers: tuple[Callable[[int, int, float], bool], ...] = (
            self._on_end,
            self._on_node_offline,
            self._on_node_online,
            self._on_arrival,
            self._on_node_fail,
            self._on_node_repaired,
            self._on_wake,
            self._on_spare_back,
            self._on_job_stop,
        )

    def _init_records(self, count: int) -> None:
        """Per-job records as Python lists while the engine runs (an element of a list is
        several times cheaper to read and update than one of a NumPy array)."""
        self.start_s = [math.nan] * count
        self.end_s = [math.nan] * count
        self.type_index = [-1] * count
        self.nodes_used = [0] * count
        self.domains = [0] * count
        self.halls = [0] * count
        self.sites = [0] * count
        self.interruptions = [0] * count
        self.rejected = [False] * count
        self.migrations = [0] * count
        self.held_s = [0.0] * count
        self.overhead_s = [0.0] * count
        self.checkpoint_overhead_s = [0.0] * count
        self.job_lost_s = [0.0] * count
        self.job_unplanned = [0] * count

    def _init_progress(self, jobs: JobTable, cost_default: float) -> None:
        """A run of a job: first ``pending_s`` (restart after a failure, restore after a move;
        the reason in ``pending_cause``), then ``remaining_s`` of work in blocks of
        ``interval_s`` each followed by a ``cost_s`` checkpoint write (none after the last)."""
        count = jobs.count
        self.remaining_s: list[float] = jobs.duration_s.astype(np.float64).tolist()
        self.pending_s = [0.0] * count
        self.pending_cause = [PLANNED] * count
        cost_s = np.where(np.isnan(jobs.checkpoint_cost_s), cost_default, jobs.checkpoint_cost_s)
        self.cost_s: list[float] = cost_s.tolist()
        self.interval_s: list[float] = jobs.checkpoint_s.tolist()  # NaN (auto): set at starts
        self.auto: list[bool] = np.isnan(jobs.checkpoint_s).tolist()
        self._auto_intervals: dict[tuple[int, int, float], float] = {}
        self.stateless: list[bool] = jobs.stateless.tolist()
        self.runs = [0] * count  # bumped on every start, so a stale end event is recognized
        self.share: list[float] = (jobs.accelerators * (jobs.gpu_milli / WHOLE_MILLI)).tolist()

    def _init_events(self, fleet: Fleet, horizon_s: float) -> None:
        """The heap, with the plan's fleet changes (nodes joining and leaving) scheduled."""
        self._heap: list[tuple[float, int, int, int, int, int]] = []
        self._counter = itertools.count()
        self.events = 0
        self._online = fleet_changes(fleet.node_online_s, horizon_s)
        self._offline = fleet_changes(fleet.node_offline_s, horizon_s)
        for i, (when, _) in enumerate(self._online):
            self._push(when, NODE_ONLINE, NODE_ONLINE, i)
        for i, (when, _) in enumerate(self._offline):
            self._push(when, NODE_OFFLINE, NODE_OFFLINE, i)
        self._arrival_order: list[int] = []
        self._next_arrival = 0

    def _init_failures(self, fleet: Fleet, jobs: JobTable, failures: NodeFailures | None) -> None:
        """Failure bookkeeping: outages (read in time order like arrivals, one pending in the
        heap), counts by cause, the repair backlog, spare pools, job-scoped stops."""
        self.causes = failures.causes if failures is not None else ()
        causes = len(self.causes)
        self.restart_s = failures.restart_s if failures is not None else 0.0
        self.node_outages = [0] * causes
        self.cause_interruptions = [0] * causes
        self.cause_rolled_back = [0.0] * causes
        self.cause_restart = [0.0] * causes
        self.in_repair = [0] * fleet.node_count
        self.repair_nodes = 0
        self.repair_accelerators = 0.0
        self._outage_node: list[int] = []
        self._outage_down: list[float] = []
        self._outage_up: list[float] = []
        self._outage_cause: list[int] = []
        # Spare pools: a failed node with a repair time is swapped for a spare of its hall.
        if failures is not None and failures.spares_by_hall is not None:
            self.spares_free = list(failures.spares_by_hall)
        else:
            per_hall = failures.spares_per_hall if failures is not None else 0
            self.spares_free = [per_hall] * fleet.hall_count
        self._node_hall: list[int] = fleet.node_hall.tolist()
        self.spares_in_use = 0
        self.spare_swaps = 0
        # Job stops: one total rate; the cause of a stop is drawn in proportion to its rate.
        # Only jobs that checkpoint (finite or auto interval) and are not stateless get them.
        self._stops = failures.job_stops if failures is not None else ()
        self._stop_per_s = sum(stop.per_s for stop in self._stops)
        self._stop_rng = random.Random(failures.seed if failures is not None else 0)
        self._stoppable: list[bool] = (~jobs.stateless & ~np.isposinf(jobs.checkpoint_s)).tolist()
        self.planned_by_cause = np.zeros(causes, bool)
        for stop in self._stops:
            self.planned_by_cause[stop.cause] = not stop.loses_work

    def _init_scratch(self, fleet: Fleet) -> None:
        """Scratch arrays for counting the domains, halls and sites a placement spans."""
        self._domain_stamp = np.zeros(fleet.domain_count, np.int64)
        self._node_domain: list[int] = fleet.node_domain.tolist()
        self._domain_hall: list[int] = fleet.domain_hall.tolist()
        self._hall_site: list[int] = fleet.hall_site.tolist()
        self._hall_stamp = np.zeros(fleet.hall_count, np.int64)
        self._site_stamp = np.zeros(len(fleet.sites), np.int64)

    # Inputs ---------------------------------------------------------------------------------

    def feed_arrivals(self, order: list[int] | None = None) -> None:
        """Jobs arrive at their ``arrival_s``, in ``order`` (default: by arrival time, stable);
        one arrival is pending in the heap at a time (the next is scheduled as one applies)."""
        if order is None:
            order = np.argsort(self.jobs.arrival_s, kind="stable").tolist()
        self._arrival_order = order
        self._next_arrival = 0
        if order:
            first = order[0]
            self._push(float(self.jobs.arrival_s[first]), ARRIVAL, ARRIVAL, first)

    def feed_outages(self) -> None:
        """Schedule the failures' node outages within the horizon, in time order (one pending
        in the heap at a time)."""
        failures = self.failures
        if failures is None:
            return
        within = failures.outages.down_s <= self.horizon_s
        self._outage_node = failures.outages.node[within].tolist()
        self._outage_down = failures.outages.down_s[within].tolist()
        self._outage_up = failures.outages.up_s[within].tolist()
        self._outage_cause = failures.outages.cause[within].tolist()
        if self._outage_node:
            self._push(self._outage_down[0], NODE_OFFLINE, NODE_FAIL, 0)

    def add_job(
        self,
        tenant: str,
        accelerators: int,
        arrival_s: float,
        duration_s: float,
        *,
        type_index: int | None = None,
        estimate_s: float | None = None,
        priority: int = 0,
        checkpoint_s: float = math.inf,
        checkpoint_cost_s: float = math.nan,
        stateless: bool = False,
    ) -> int:
        """A new job in the engine's `JobBook` (its index), not yet submitted; ``arrival_s``
        orders it in the queue. Only for an engine built on a `JobBook`."""
        book = self._book
        if book is None:
            raise ValueError("jobs can be added only to an engine built on a JobBook")
        index = book.add(
            book.tenant_of(tenant), accelerators, arrival_s, duration_s, estimate_s, type_index,
            priority, checkpoint_s=checkpoint_s, checkpoint_cost_s=checkpoint_cost_s,
            stateless=stateless,
        )  # fmt: skip
        self._extend(book.table())
        return index

    def _extend(self, jobs: JobTable) -> None:
        """Take the jobs added to the book: per-job records and what the state and queue read."""
        first = len(self.start_s)
        new = jobs.count - first
        self.jobs = jobs
        self.state.extend_jobs(jobs)
        self.queue.use_jobs(jobs)
        if new == 1:
            self._extend_one(jobs, first)
            return
        floats: list[list[float]] = [
            self.start_s, self.end_s, self.held_s, self.overhead_s, self.checkpoint_overhead_s,
            self.job_lost_s, self.pending_s,
        ]  # fmt: skip
        for column in floats:
            column.extend(
                [math.nan if column is self.start_s or column is self.end_s else 0.0] * new
            )
        ints: list[list[int]] = [
            self.nodes_used, self.domains, self.halls, self.sites, self.interruptions,
            self.migrations, self.job_unplanned, self.runs,
        ]  # fmt: skip
        for counts in ints:
            counts.extend([0] * new)
        self.type_index.extend([-1] * new)
        self.pending_cause.extend([PLANNED] * new)
        self.rejected.extend([False] * new)
        rows = slice(first, jobs.count)
        self.remaining_s += jobs.duration_s[rows].astype(np.float64).tolist()
        cost = jobs.checkpoint_cost_s[rows]
        self.cost_s += np.where(np.isnan(cost), self._cost_default, cost).tolist()
        self.interval_s += jobs.checkpoint_s[rows].tolist()
        self.auto += np.isnan(jobs.checkpoint_s[rows]).tolist()
        self.stateless += jobs.stateless[rows].tolist()
        self.share += (jobs.accelerators[rows] * (jobs.gpu_milli[rows] / WHOLE_MILLI)).tolist()
        self._stoppable += (~jobs.stateless[rows] & ~np.isposinf(jobs.checkpoint_s[rows])).tolist()

    @property
    def jobs_book(self) -> JobBook:
        """The growing job book (an engine built on one)."""
        if self._book is None:
            raise ValueError("this engine was built on a fixed job table")
        return self._book

    def note_changed(self) -> None:
        """Something the policy decides from changed outside the engine (a quota): the next
        `advance` runs a pass."""
        self._changed = True

    def set_progress(self, job: int, done_s: float) -> None:
        """``job`` has ``done_s`` seconds of its work saved already (a restart restores it)."""
        duration = float(self.jobs.duration_s[job])
        self.remaining_s[job] = max(duration - done_s, 0.0)

    def progress_s(self, job: int) -> float:
        """Seconds of the job's work saved (by checkpoints, or done)."""
        return max(float(self.jobs.duration_s[job]) - self.remaining_s[job], 0.0)

    def _extend_one(self, jobs: JobTable, job: int) -> None:
        """`_extend` for one new job (the usual case): Python scalars, no array slices."""
        for column in (self.start_s, self.end_s):
            column.append(math.nan)
        for floats in (
            self.held_s, self.overhead_s, self.checkpoint_overhead_s, self.job_lost_s,
            self.pending_s,
        ):  # fmt: skip
            floats.append(0.0)
        for counts in (
            self.nodes_used, self.domains, self.halls, self.sites, self.interruptions,
            self.migrations, self.job_unplanned, self.runs,
        ):  # fmt: skip
            counts.append(0)
        self.type_index.append(-1)
        self.pending_cause.append(PLANNED)
        self.rejected.append(False)
        self.remaining_s.append(float(jobs.duration_s[job]))
        cost = float(jobs.checkpoint_cost_s[job])
        self.cost_s.append(self._cost_default if math.isnan(cost) else cost)
        interval = float(jobs.checkpoint_s[job])
        self.interval_s.append(interval)
        self.auto.append(math.isnan(interval))
        stateless = bool(jobs.stateless[job])
        self.stateless.append(stateless)
        share = float(jobs.accelerators[job]) * float(jobs.gpu_milli[job]) / WHOLE_MILLI
        self.share.append(share)
        self._stoppable.append(not stateless and interval != math.inf)

    def submit(self, job: int, at: float) -> None:
        """``job`` arrives at ``at`` (applied by the next `advance` to ``at`` or later)."""
        self._push(at, ARRIVAL, ARRIVAL, job, SUBMITTED)

    def enqueue(self, job: int) -> None:
        """``job`` waits now, without an arrival event (a restart restores its queue)."""
        self.queue.push(job)
        self._changed = True

    def cancel(self, job: int, now: float) -> bool:
        """``job`` leaves: out of the queue if waiting, its accelerators freed if running
        (charged up to ``now``). False if it was neither."""
        if job in self.queue:
            self.queue.remove(job)
        elif job in self.state.allocations:
            allocation = self.state.release(job, now)
            self.held_s[job] += now - allocation.start_s
            self._settle(job, now - allocation.start_s)
            self.runs[job] += 1  # its pending end and stops are stale
        else:
            return False
        self._changed = True
        return True

    def restore(
        self, job: int, nodes: list[int], counts: list[int], start_s: float, now: float
    ) -> str | None:
        """Put ``job`` back on exactly ``nodes`` (``counts`` accelerators on each), as started
        at ``start_s`` with its ``remaining_s`` of work left from then (a service restart);
        None, or, changing nothing, why it cannot go back."""
        jobs = self.jobs
        t = self.type_index[job] if self.type_index[job] >= 0 else None
        allowed = self.state.allowed_types(job)
        if not nodes or len(nodes) != len(counts):
            return "its recorded placement is empty"
        node_type = {int(self.fleet.node_type[n]) for n in nodes if 0 <= n < self.fleet.node_count}
        if len(node_type) != 1 or any(not 0 <= n < self.fleet.node_count for n in nodes):
            return "its recorded nodes are not one type of this fleet"
        t = node_type.pop()
        if t not in allowed:
            return f"its nodes are {self.fleet.types[t]}, not a type it may use"
        if sum(counts) != int(jobs.accelerators[job]):
            return "its recorded placement does not match its gang"
        for node, count in zip(nodes, counts, strict=True):
            if self.in_repair[node]:
                return f"node {node} is down for repair"
            if not self.state.node_up[node]:
                return f"node {node} is out of service"
            if int(self.state.node_free[node]) < count:
                return f"node {node} has {int(self.state.node_free[node])} accelerators free, not {count}"
        allocation = Allocation(
            job, t, np.array(nodes, np.int64), np.array(counts, np.int64), WHOLE_MILLI, -1,
            start_s, start_s + float(jobs.estimate_s[job]), float(sum(counts)),
        )  # fmt: skip
        try:
            self.state.restore(allocation, now)
        except ValueError as error:
            return str(error)
        self.type_index[job] = t
        self.runs[job] += 1
        if math.isnan(self.start_s[job]):
            self.start_s[job] = start_s
        self._record_span(job, allocation)
        if self.auto[job]:
            self.interval_s[job] = self._auto_interval(job, t)
        end = max(start_s + self._run_wall_s(job), now)
        self._push(end, END, END, job, self.runs[job])
        self._schedule_job_stop(job, now, end)
        self._changed = True
        return None

    def reserve(
        self, reservation: Reservation, nodes: list[int] | None = None, opened: bool = False
    ) -> int | Refusal:
        """Hold capacity for a tenant over a window (`gigawatt.sched.reservations`): its index,
        or the refusal with the reason. ``nodes``: the nodes it held before (a restart);
        otherwise designated now (`reservation_nodes`). ``opened``: its window opened before
        (a restart: the jobs on its nodes are its own, nothing is preempted)."""
        layer = self.reserving
        if layer is None:
            raise ValueError("this engine's policy has no reservation layer")
        held = layer.add(
            reservation, None if nodes is None else np.array(nodes, np.int64), opened=opened
        )
        if isinstance(held, int):
            layer.nodes_of(held, self.state)
            self._changed = True
            self._wake_at = math.inf  # a new window edge: ask for the next wake-up again
        return held

    def reservation_nodes(self, index: int) -> list[int]:
        """The nodes reservation ``index`` holds."""
        assert self.reserving is not None
        return [int(n) for n in self.reserving.nodes_of(index, self.state).tolist()]

    def cancel_reservation(self, index: int) -> None:
        """The reservation ends now; jobs inside it are stopped at the next `advance`."""
        if self.reserving is None:
            raise ValueError("this engine's policy has no reservation layer")
        self.reserving.cancel(index)
        self._changed = True

    def restore_down(self, node: int, up_s: float, now: float) -> None:
        """``node`` is down for repair until ``up_s`` (a service restart restores it)."""
        if self.in_repair[node]:
            return
        for allocation in self.state.take_offline(np.array([node], np.int64), now):
            self._interrupt(allocation, now, PLANNED)
        self.in_repair[node] += 1
        self.repair_nodes += 1
        self.repair_accelerators += float(self.fleet.node_accelerators[node])
        self._push(up_s, NODE_ONLINE, NODE_REPAIRED, node)

    def next_event_s(self) -> float:
        """When the next event applies (inf if none is pending)."""
        return self._heap[0][0] if self._heap else math.inf

    def advance(self, until: float, decide: bool = True) -> None:
        """Apply every event at or before ``until`` (see the module doc for their order), then
        ask the policy once, at ``until``, if anything it decides from changed. ``decide``
        False: only apply the events (the pass is left for the next `advance`; a driver that
        applies an input at ``until`` — a submission, a cancel, a reservation — catches up
        first, applies it, then advances: one pass sees both, as in the replay)."""
        heap = self._heap
        handlers = self._handlers
        pop = heapq.heappop
        changed = self._changed
        self._changed = False
        while heap and heap[0][0] <= until:
            now, _, _, kind, payload, run = pop(heap)
            self.events += 1
            if handlers[kind](payload, run, now):
                changed = True
        if not decide:
            self._changed = changed
        elif changed:
            self._admit(until)

    def close(self, at: float) -> None:
        """Charge the jobs still running at ``at`` (the end of a replay) for the time they
        held their accelerators and the checkpoints they wrote."""
        for allocation in self.state.allocations.values():
            self.held_s[allocation.job] += at - allocation.start_s
            self._settle(allocation.job, at - allocation.start_s)

    # Event handlers -------------------------------------------------------------------------

    def _on_end(self, job: int, run: int, now: float) -> bool:
        if run != self.runs[job] or job not in self.state.allocations:
            return False  # the job was interrupted or moved after this end was scheduled
        finished = self.state.release(job, now)
        self.held_s[job] += now - finished.start_s
        self._spend_pending(job, self.pending_s[job])
        self.pending_s[job] = 0.0
        self.end_s[job] = now
        self.remaining_s[job] = 0.0
        if self.outcomes is not None:
            self.outcomes.append(Outcome(ENDED, job, now))
        return True

    def _on_arrival(self, job: int, run: int, now: float) -> bool:
        state = self.state
        allowed = state.allowed_types(job)
        need = int(self.jobs.accelerators[job])
        if not allowed or need > max(self.capacity[t] for t in allowed):
            self.rejected[job] = True
            if self.outcomes is not None:
                self.outcomes.append(Outcome(REJECTED, job, now, reason="never fits the fleet"))
        else:
            self.queue.push(job)
        if run == SUBMITTED:
            return True
        self._next_arrival += 1
        order = self._arrival_order
        if self._next_arrival < len(order):
            following = order[self._next_arrival]
            self._push(float(self.jobs.arrival_s[following]), ARRIVAL, ARRIVAL, following)
        return True

    def _on_node_online(self, group: int, run: int, now: float) -> bool:
        self.state.bring_online(self._online[group][1], now)
        return True

    def _on_node_offline(self, group: int, run: int, now: float) -> bool:
        for allocation in self.state.take_offline(self._offline[group][1], now):
            self._interrupt(allocation, now, -1)
        return True

    def _on_node_fail(self, outage: int, run: int, now: float) -> bool:
        state = self.state
        node = self._outage_node[outage]
        changed = False
        if state.node_up[node]:
            cause = self._outage_cause[outage]
            self.node_outages[cause] += 1
            nodes = np.array([node], np.int64)
            hall = self._node_hall[node]
            up_s = self._outage_up[outage]
            repaired = up_s > now
            if not repaired or self.spares_free[hall] > 0:
                # Nothing to repair (a software fault) or a spare stands in at once: capacity
                # stays and the node's jobs restart where they are (a gang keeps its nodes, as
                # with hot spares), no requeue, no new placement.
                for allocation in state.running_on(nodes):
                    self._restart_in_place(allocation, now, cause)
            else:
                for allocation in state.take_offline(nodes, now):
                    self._interrupt(allocation, now, cause)
                    changed = True
            spared = False
            if repaired:
                self.repair_nodes += 1
                if self.spares_free[hall] > 0:  # a spare stands in: capacity stays
                    self.spares_free[hall] -= 1
                    self.spares_in_use += 1
                    self.spare_swaps += 1
                    back = SPARE_BACK
                    spared = True
                else:
                    self.in_repair[node] += 1
                    self.repair_accelerators += float(self.fleet.node_accelerators[node])
                    back = NODE_REPAIRED
                self._push(up_s, NODE_ONLINE, back, node)
            if self.outcomes is not None:
                reason = self.causes[cause] + (" (a spare stands in)" if spared else "")
                until = up_s if repaired else now
                self.outcomes.append(
                    Outcome(NODE_DOWN, -1, now, reason=reason, node=node, until_s=until)
                )
        if outage + 1 < len(self._outage_node):
            self._push(self._outage_down[outage + 1], NODE_OFFLINE, NODE_FAIL, outage + 1)
        return changed

    def _on_job_stop(self, job: int, run: int, now: float) -> bool:
        """Restarts in place: frees nothing, queues nothing."""
        if run != self.runs[job] or job not in self.state.allocations:
            return False  # the run this stop was drawn for ended or was cut
        stop = self._stop_cause()
        allocation = self.state.allocations[job]
        self._restart_in_place(allocation, now, stop.cause, not stop.loses_work)
        return False

    def _on_spare_back(self, node: int, run: int, now: float) -> bool:
        """The repaired node is its hall's spare now."""
        self.spares_free[self._node_hall[node]] += 1
        self.spares_in_use -= 1
        self.repair_nodes -= 1
        if self.outcomes is not None:
            self.outcomes.append(Outcome(NODE_UP, -1, now, reason="repaired", node=node))
        return False

    def _on_node_repaired(self, node: int, run: int, now: float) -> bool:
        self.in_repair[node] -= 1
        self.repair_nodes -= 1
        self.repair_accelerators -= float(self.fleet.node_accelerators[node])
        fleet = self.fleet
        if (
            self.in_repair[node] == 0
            and fleet.node_online_s[node] <= now < fleet.node_offline_s[node]
        ):
            self.state.bring_online(np.array([node], np.int64), now)
        if self.outcomes is not None:
            self.outcomes.append(Outcome(NODE_UP, -1, now, reason="repaired", node=node))
        return True

    def _on_wake(self, payload: int, run: int, now: float) -> bool:
        if now != self._wake_at:
            return False  # superseded by an earlier one
        self._wake_at = math.inf
        return True

    # The policy's pass ----------------------------------------------------------------------

    def _admit(self, now: float) -> None:
        """A pass of the policy; record and schedule what it started, moved or stopped. A pass
        that stopped jobs is followed by another (they may start elsewhere at once)."""
        for _ in range(MAX_PASSES):
            stopped = False
            for decision in self.policy.admit(self.queue, self.state, now):
                if decision.stop:
                    self._stopped(decision, now)
                    stopped = True
                else:
                    self._started(decision, now)
            if not stopped:
                break
        if self.reserving is not None and self.reserving.window_events:
            events, self.reserving.window_events = self.reserving.window_events, []
            if self.outcomes is not None:
                for kind, index in events:
                    reason = self.reserving.reservations[index].name
                    self.outcomes.append(Outcome(kind, -1, now, reason=reason, inside=index))
        next_wakeup = self._next_wakeup
        if next_wakeup is not None:
            wake = next_wakeup(now)
            if wake is not None and now < wake <= self.horizon_s and wake < self._wake_at:
                self._wake_at = wake
                self._push(wake, WAKE_PRIORITY, WAKE, 0)

    def _started(self, decision: Decision, now: float) -> None:
        job = decision.job
        allocation = decision.allocation
        moved = decision.moved
        if moved is None:
            queue = self.queue
            if job in queue:  # (a layer that started it first took it out of the queue)
                queue.remove(job)
            if math.isnan(self.start_s[job]):
                self.start_s[job] = now
            if self.outcomes is not None:
                self.outcomes.append(Outcome(STARTED, job, now, allocation, inside=decision.inside))
        else:
            # Migrated: checkpointed on demand (nothing rolled back), restored on the new nodes
            # for migrate_s, then trains on; the old end is stale (runs bump).
            ran = now - moved.start_s
            self.held_s[job] += ran
            saved, unsaved = self._settle(job, ran)
            self.remaining_s[job] = max(float(self.remaining_s[job]) - saved - unsaved, 0.0)
            self.pending_s[job] = self.migrate_s
            self.pending_cause[job] = MIGRATION
            self.migrations[job] += 1
            if self.outcomes is not None:
                self.outcomes.append(Outcome(MOVED, job, now, allocation, "defragmentation"))
        if self.auto[job]:
            self.interval_s[job] = self._auto_interval(job, allocation.type)
        self.runs[job] += 1
        self.type_index[job] = allocation.type
        if self._spans:
            self._record_span(job, allocation)
        end = now + self._run_wall_s(job)
        self._push(end, END, END, job, self.runs[job])
        self._schedule_job_stop(job, now, end)

    def _stopped(self, decision: Decision, now: float) -> None:
        """A policy stopped a running job (and released it): it is rolled back to its last
        checkpoint and waits again."""
        self._roll_back(decision.allocation, now, PREEMPTED)
        self.queue.push(decision.job)
        if self.outcomes is not None:
            self.outcomes.append(Outcome(REQUEUED, decision.job, now, reason=decision.stop))

    def _record_span(self, job: int, allocation: Allocation) -> None:
        """How many nodes, scale-up domains, halls and sites the job's placement spans."""
        placed = allocation.nodes
        self.nodes_used[job] = len(placed)
        if len(placed) == 1:
            self.domains[job] = self.halls[job] = self.sites[job] = 1
        elif allocation.runs is not None:  # its domains are counted already
            domain_set = set(allocation.runs.per_domain)
            domain_set.add(self._node_domain[int(placed[-1])])
            domain_hall = self._domain_hall
            hall_set = {domain_hall[d] for d in domain_set}
            self.domains[job] = len(domain_set)
            self.halls[job] = len(hall_set)
            hall_site = self._hall_site
            self.sites[job] = len({hall_site[h] for h in hall_set})
        else:
            fleet = self.fleet
            domain_ids = distinct(fleet.node_domain[placed], self._domain_stamp)
            self.domains[job] = len(domain_ids)
            hall_ids = distinct(fleet.domain_hall[domain_ids], self._hall_stamp)
            self.halls[job] = len(hall_ids)
            self.sites[job] = len(distinct(fleet.hall_site[hall_ids], self._site_stamp))

    # Job progress: checkpoints, roll-backs, restarts ----------------------------------------

    def _run_wall_s(self, job: int) -> float:
        """Wall seconds the job's run takes from its start: pending, work, checkpoints."""
        work = float(self.remaining_s[job])
        wall = self.pending_s[job] + work
        tau, delta = self.interval_s[job], self.cost_s[job]
        if delta > 0 and tau < math.inf and work > tau:
            writes = math.ceil(work / tau) - 1
            wall += writes * delta
            self.checkpoint_overhead_s[job] += writes * delta  # taken back if the run is cut
        return wall

    def _spend_pending(self, job: int, spent: float) -> None:
        """Charge ``spent`` seconds of the run's pending time to its reason."""
        reason = self.pending_cause[job]
        if reason >= 0:
            self.job_lost_s[job] += spent
            self.cause_restart[reason] += spent * self.share[job]
        elif reason == MIGRATION:
            self.overhead_s[job] += spent

    def _settle(self, job: int, ran: float) -> tuple[float, float]:
        """The job's run stops after ``ran`` wall seconds: charge its pending and checkpoint
        time; return (work saved by checkpoints, work done since the last one), seconds."""
        spent = min(ran, self.pending_s[job])
        self._spend_pending(job, spent)
        training = ran - spent
        tau, delta = self.interval_s[job], self.cost_s[job]
        work = float(self.remaining_s[job])
        if delta > 0 and tau < math.inf and work > tau:  # undo _run_wall_s' estimate
            self.checkpoint_overhead_s[job] -= (math.ceil(work / tau) - 1) * delta
        if tau == 0.0:  # auto with free checkpoints: saved continuously, nothing lost
            return training, 0.0
        if tau < math.inf:
            blocks = math.floor(training / (tau + delta))
            tail = training - blocks * (tau + delta)
            writing = max(tail - tau, 0.0) if delta > 0 else 0.0
            self.checkpoint_overhead_s[job] += blocks * delta + writing
            return blocks * tau, tail - writing
        return 0.0, training

    def _auto_interval(self, job: int, type_index: int) -> float:
        """Young/Daly interval (``failures.analytic.daly_interval_s``) from the job's MTTI
        (work-losing interruptions) at its size on nodes and domains of ``type_index``."""
        accelerators = int(self.jobs.accelerators[job])
        key = (type_index, accelerators, self.cost_s[job])
        cached = self._auto_intervals.get(key)
        if cached is None:
            model = self.failures.model if self.failures is not None else None
            if model is None:
                cached = math.inf
            else:
                state = self.state
                node = int(state.type_node_size[type_index])
                domain = node * max(int(state.type_max_domain_nodes[type_index]), 1)
                rate = job_rates(model, JobShape(accelerators, node, domain)).unplanned_per_s
                mtti_s = 1.0 / rate if rate > 0 else math.inf
                # Free checkpoints (cost 0): the optimum is to save continuously (interval 0:
                # nothing to roll back); a job that never fails never needs to (inf).
                if mtti_s == math.inf:
                    cached = math.inf
                elif self.cost_s[job] > 0:
                    cached = daly_interval_s(self.cost_s[job], mtti_s)
                else:
                    cached = 0.0
            self._auto_intervals[key] = cached
        return cached

    def _roll_back(
        self, allocation: Allocation, now: float, cause: int, saves_work: bool = False
    ) -> None:
        """Roll the job back to its last checkpoint (a stateless job, or any job when
        ``saves_work``: a planned stop checkpoints first, keeps its progress); ``cause`` < 0 is
        a planned fleet change (no restart cost, not counted as a failure)."""
        job = allocation.job
        ran = now - allocation.start_s
        saved, unsaved = self._settle(job, ran)
        if self.stateless[job] or saves_work:
            saved, unsaved = saved + unsaved, 0.0
        self.remaining_s[job] -= min(saved, self.remaining_s[job])
        self.interruptions[job] += 1
        self.held_s[job] += ran
        self.job_lost_s[job] += unsaved
        if cause >= 0:
            self.pending_s[job] = self.restart_s  # paid when it runs again
            self.pending_cause[job] = cause
            self.cause_interruptions[cause] += 1
            if not saves_work:
                self.job_unplanned[job] += 1
            self.cause_rolled_back[cause] += unsaved * self.share[job]
        else:
            self.pending_s[job] = max(self.pending_s[job] - ran, 0.0)

    def _interrupt(self, allocation: Allocation, now: float, cause: int) -> None:
        """Roll the job back (``_roll_back``) and queue it again."""
        self._roll_back(allocation, now, cause)
        self.queue.push(allocation.job)
        if self.outcomes is not None:
            reason = self._why(cause, allocation)
            self.outcomes.append(Outcome(REQUEUED, allocation.job, now, reason=reason))

    def _why(self, cause: int, allocation: Allocation) -> str:
        """An interruption's reason in words."""
        if cause < 0:
            return "node retired by the plan"
        down = [n for n in allocation.nodes.tolist() if not self.state.node_up[n]]
        where = f"node {down[0]} failed" if down else "a node failed"
        return f"{where} ({self.causes[cause]})"

    def _restart_in_place(
        self, allocation: Allocation, now: float, cause: int, saves_work: bool = False
    ) -> None:
        """A spare stood in for a failed node of the running job (or the node needs no repair,
        or a job stop): the job is rolled back (``_roll_back``) and pays the restart, but keeps
        its allocation (no requeue, no new placement) and runs on from ``now``."""
        self._roll_back(allocation, now, cause, saves_work)
        job = allocation.job
        if self.outcomes is not None:
            what = "planned stop" if saves_work else "failure"
            reason = f"restarted in place after a {what} ({self.causes[cause]})"
            self.outcomes.append(Outcome(RESTARTED, job, now, allocation, reason))
        self.state.restart(job, now)
        self.runs[job] += 1
        end = now + self._run_wall_s(job)
        self._push(end, END, END, job, self.runs[job])
        self._schedule_job_stop(job, now, end)

    def _schedule_job_stop(self, job: int, now: float, end: float) -> None:
        """Draw the job's next stop from ``now`` (memoryless, so a fresh draw at each start is
        exact) and keep it pending if it falls before the run's end and the horizon."""
        if self._stop_per_s > 0 and self._stoppable[job]:
            at = now + self._stop_rng.expovariate(self._stop_per_s)
            if at < end and at <= self.horizon_s:
                self._push(at, NODE_OFFLINE, JOB_STOP, job, self.runs[job])

    def _stop_cause(self) -> JobStop:
        """Which job-scoped cause a stop is, in proportion to the rates."""
        stops = self._stops
        if len(stops) == 1:
            return stops[0]
        pick = self._stop_rng.random() * self._stop_per_s
        for stop in stops:
            pick -= stop.per_s
            if pick < 0:
                return stop
        return stops[-1]

    def _push(self, when: float, priority: int, kind: int, payload: int, run: int = 0) -> None:
        heapq.heappush(self._heap, (when, priority, next(self._counter), kind, payload, run))


def _layer(policy: QueuePolicy, kind: type[Reserving]) -> Reserving | None:
    """The first layer of ``kind`` in a policy stack (each layer's ``inner`` is the next)."""
    layer: object = policy
    while layer is not None:
        if isinstance(layer, kind):
            return layer
        layer = getattr(layer, "inner", None)
    return None
