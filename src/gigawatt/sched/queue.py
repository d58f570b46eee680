"""Queue policies: which waiting jobs start now. One interface, registered by name.

A policy is called with the queue of waiting jobs, the `ClusterState` and the time, whenever
something changes (a job arrives or ends, nodes come or go), by the simulator and by a live
service alike::

    decisions = policy.admit(queue, state, now)

It starts jobs by calling ``state.place`` (each placement is committed at once and whole: a gang
is never partly placed, so two gangs can never hold parts of the fleet waiting on each other)
and returns them as `Decision` s; the caller removes them from the queue and schedules their
ends. The queue keeps the policy's order (``policy.order_key``).

| name | order | starts |
|---|---|---|
| ``fifo`` | arrival | in order; stops at the first job that does not fit |
| ``priority`` | priority (high first), then arrival | as fifo |
| ``shortest-first`` | estimated run time, then arrival | as fifo |
| ``drf`` | per tenant arrival | repeatedly the head job of the tenant with the lowest dominant share divided by its entitlement (Ghodsi et al., NSDI'11); a tenant whose head does not fit waits. The first such tenant below its entitlement holds what frees for it: its head gets EASY's reservation (shadow time and spare accelerators, as below), and other tenants' heads start only if they end by then or fit beside it (reservation against starvation of large jobs: Lifka 1995; as Slurm's backfill does for its highest-priority pending job) |
| ``easy-backfill`` | arrival | in order; when the head does not fit it gets a reservation at the earliest time enough accelerators free up (the *shadow* time), and later jobs start if they fit now and either end by then or use only accelerators the head will not need (Lifka 1995; Mu'alem & Feitelson, IEEE TPDS 2001) |
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from gigawatt.sched.cluster import Allocation, ClusterState, GangPlacement, make_placement
from gigawatt.sched.jobs import WHOLE_MILLI, BoolArray, FloatArray, IntArray, JobTable

#: How many waiting jobs behind a blocked head EASY tries per pass (Slurm's ``bf_max_job_test``
#: plays this role; its documented default is 500).
BACKFILL_DEPTH = 500
#: Backfill passes over more candidates than this find the hopeful ones with NumPy steps.
PREFILTER_FROM = 32
#: Candidates such a pass looks at first; the rest only if the queue's summary cannot rule
#: them out (a busy pass usually ends within these).
BACKFILL_CHUNK = 64


@dataclass(frozen=True, slots=True)
class Decision:
    """Start ``job`` now with ``allocation`` (already committed to the state); or, with
    ``moved``, move it; or, with ``stop``, stop it (``allocation``: the one the policy
    released) and send it back to the queue."""

    job: int
    allocation: Allocation
    #: A migration: the job was running on ``moved`` and now runs on ``allocation`` (the policy
    #: released the old one and committed the new one); the job is not in the queue.
    moved: Allocation | None = None
    #: A stop (preemption): why; the policy released ``allocation``; the engine rolls the job
    #: back to its last checkpoint and queues it again.
    stop: str = ""
    #: A start inside a reservation: its index (`gigawatt.sched.reservations`); -1: shared
    #: capacity.
    inside: int = -1


OrderKey = Callable[[JobTable, int], tuple[float, ...]]


#: A removed job's request size in `QueueColumns` (never below a limit: never hopeful).
GONE = np.iinfo(np.int64).max
#: A (kind, kept off)'s mark before any of its requests failed in a pass.
UNMARKED = GONE
_COLUMNS = ("job", "size", "acc", "base", "estimate", "live")
#: Candidates of a backfill pass: jobs, sizes (accelerators x GPU milli), accelerators,
#: kind x 4 + sharing, estimated seconds.
_Chunk = tuple[IntArray, IntArray, IntArray, IntArray, FloatArray]


class QueueColumns:
    """The waiting jobs' backfill columns as NumPy arrays in queue order, kept by the queue as
    jobs come and go, so a backfill pass slices them instead of gathering them from the job
    table: ``job``; ``size`` (accelerators x GPU milli; ``GONE`` once removed); ``acc``;
    ``base``: kind x 4 + 1 if it asks for a share of one accelerator (kind: the index of its
    allowed type mask in ``JobQueue.kind_masks``); ``estimate`` (seconds) and ``live``. Rows
    ``[0, n)`` are in use; a removed job's row stays, marked gone (``dead`` counts them),
    until the queue compacts the arrays."""

    def __init__(self, capacity: int) -> None:
        capacity = max(capacity, 64)
        self.job = np.zeros(capacity, np.int64)
        self.size = np.full(capacity, GONE, np.int64)
        self.acc = np.zeros(capacity, np.int64)
        self.base = np.zeros(capacity, np.int64)
        self.estimate = np.zeros(capacity, np.float64)
        self.live = np.zeros(capacity, bool)
        self.n = 0
        self.dead = 0
        self.row: dict[int, int] = {}  # job -> its row

    def append(self, job: int, size: int, acc: int, base: int, estimate: float) -> None:
        at = self.n
        if at == len(self.job):
            self._grow(2 * at)
        self.job[at] = job
        self.size[at] = size
        self.acc[at] = acc
        self.base[at] = base
        self.estimate[at] = estimate
        self.live[at] = True
        self.row[job] = at
        self.n = at + 1

    def kill(self, job: int) -> None:
        at = self.row.pop(job)
        self.size[at] = GONE
        self.live[at] = False
        self.dead += 1

    def _grow(self, capacity: int) -> None:
        for name in _COLUMNS:
            old = getattr(self, name)
            new = (
                np.full(capacity, GONE, np.int64)
                if name == "size"
                else np.zeros_like(old, shape=capacity)
            )
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def compact(self) -> None:
        """Drop the removed jobs' rows."""
        keep = np.flatnonzero(self.live[: self.n])
        n = len(keep)
        for name in _COLUMNS:
            column = getattr(self, name)
            column[:n] = column[keep]
            column[n : self.n] = GONE if name == "size" else 0
        self.row = dict(zip(self.job[:n].tolist(), range(n), strict=True))
        self.n = n
        self.dead = 0

    def stop_after(self, first: int, count: int) -> int:
        """The row after the ``count``-th live row from row ``first`` on (or ``n``)."""
        if count <= 0:
            return first
        stop = min(first + count + self.dead, self.n)
        if self.dead == 0 or stop <= first:
            return min(first + count, self.n)
        live = np.cumsum(self.live[first:stop])
        if live[-1] < count:
            return stop
        return first + int(np.searchsorted(live, count)) + 1


