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
| ``drf`` | per tenant arrival | repeatedly the head job of the tenant with the lowest dominant share divided by its entitlement (Ghodsi et al., NSDI'11); a tenant whose head does not fit waits |
| ``easy-backfill`` | arrival | in order; when the head does not fit it gets a reservation at the earliest time enough accelerators free up (the *shadow* time), and later jobs start if they fit now and either end by then or use only accelerators the head will not need (Lifka 1995; Mu'alem & Feitelson, IEEE TPDS 2001) |
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from gigawatt.fleet.nodes import IntArray
from gigawatt.sched.cluster import Allocation, ClusterState, GangPlacement, make_placement
from gigawatt.sched.jobs import WHOLE_MILLI, BoolArray, JobTable

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
    """Start ``job`` now with ``allocation`` (already committed to the state)."""

    job: int
    allocation: Allocation
    #: A migration: the job was running on ``moved`` and now runs on ``allocation`` (the policy
    #: released the old one and committed the new one); the job is not in the queue.
    moved: Allocation | None = None


OrderKey = Callable[[JobTable, int], tuple[float, ...]]


class JobQueue:
    """Waiting jobs in a policy's order, and per tenant; remembers which jobs are new since
    the policy last looked (``recent``), so a pass after a mere arrival can be incremental."""

    def __init__(self, jobs: JobTable, key: OrderKey) -> None:
        self.jobs = jobs
        self._key = key
        self._items: list[tuple[tuple[float, ...], int]] = []
        self._order: list[int] = []  # the jobs of ``_items``, same order
        self._by_tenant: dict[int, list[tuple[tuple[float, ...], int]]] = {}
        self._keys: dict[int, tuple[float, ...]] = {}
        self.recent: list[int] = []
        # What a backfill pass can rule out without looking at the jobs one by one: per whole
        # accelerator count, the waiting jobs' estimated run times (sorted); and how many
        # jobs share accelerators.
        self._whole: dict[int, list[float]] = {}
        self._whole_sizes: list[int] = []  # keys of ``_whole``, sorted
        self._sharing = 0
        self._entry: dict[int, tuple[int, float]] = {}  # job -> (size or -1 if sharing, estimate)
        self._masks: dict[int, int] = {}  # allowed type mask -> waiting jobs with it

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[int]:
        return iter(self._order)

    def __contains__(self, job: object) -> bool:
        return job in self._keys

    def push(self, job: int) -> None:
        jobs = self.jobs
        key = self._key(jobs, job)
        self._keys[job] = key
        at = bisect.bisect_right(self._items, (key, job))
        self._items.insert(at, (key, job))
        self._order.insert(at, job)
        bisect.insort(self._by_tenant.setdefault(int(jobs.tenant[job]), []), (key, job))
        self.recent.append(job)
        mask = int(jobs.allowed[job])
        self._masks[mask] = self._masks.get(mask, 0) + 1
        if jobs.gpu_milli[job] < WHOLE_MILLI:
            self._sharing += 1
            self._entry[job] = (-1, 0.0)
        else:
            size, estimate = int(jobs.accelerators[job]), float(jobs.estimate_s[job])
            if math.isnan(estimate):
                estimate = math.inf  # never counted on to end in time (as EASY's pass)
            self._entry[job] = (size, estimate)
            estimates = self._whole.get(size)
            if estimates is None:
                estimates = self._whole[size] = []
                bisect.insort(self._whole_sizes, size)
            bisect.insort(estimates, estimate)

    def remove(self, job: int) -> None:
        jobs = self.jobs
        entry = (self._keys.pop(job), job)
        at = bisect.bisect_left(self._items, entry)
        del self._items[at]
        del self._order[at]
        of_tenant = self._by_tenant[int(jobs.tenant[job])]
        del of_tenant[bisect.bisect_left(of_tenant, entry)]
        mask = int(jobs.allowed[job])
        if self._masks[mask] == 1:
            del self._masks[mask]
        else:
            self._masks[mask] -= 1
        size, estimate = self._entry.pop(job)
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

    def masks_within(self, masks: Container[int]) -> bool:
        """Whether every waiting job's allowed type mask is in ``masks``."""
        return all(mask in masks for mask in self._masks)

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
        return items[0][1] if items else None

    def tenant_jobs(self, tenant: int) -> list[int]:
        """The tenant's waiting jobs, in queue order."""
        return [job for _, job in self._by_tenant.get(tenant, [])]

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
    largest share of any type's online accelerators, divided by its entitlement weight."""

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
            items = queue._by_tenant[tenant]
            if offset >= len(items):
                blocked.add(tenant)
                continue
            job = items[offset][1]
            allocation = state.place(job, self.placement, now)
            if allocation is None:
                blocked.add(tenant)
                continue
            started[tenant] = offset + 1
            decisions.append(Decision(job, allocation))


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
    """Per fleet type, the most whole accelerators one job could be given now, from counts
    alone: no more than are free, and fewer than (wholly free nodes + 1) x node size (a job
    of n accelerators needs n // node size wholly free nodes)."""
    return [
        min(free, (full + 1) * size - 1)
        for free, full, size in zip(
            state.type_free, state.type_full, state._type_node_size, strict=True
        )
    ]


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
        if full_pass:
            candidates = queue.between(head_index + 1, head_index + 1 + self.depth)
        else:
            candidates = [j for j in queue.recent if j in queue and j != head]
        queue.recent.clear()
        if len(candidates) > PREFILTER_FROM:
            decisions += self._backfill_many(candidates, state, now, reservation, queue)
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
        candidates: list[int],
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
        The first ``BACKFILL_CHUNK`` candidates are looked at first; the pass ends there if
        the queue's summary shows that no waiting job can be hopeful any more."""
        decisions: list[Decision] = []
        free = state.free_accelerators()
        shared_room = state.has_shared_room()
        table = state.jobs
        reserved = reservation.type_index
        # Kinds of candidates: one per allowed mask; key = kind x kept off x sharing.
        kind_of_mask: dict[int, int] = {}
        kinds: list[tuple[int, ...]] = []  # fleet types per kind
        has_reserved: list[bool] = []
        marks: list[int] = []  # per (kind, kept off): smallest request that did not fit
        usable: list[tuple[int, ...]] = []  # per (kind, kept off): the types it may use
        unmarked = np.iinfo(np.int64).max

        def limits() -> IntArray:
            """Per key, requests below it are hopeful: the mark, and for whole jobs the room."""
            room = whole_room(state)
            limit: list[int] = []
            for half, mark in enumerate(marks):
                most = max([room[t] for t in usable[half]], default=0)
                limit += (min(mark, most * WHOLE_MILLI + 1), mark)  # whole; a share of one
            return np.array(limit, np.int64)

        extra = reservation.extra
        for chunk_start, chunk_stop in ((0, BACKFILL_CHUNK), (BACKFILL_CHUNK, len(candidates))):
            if chunk_start >= chunk_stop:
                break
            if chunk_start and self._rest_hopeless(
                queue, kind_of_mask, has_reserved, limits(), now, reservation
            ):
                break
            picked = np.asarray(candidates[chunk_start:chunk_stop], np.int64)
            acc = table.accelerators[picked]
            milli = table.gpu_milli[picked]
            sharing = milli < WHOLE_MILLI
            size = acc * milli
            late = ~(now + table.estimate_s[picked] <= reservation.shadow_s)
            masks = table.allowed[picked]
            if masks[0] == masks[-1] and (masks == masks[0]).all():
                kinds_here, firsts = [int(masks[0])], [int(picked[0])]
            else:
                unique, first, kind_at = np.unique(masks, return_index=True, return_inverse=True)
                kinds_here, firsts = unique.tolist(), picked[first].tolist()
            for mask, job in zip(kinds_here, firsts, strict=True):
                if mask not in kind_of_mask:
                    kind_of_mask[mask] = len(kinds)
                    types, on_reserved = self._types_of(state, job, reserved)
                    kinds.append(types)
                    has_reserved.append(on_reserved)
                    marks += [unmarked, unmarked]
                    usable += [types, tuple(t for t in types if t != reserved)]
            if len(kinds_here) == 1:
                only = kind_of_mask[kinds_here[0]]
                base = sharing + only * 4
                late_on_reserved = late if has_reserved[only] else np.zeros_like(late)
            else:
                kind = np.array([kind_of_mask[m] for m in kinds_here], np.int64)[kind_at]
                base = kind * 4 + sharing
                late_on_reserved = late & np.array(has_reserved)[kind]
            key = _keys(base, late_on_reserved, acc, reservation.extra)
            limit = limits()
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

    @staticmethod
    def _rest_hopeless(
        queue: JobQueue,
        kind_of_mask: dict[int, int],
        has_reserved: list[bool],
        limit: IntArray,
        now: float,
        reservation: _Reservation,
    ) -> bool:
        """No waiting job can be hopeful under these limits (then the pass is over): none
        shares an accelerator, every waiting job's allowed mask is a kind already seen, and
        `_any_hopeful` finds no whole request under the limits."""
        if queue.sharing or not queue.masks_within(kind_of_mask):
            return False
        whole = limit[0::2]  # per (kind, kept off): requests below are hopeful
        most = (whole - 1) // WHOLE_MILLI  # ... in accelerators
        return not _any_hopeful(
            queue, int(most[1::2].max()), int(most[0::2].max()), all(has_reserved), now, reservation
        )


register_queue_policy("fifo")(InOrder)
register_queue_policy("priority")(Priority)
register_queue_policy("shortest-first")(ShortestFirst)
register_queue_policy("drf")(DominantResourceFairness)
register_queue_policy("easy-backfill")(EasyBackfill)