#: Compact `QueueColumns` once this many removed rows have gathered.
COMPACT_AFTER = 256


class JobQueue:
    """Waiting jobs in a policy's order, and per tenant; remembers which jobs are new since
    the policy last looked (``recent``), so a pass after a mere arrival can be incremental."""

    def __init__(self, jobs: JobTable, key: OrderKey) -> None:
        self.jobs = jobs
        self._key = key
        # Entries are the order key with the job appended, one flat tuple (``entry[-1]`` is
        # the job): flat tuples compare faster than (key, job) pairs.
        self._items: list[tuple[float, ...]] = []
        self._order: list[int] = []  # the jobs of ``_items``, same order
        self._by_tenant: dict[int, list[tuple[float, ...]]] = {}
        self.recent: list[int] = []
        # What a backfill pass can rule out without looking at the jobs one by one: per whole
        # accelerator count, the waiting jobs' estimated run times (sorted); and how many
        # jobs share accelerators.
        self._whole: dict[int, list[float]] = {}
        self._whole_sizes: list[int] = []  # keys of ``_whole``, sorted
        self._sharing = 0
        # job -> (entry, tenant, size or -1 if sharing, estimate): what ``remove`` needs, so
        # it reads no table column
        self._entry: dict[int, tuple[tuple[float, ...], int, int, float]] = {}
        # Every allowed type mask a job of this queue ever had, in order of first sight (a
        # backfill pass's *kinds*); the columns once a policy asked for them.
        self.kind_masks: list[int] = []
        self._kind_of_mask: dict[int, int] = {}
        self._columns: QueueColumns | None = None

    def __len__(self) -> int:
        return len(self._items)

    def use_jobs(self, jobs: JobTable) -> None:
        """Read jobs from ``jobs`` from now on: the same jobs followed by new ones (a live
        service's job book grows)."""
        self.jobs = jobs

    def __iter__(self) -> Iterator[int]:
        return iter(self._order)

    def __contains__(self, job: object) -> bool:
        return job in self._entry

    def push(self, job: int) -> None:
        jobs = self.jobs
        entry = (*self._key(jobs, job), job)
        items = self._items
        last = not items or items[-1] < entry  # the usual arrival: last in order
        if last:
            items.append(entry)
            self._order.append(job)
        else:
            at = bisect.bisect_right(items, entry)
            items.insert(at, entry)
            self._order.insert(at, job)
            self._columns = None  # rebuilt when next asked for
        tenant = int(jobs.tenant[job])
        of_tenant = self._by_tenant.get(tenant)
        if of_tenant is None:
            self._by_tenant[tenant] = [entry]
        elif not of_tenant or of_tenant[-1] < entry:
            of_tenant.append(entry)
        else:
            bisect.insort(of_tenant, entry)
        self.recent.append(job)
        mask = int(jobs.allowed[job])
        kind = self._kind_of_mask.get(mask)
        if kind is None:
            kind = self._kind_of_mask[mask] = len(self.kind_masks)
            self.kind_masks.append(mask)
        acc, milli = int(jobs.accelerators[job]), int(jobs.gpu_milli[job])
        estimate = float(jobs.estimate_s[job])
        if self._columns is not None and last:
            self._columns.append(job, acc * milli, acc, kind * 4 + (milli < WHOLE_MILLI), estimate)
        if milli < WHOLE_MILLI:
            self._sharing += 1
            self._entry[job] = (entry, tenant, -1, 0.0)
        else:
            size = acc
            if math.isnan(estimate):
                estimate = math.inf  # never counted on to end in time (as EASY's pass)
            self._entry[job] = (entry, tenant, size, estimate)
            estimates = self._whole.get(size)
            if estimates is None:
                estimates = self._whole[size] = []
                bisect.insort(self._whole_sizes, size)
            bisect.insort(estimates, estimate)

    def remove(self, job: int) -> None:
        entry, tenant, size, estimate = self._entry.pop(job)
        if self._columns is not None:
            self._columns.kill(job)
        items = self._items
        if items[0] == entry:  # the head (an in-order start)
            del items[0]
            del self._order[0]
        else:
            at = bisect.bisect_left(items, entry)
            del items[at]
            del self._order[at]
        of_tenant = self._by_tenant[tenant]
        if of_tenant[0] == entry:
            del of_tenant[0]
        else:
            del of_tenant[bisect.bisect_left(of_tenant, entry)]
        if size < 0:
            self._sharing -= 1
        else:
            estimates = self._whole[size]
            del estimates[bisect.bisect_left(estimates, estimate)]
            if not estimates:
                del self._whole[size]
                self._whole_sizes.remove(size)

    def any_whole_within(self, accelerators: int, now: float, until: float) -> bool:
        """Whether a waiting job of whole accelerators asks for at most ``accelerators`` and,
        started ``now``, is estimated to end by ``until``."""
        for size in self._whole_sizes:
            if size > accelerators:
                return False
            if now + self._whole[size][0] <= until:
                return True
        return False

    def smallest_whole(self) -> int | None:
        """The fewest whole accelerators a waiting job asks for (None: no such job)."""
        return self._whole_sizes[0] if self._whole_sizes else None

    def columns(self) -> QueueColumns:
        """The waiting jobs' `QueueColumns` (built on first use, then kept up to date; removed
        rows compacted once ``COMPACT_AFTER`` gathered)."""
        columns = self._columns
        if columns is None:
            jobs = self.jobs
            order = np.array(self._order, np.int64)
            columns = QueueColumns(2 * len(order))
            n = len(order)
            acc, milli = jobs.accelerators[order], jobs.gpu_milli[order]
            columns.job[:n] = order
            columns.size[:n] = acc * milli
            columns.acc[:n] = acc
            kind_of_mask = self._kind_of_mask
            kind = [kind_of_mask[m] for m in jobs.allowed[order].tolist()]
            columns.base[:n] = np.array(kind, np.int64) * 4 + (milli < WHOLE_MILLI)
            columns.estimate[:n] = jobs.estimate_s[order]
            columns.live[:n] = True
            columns.row = dict(zip(self._order, range(n), strict=True))
            columns.n = n
            self._columns = columns
        elif columns.dead >= COMPACT_AFTER:
            columns.compact()
        return columns

    @property
    def sharing(self) -> int:
        """Waiting jobs that ask for a share of one accelerator."""
        return self._sharing

    def head(self) -> int | None:
        return self._order[0] if self._order else None

    def at(self, index: int) -> int:
        return self._order[index]

    def between(self, start: int, stop: int) -> list[int]:
        """Jobs at queue positions ``start`` to ``stop - 1``."""
        return self._order[start:stop]

    def tenant_head(self, tenant: int) -> int | None:
        items = self._by_tenant.get(tenant)
        return int(items[0][-1]) if items else None

    def tenant_job_at(self, tenant: int, offset: int) -> int | None:
        """The tenant's waiting job at position ``offset`` of its own order (None: fewer)."""
        items = self._by_tenant.get(tenant)
        return int(items[offset][-1]) if items is not None and offset < len(items) else None

    @property
    def kind_of_mask(self) -> dict[int, int]:
        """Allowed type mask -> its index in ``kind_masks`` (read-only)."""
        return self._kind_of_mask

    def tenant_jobs(self, tenant: int) -> list[int]:
        """The tenant's waiting jobs, in queue order."""
        return [int(entry[-1]) for entry in self._by_tenant.get(tenant, [])]

    def tenants_waiting(self) -> list[int]:
        return [t for t, items in self._by_tenant.items() if items]


class QueuePolicy(Protocol):
    """Decides which waiting jobs start now."""

    name: str

    def order_key(self, jobs: JobTable, job: int) -> tuple[float, ...]:
        """Sort key of a waiting job (smaller first)."""
        ...

    def admit(self, queue: JobQueue, state: ClusterState, now: float) -> list[Decision]:
        """Start jobs (via ``state.place``) and return them."""
        ...


PolicyFactory = Callable[[GangPlacement], QueuePolicy]
_QUEUE_POLICIES: dict[str, PolicyFactory] = {}


def register_queue_policy(name: str) -> Callable[[PolicyFactory], PolicyFactory]:
    """Decorator: make a queue policy available as ``--queue <name>``."""

    def add(factory: PolicyFactory) -> PolicyFactory:
        _QUEUE_POLICIES[name] = factory
        return factory

    return add


def queue_policy_names() -> tuple[str, ...]:
    return tuple(_QUEUE_POLICIES)


def make_queue_policy(name: str, placement: str = "topology") -> QueuePolicy:
    """A new queue policy ``name`` placing with the fleet placement ``placement``."""
    try:
        factory = _QUEUE_POLICIES[name]
    except KeyError:
        raise KeyError(
            f"unknown queue policy {name!r} (known: {', '.join(_QUEUE_POLICIES)})"
        ) from None
    return factory(make_placement(placement))


def _fifo_key(jobs: JobTable, job: int) -> tuple[float, ...]:
    return (float(jobs.arrival_s[job]), float(job))


class InOrder:
    """Start jobs in the queue's order until one does not fit (no job overtakes another)."""

    name = "fifo"

    def __init__(self, placement: GangPlacement) -> None:
        self.placement = placement

    def order_key(self, jobs: JobTable, job: int) -> tuple[float, ...]:
        return _fifo_key(jobs, job)

    def admit(self, queue: JobQueue, state: ClusterState, now: float) -> list[Decision]:
        queue.recent.clear()
        decisions: list[Decision] = []
        for job in queue:
            allocation = state.place(job, self.placement, now)
            if allocation is None:
                break
            decisions.append(Decision(job, allocation))
        return decisions


class Priority(InOrder):
    name = "priority"

    def order_key(self, jobs: JobTable, job: int) -> tuple[float, ...]:
        return (-float(jobs.priority[job]), float(jobs.arrival_s[job]), float(job))


class ShortestFirst(InOrder):
    name = "shortest-first"

    def order_key(self, jobs: JobTable, job: int) -> tuple[float, ...]:
        return (float(jobs.estimate_s[job]), float(jobs.arrival_s[job]), float(job))


class DominantResourceFairness:
    """DRF over tenants: resources are the accelerator types; a tenant's dominant share is its
    largest share of any type's online accelerators, divided by its entitlement weight.

    A blocked tenant below its entitlement holds what frees for it: the first tenant in DRF
    order whose head does not fit while its dominant share is below its entitlement (its weight
    over the weights of the tenants waiting or running) gets a reservation for that head, as
    EASY's head does (`_hold`): the earliest time enough accelerators of a type it may use are
    free by the running jobs' estimates (the *shadow* time) and how many beyond its need are
    free then. Other tenants' heads then start only if they end by the shadow time, or off that
    type, or within those spare accelerators (`_beside`). Without it, a gang of an under-share
    tenant waits for as long as an over-share tenant's staggered stream takes back each
    accelerator as it frees. The reservation is made anew each pass (no cached promise)."""

    name = "drf"

    def __init__(self, placement: GangPlacement) -> None:
        self.placement = placement

    def order_key(self, jobs: JobTable, job: int) -> tuple[float, ...]:
        return _fifo_key(jobs, job)

    def admit(self, queue: JobQueue, state: ClusterState, now: float) -> list[Decision]:
        queue.recent.clear()
        decisions: list[Decision] = []
        weight = state.jobs.tenant_weight.tolist()
        online = [max(o, 1) for o in state.type_online]
        blocked: set[int] = set()
        started: dict[int, int] = {}  # tenant -> jobs started this pass (queue heads advance)
        waiting = queue.tenants_waiting()
        held: _Reservation | None = None  # for the first blocked under-share tenant's head
        while True:
            best: tuple[float, int] | None = None
            for tenant in waiting:
                if tenant in blocked:
                    continue
                used = state.tenant_busy[tenant]
                share = max((u / o for u, o in zip(used, online, strict=True)), default=0.0)
                share /= weight[tenant]
                if best is None or (share, tenant) < best:
                    best = (share, tenant)
            if best is None:
                return decisions
            tenant = best[1]
            offset = started.get(tenant, 0)
            job = queue.tenant_job_at(tenant, offset)
            if job is None:
                blocked.add(tenant)
                continue
            if held is None:
                allocation = state.place(job, self.placement, now)
            else:
                allocation = self._beside(job, state, now, held)
            if allocation is None:
                blocked.add(tenant)
                if held is None and best[0] < 1.0 / _active_weight(queue, state, weight):
                    held = self._hold(job, state, now)
                continue
            started[tenant] = offset + 1
            decisions.append(Decision(job, allocation))

    @staticmethod
    def _hold(job: int, state: ClusterState, now: float) -> _Reservation | None:
        """The blocked head's reservation: on the allowed type where enough accelerators free
        up first (`ClusterState.capacity_at`); None if none ever does."""
        best: _Reservation | None = None
        need = int(state.jobs.accelerators[job])
        for t in state.allowed_types(job):
            shadow, extra = state.capacity_at(t, now, need)
            if shadow < math.inf and (best is None or shadow < best.shadow_s):
                best = _Reservation(job, t, shadow, extra)
        return best

    def _beside(
        self, job: int, state: ClusterState, now: float, held: _Reservation
    ) -> Allocation | None:
        """Place ``job`` beside the reservation: anywhere if it ends by the shadow time (an
        unknown estimate does not), else off the reserved type unless it fits in the head's
        spare accelerators there (which it then uses up)."""
        accelerators, _, estimate, _ = state.job_columns()
        late = not now + estimate[job] <= held.shadow_s
        types = state.allowed_types(job)
        if late and held.type_index in types and accelerators[job] > held.extra:
            types = tuple(t for t in types if t != held.type_index)
        allocation = state.place(job, self.placement, now, types)
        if allocation is not None and late and allocation.type == held.type_index:
            held.extra -= int(allocation.counts.sum())
        return allocation


def _active_weight(queue: JobQueue, state: ClusterState, weight: list[float]) -> float:
    """The entitlement weights of the tenants waiting or running, summed (DRF's entitlement
    of a tenant is its weight over this)."""
    active = set(queue.tenants_waiting())
    active.update(t for t, used in enumerate(state.tenant_busy) if any(used))
    return sum(weight[t] for t in active)


def _keys(base: IntArray, late_on_reserved: BoolArray, acc: IntArray, extra: int) -> IntArray:
    """Backfill keys: ``base`` (kind x 4 + sharing an accelerator) + 2 if kept off the
    reserved type (ends late and asks for more than the spare)."""
    return base + (late_on_reserved & (acc > extra)) * 2


def _any_hopeful(
    queue: JobQueue,
    kept_off_most: int,
    most: int,
    reserved_everywhere: bool,
    now: float,
    reservation: _Reservation,
) -> bool:
    """Whether a waiting job of whole accelerators could be hopeful: one asking for at most
    ``kept_off_most`` accelerators (what a job kept off the reserved type may get), or for at
    most ``most`` if it may use the reserved type: it ends by the shadow time, asks for no
    more than the head's spare accelerators, or (unless ``reserved_everywhere``) its types
    do not include the reserved one. Judged from the queue's summary: a yes may be wrong, a
    no is not."""
    if queue.any_whole_within(kept_off_most, now, math.inf):
        return True
    if most <= kept_off_most:
        return False
    if not reserved_everywhere:
        return queue.any_whole_within(most, now, math.inf)
    return queue.any_whole_within(most, now, reservation.shadow_s) or queue.any_whole_within(
        min(most, reservation.extra), now, math.inf
    )


def whole_room(state: ClusterState) -> list[int]:
    """Per fleet type, the most whole accelerators one job could be given now
    (`ClusterState.whole_room`)."""
    return state.whole_room()


@dataclass
class _Reservation:
    """EASY's promise to the blocked head job: its type, shadow time and spare accelerators."""

    job: int
    type_index: int
    shadow_s: float
    extra: int


class EasyBackfill:
    """EASY backfilling over arrival order (see the module table)."""

    name = "easy-backfill"

    def __init__(self, placement: GangPlacement, depth: int = BACKFILL_DEPTH) -> None:
        self.placement = placement
        self.depth = depth
        self._reservation: _Reservation | None = None
        self._epoch = -1
        self._fleet_epoch = -1
        self._blocked = (-1, -1)  # (job, freed epoch) of the last job that did not fit in order

    def order_key(self, jobs: JobTable, job: int) -> tuple[float, ...]:
        return _fifo_key(jobs, job)

    def _reserve(self, job: int, state: ClusterState, now: float) -> _Reservation:
        best: _Reservation | None = None
        need = int(state.jobs.accelerators[job])
        for t in state.allowed_types(job):
            shadow, extra = state.capacity_at(t, now, need)
            if best is None or shadow < best.shadow_s:
                best = _Reservation(job, t, shadow, extra)
        return best if best is not None else _Reservation(job, -1, float("inf"), 0)

    def admit(self, queue: JobQueue, state: ClusterState, now: float) -> list[Decision]:
        decisions: list[Decision] = []
        # 1. Start jobs in order while they fit (a job that did not fit last time still does
        # not if no capacity was freed or added since: it is not tried again).
        head_index = 0
        for job in queue:
            if (job, state.freed_epoch) == self._blocked:
                break
            allocation = state.place(job, self.placement, now)
            if allocation is None:
                self._blocked = (job, state.freed_epoch)
                break
            decisions.append(Decision(job, allocation))
            head_index += 1
        if head_index == len(queue):
            queue.recent.clear()
            self._reservation = None
            return decisions
        head = queue.at(head_index)
        # 2. Reserve for the head (kept while the head and the fleet's promises hold).
        reservation = self._reservation
        # With estimates at or above the real run times, ends only come as promised, so the
        # shadow time holds until the head changes, passes, or the fleet itself changes.
        fresh = (
            reservation is None
            or reservation.job != head
            or now >= reservation.shadow_s
            or state.fleet_epoch != self._fleet_epoch
        )
        if fresh:
            reservation = self._reserve(head, state, now)
            self._reservation = reservation
            self._fleet_epoch = state.fleet_epoch
            state.promise_s = reservation.shadow_s
        assert reservation is not None
        # 3. Backfill. Without freed capacity since the last pass only newcomers can start.
        full_pass = fresh or state.freed_epoch != self._epoch
        if full_pass and self._nothing_fits(queue, state, now, reservation):
            queue.recent.clear()
            self._epoch = state.freed_epoch
            return decisions
        if full_pass and min(self.depth, len(queue) - head_index - 1) > PREFILTER_FROM:
            queue.recent.clear()
            chunks = self._queued(queue, head)
            decisions += self._backfill_many(chunks, state, now, reservation, queue)
            self._epoch = state.freed_epoch
            return decisions
        if full_pass:
            candidates = queue.between(head_index + 1, head_index + 1 + self.depth)
        else:
            # Newcomers since the last pass; not those started in order above (a job sent
            # back to the queue sorts before the head and may have started already).
            started = {d.job for d in decisions}
            candidates = [j for j in queue.recent if j in queue and j != head and j not in started]
        queue.recent.clear()
        if len(candidates) > PREFILTER_FROM:
            chunks = self._listed(candidates, state, queue)
            decisions += self._backfill_many(chunks, state, now, reservation, queue)
        else:
            decisions += self._backfill_few(candidates, state, now, reservation)
        self._epoch = state.freed_epoch
        return decisions

    def _nothing_fits(
        self, queue: JobQueue, state: ClusterState, now: float, reservation: _Reservation
    ) -> bool:
        """True if no waiting job can start now, judged from counts alone (what `place` checks
        first): every job of whole accelerators asks for more than any type it could use has
        room for (`whole_room`), and no job sharing an accelerator waits while one is free or
        shared. A job ending after the shadow time can use the reserved type only within the
        head's spare accelerators. In a busy queue this spares most passes that would start
        nothing."""
        if queue.sharing and (state.free_accelerators() > 0 or state.has_shared_room()):
            return False
        room = whole_room(state)
        reserved = reservation.type_index
        other = max((f for t, f in enumerate(room) if t != reserved), default=0)
        on_reserved = room[reserved] if reserved >= 0 else 0
        return not _any_hopeful(queue, other, max(other, on_reserved), True, now, reservation)

    def _types_of(
        self, state: ClusterState, job: int, reserved_type: int
    ) -> tuple[tuple[int, ...], bool]:
        """The job's fleet types, and whether the reserved type is among them."""
        types = state.allowed_types(job)
        return types, reserved_type in types

    def _try(
        self,
        job: int,
        types: tuple[int, ...],
        kept_off: bool,
        late: bool,
        state: ClusterState,
        now: float,
        reservation: _Reservation,
    ) -> Allocation | None:
        """Place one backfill candidate (off the reserved type if ``kept_off``); a start that
        ends after the shadow time on the reserved type uses up the head's spare accelerators."""
        if kept_off:
            types = tuple(t for t in types if t != reservation.type_index)
        allocation = state.place(job, self.placement, now, types)
        if allocation is not None and late and allocation.type == reservation.type_index:
            reservation.extra -= int(allocation.counts.sum())
        return allocation

    def _backfill_few(
        self, candidates: list[int], state: ClusterState, now: float, reservation: _Reservation
    ) -> list[Decision]:
        """Backfill a few candidates one by one (NumPy calls would cost more than they save).

        A candidate that ends by the shadow time may use any allowed type; one that ends later
        may use the reserved type only within the head's spare accelerators (else it is *kept
        off* it). Within a pass free capacity only shrinks, so per (allowed mask, kept off) the
        smallest request that did not fit marks every request as large as hopeless."""
        decisions: list[Decision] = []
        # The per-job columns as Python lists (indexing a list is several times cheaper than a
        # NumPy array), kept by the cluster state (a live service grows them in place).
        accelerators, milli, estimate, allowed = state.job_columns()
        shadow_s = reservation.shadow_s
        types_of: dict[int, tuple[tuple[int, ...], bool]] = {}
        too_big: dict[tuple[int, bool], float] = {}
        free = state.free_accelerators()
        shared_room = state.has_shared_room()
        for job in candidates:
            if free == 0 and not shared_room:
                break
            size = float(accelerators[job]) * float(milli[job])
            late = not now + estimate[job] <= shadow_s  # (an unknown estimate is late)
            mask = allowed[job]
            entry = types_of.get(mask)
            if entry is None:
                entry = types_of[mask] = self._types_of(state, job, reservation.type_index)
            types, has_reserved = entry
            kept_off = late and has_reserved and accelerators[job] > reservation.extra
            key = (mask, kept_off)
            if size >= too_big.get(key, float("inf")):
                continue
            if milli[job] >= WHOLE_MILLI and accelerators[job] > free:
                too_big[key] = size  # more whole accelerators than are free anywhere
                continue
            allocation = self._try(job, types, kept_off, late, state, now, reservation)
            if allocation is None:
                too_big[key] = size
                continue
            decisions.append(Decision(job, allocation))
            free = state.free_accelerators()
            shared_room = state.has_shared_room()
        return decisions

    def _backfill_many(
        self,
        chunks: Iterator[_Chunk],
        state: ClusterState,
        now: float,
        reservation: _Reservation,
        queue: JobQueue,
    ) -> list[Decision]:
        """`_backfill_few`'s decisions, found with a few NumPy steps instead of a Python step
        per candidate. In a busy queue most candidates are hopeless: as large as one of their
        key that already failed (its *mark*), or asking for more whole accelerators than any
        type they may use has room for (`whole_room`; passed over without trying: a later
        candidate of its key it would have marked asks for at least as much, and room only
        shrinks). Each step jumps to the next hopeful candidate and tries only that one.
        The candidates come in ``chunks`` (the first ``BACKFILL_CHUNK`` of them first); the
        pass ends after a chunk if the queue's summary shows that no waiting job can be
        hopeful any more. Kinds are the queue's allowed type masks (``JobQueue.kind_masks``);
        a key is kind x 4 + kept off x 2 + sharing."""
        decisions: list[Decision] = []
        free = state.free_accelerators()
        shared_room = state.has_shared_room()
        reserved = reservation.type_index
        kinds, has_reserved, usable = self._kinds(queue, state, reserved)
        all_reserved, none_reserved = all(has_reserved), not any(has_reserved)
        reserved_by_kind = np.array(has_reserved)
        marks = [UNMARKED] * len(usable)  # per (kind, kept off): smallest request that failed

        def limits() -> IntArray:
            """Per key, requests below it are hopeful: the mark, and for whole jobs the room."""
            room = whole_room(state)
            limit: list[int] = []
            for half, mark in enumerate(marks):
                most = max(map(room.__getitem__, usable[half]), default=0)
                limit += (min(mark, most * WHOLE_MILLI + 1), mark)  # whole; a share of one
            return np.array(limit, np.int64)

        limit = limits()  # kept current below: marks in place, recomputed after a start
        for number in itertools.count():
            if number and self._rest_hopeless(queue, has_reserved, limit, now, reservation):
                break
            chunk = next(chunks, None)
            if chunk is None:
                break
            picked, size, acc, base, estimate = chunk
            late = ~(now + estimate <= reservation.shadow_s)  # (an unknown estimate is late)
            if all_reserved:
                late_on_reserved = late
            elif none_reserved:
                late_on_reserved = np.zeros_like(late)
            else:
                late_on_reserved = late & reserved_by_kind[base >> 2]
            extra = reservation.extra
            key = _keys(base, late_on_reserved, acc, extra)
            position = 0
            while position < len(picked):
                if free == 0 and not shared_room:
                    return decisions
                hopeful = np.flatnonzero(size[position:] < limit[key[position:]])
                if len(hopeful) == 0:
                    break
                i = position + int(hopeful[0])
                position = i + 1
                k = int(key[i])
                half = k >> 1
                job = int(picked[i])
                allocation = self._try(
                    job, kinds[k >> 2], bool(half & 1), bool(late[i]), state, now, reservation
                )
                if allocation is None:
                    marks[half] = int(size[i])
                    limit[2 * half] = min(limit[2 * half], marks[half])
                    limit[2 * half + 1] = marks[half]
                    continue
                decisions.append(Decision(job, allocation))
                free = state.free_accelerators()
                shared_room = state.has_shared_room()
                if reservation.extra != extra:
                    extra = reservation.extra
                    key = _keys(base, late_on_reserved, acc, extra)
                limit = limits()
        return decisions

    def _kinds(
        self, queue: JobQueue, state: ClusterState, reserved: int
    ) -> tuple[list[tuple[int, ...]], list[bool], list[tuple[int, ...]]]:
        """Per kind (the queue's allowed type masks): its fleet types and whether the reserved
        type is among them; per (kind, kept off): the types it may use."""
        kinds = [state.mask_types(mask) for mask in queue.kind_masks]  # cached by the state
        has_reserved = [reserved in types for types in kinds]
        usable: list[tuple[int, ...]] = []
        for types in kinds:
            usable += [types, tuple(t for t in types if t != reserved)]
        return kinds, has_reserved, usable

    @staticmethod
    def _listed(candidates: list[int], state: ClusterState, queue: JobQueue) -> Iterator[_Chunk]:
        """``candidates`` as chunks of `_backfill_many` (gathered from the job table)."""
        table = state.jobs
        kind_of_mask = queue.kind_of_mask
        for begin, stop in ((0, BACKFILL_CHUNK), (BACKFILL_CHUNK, len(candidates))):
            if begin >= stop:
                return
            picked = np.asarray(candidates[begin:stop], np.int64)
            acc = table.accelerators[picked]
            milli = table.gpu_milli[picked]
            masks = table.allowed[picked]
            if masks[0] == masks[-1] and (masks == masks[0]).all():
                kind: IntArray | int = kind_of_mask[int(masks[0])]
            else:
                unique, inverse = np.unique(masks, return_inverse=True)
                kind = np.array([kind_of_mask[m] for m in unique.tolist()], np.int64)[inverse]
            base = kind * 4 + (milli < WHOLE_MILLI)
            yield picked, acc * milli, acc, base, table.estimate_s[picked]

    def _queued(self, queue: JobQueue, head: int) -> Iterator[_Chunk]:
        """The ``depth`` waiting jobs behind ``head`` as chunks of `_backfill_many`: slices of
        the queue's columns (removed rows in them are never hopeful)."""
        columns = queue.columns()
        first = columns.row[head] + 1
        if self.depth < BACKFILL_CHUNK:
            end = columns.stop_after(first, self.depth)
        else:  # no more live rows than the depth
            end = min(first + BACKFILL_CHUNK, columns.n)
        if first < end:
            yield self._rows(columns, first, end)
        stop = columns.stop_after(first, self.depth)  # only if the pass goes on
        if end < stop:
            yield self._rows(columns, end, stop)

    @staticmethod
    def _rows(columns: QueueColumns, begin: int, end: int) -> _Chunk:
        return (
            columns.job[begin:end],
            columns.size[begin:end],
            columns.acc[begin:end],
            columns.base[begin:end],
            columns.estimate[begin:end],
        )

    @staticmethod
    def _rest_hopeless(
        queue: JobQueue,
        has_reserved: list[bool],
        limit: IntArray,
        now: float,
        reservation: _Reservation,
    ) -> bool:
        """No waiting job can be hopeful under these limits (then the pass is over): none
        shares an accelerator and `_any_hopeful` finds no whole request under the limits
        (every waiting job's allowed mask is one of the kinds the limits cover)."""
        if queue.sharing:
            return False
        # per (kind, kept off): whole requests below the limit are hopeful; in accelerators
        most = [(whole - 1) // WHOLE_MILLI for whole in limit.tolist()[0::2]]
        return not _any_hopeful(
            queue, max(most[1::2]), max(most[0::2]), all(has_reserved), now, reservation
        )


register_queue_policy("fifo")(InOrder)
register_queue_policy("priority")(Priority)
register_queue_policy("shortest-first")(ShortestFirst)
register_queue_policy("drf")(DominantResourceFairness)
register_queue_policy("easy-backfill")(EasyBackfill)
