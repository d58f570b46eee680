"""Time-window reservations with backfill: a queue-policy layer over any queue policy.

A reservation holds ``accelerators`` of one type (at one site, or any) for one tenant over the
window ``[start_s, end_s)``. `Reserving` wraps any `QueuePolicy` (fifo, priority, drf, EASY...)
and is itself one; the scheduling engine (`gigawatt.sched.engine`) runs it for the twin and for
the live service alike::

    policy = Reserving(make_queue_policy("easy-backfill"), fleet, reservations)
    policy.add(Reservation(...))        # later, as a tenant asks (refused with the reason)
    policy.cancel(index)                # its window closes at the next pass

How the capacity is held (whole nodes, so a gang can land on it):

1. *Designation.* The first time a reservation is looked at, it is given the nodes it will hold:
   ``ceil(accelerators / node size)`` nodes of its type and site that are online for the whole
   window, preferring nodes no running job will still hold at ``start_s`` (by its estimate),
   then domains with the most such nodes (compact, for the gang). They stay its nodes.
2. *Before the window* any job may use those nodes only if its estimated end is at or before
   ``start_s``; a job that would run past it is placed elsewhere or waits (backfill into the
   gap, never past it).
3. *When the window opens* any job still on those nodes (it ran past its estimate, or started
   before the reservation existed) is stopped and requeued: "preempted by reservation".
4. *Inside the window* the owner's waiting jobs are offered the nodes first, in queue order; a
   job placed there runs *inside* the reservation (all of its nodes are held ones: a gang is
   never split between a reservation and shared capacity). Nobody else uses them; the inner
   policy then runs over the rest of the fleet for every waiting job.
5. *When the window closes* (or the reservation is cancelled) the jobs still running inside are
   stopped and requeued ("reservation ended"), and the nodes are ordinary capacity again.

Stops come back from ``admit`` as `Decision` s with ``stop`` set (the engine rolls the job back
to its checkpoint and queues it again); starts inside a reservation carry its index in
``inside``. A window's edges change what capacity jobs may use as a job's end does: the layer
tells the state (`ClusterState.note_capacity_changed`), so a blocked head is tried again and
promises are redone.

Mechanism: during a pass the free capacity of held nodes is *withheld*
(`ClusterState.withhold`: the state shows it as used) and given back at the end of the pass.
Before a window, a job that ends in time gets a second chance at the withheld nodes through the
state's ``fallback`` (they are shown for one placement call); the state counts the withheld
capacity in its free read-outs while such a second chance exists, so a backfill pass is not
skipped for want of room that an early job could use.

Refusal: a reservation that can never be honoured, because its type (at its site) does not have
enough nodes online throughout its window after the live reservations accepted before it, is
not held and is listed in ``Reserving.refused`` with the reason (never silently dropped).

Reservation states::

    pending --designate--> upcoming (gap backfill) --start_s--> active (held) --end_s--> over
       |                                                          |
       +--> refused (can never be honoured)                       +--cancel--> over

The engine calls ``admit`` when a window opens or closes: ``next_wakeup(now)`` says when.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gigawatt.fleet.topology import Fleet
from gigawatt.sched.cluster import NO_NODE, Allocation, ClusterState, GangPlacement, Withheld
from gigawatt.sched.jobs import JobTable
from gigawatt.sched.queue import Decision, JobQueue, QueuePolicy

IntArray = NDArray[np.int64]

#: How many of the owner's waiting jobs are offered its held nodes per pass.
OWNER_DEPTH = 500


@dataclass(frozen=True)
class Reservation:
    """``accelerators`` of fleet type ``type_index`` held for tenant ``tenant`` (index into the
    job table's tenants) over ``[start_s, end_s)`` seconds from the run's start, at fleet site
    ``site`` (index; -1: any site)."""

    tenant: int
    accelerators: int
    type_index: int
    start_s: float
    end_s: float
    site: int = -1
    name: str = ""

    def __post_init__(self) -> None:
        if self.accelerators < 1:
            raise ValueError(f"reservation {self.name!r}: needs at least one accelerator")
        if not self.end_s > self.start_s:
            raise ValueError(f"reservation {self.name!r}: window must end after it starts")


@dataclass(frozen=True)
class Refusal:
    """A reservation that is not held, and why."""

    reservation: Reservation
    reason: str


def _scope(fleet: Fleet, r: Reservation) -> NDArray[np.bool_]:
    """Nodes of the reservation's type and site online throughout its window."""
    mask = (
        (fleet.node_type == r.type_index)
        & (fleet.node_online_s <= r.start_s)
        & (fleet.node_offline_s >= r.end_s)
    )
    if r.site >= 0:
        mask &= fleet.node_site == r.site
    return np.asarray(mask, bool)


def _node_size(fleet: Fleet, type_index: int) -> int:
    sizes = fleet.node_accelerators[fleet.node_type == type_index]
    return int(sizes[0]) if len(sizes) else 0


def nodes_needed(fleet: Fleet, r: Reservation) -> int:
    """Whole nodes the reservation holds: ``ceil(accelerators / accelerators per node)``."""
    size = _node_size(fleet, r.type_index)
    return math.ceil(r.accelerators / size) if size else 0


def _overlap(a: Reservation, b: Reservation) -> bool:
    return (
        a.type_index == b.type_index
        and a.start_s < b.end_s
        and b.start_s < a.end_s
        and (a.site < 0 or b.site < 0 or a.site == b.site)
    )


def refusal_reason(fleet: Fleet, r: Reservation, accepted: Sequence[Reservation]) -> str | None:
    """Why ``r`` can never be honoured beside the ``accepted`` reservations (None: it can): it
    needs ``nodes_needed`` nodes of its scope online throughout its window, beyond the nodes of
    overlapping accepted ones (counts, conservatively: two overlapping reservations whose
    scopes intersect are assumed to compete for the same nodes)."""
    if not 0 <= r.type_index < len(fleet.types):
        return f"no accelerator type {r.type_index} in the fleet"
    where = fleet.sites[r.site] if r.site >= 0 else "any site"
    online = int(_scope(fleet, r).sum())
    competing = sum(nodes_needed(fleet, o) for o in accepted if _overlap(o, r))
    need = nodes_needed(fleet, r)
    if need > online - competing:
        return (
            f"{r.accelerators:,} {fleet.types[r.type_index]} at {where} need {need:,} nodes "
            f"online throughout the window; {online:,} are, {competing:,} of them held by "
            f"earlier reservations"
        )
    return None


def accept_reservations(
    fleet: Fleet, reservations: Sequence[Reservation]
) -> tuple[list[Reservation], list[Refusal]]:
    """Split reservations into those that can be honoured and refusals, first come first
    served (`refusal_reason` against those accepted before)."""
    accepted: list[Reservation] = []
    refused: list[Refusal] = []
    for r in reservations:
        reason = refusal_reason(fleet, r, accepted)
        if reason is None:
            accepted.append(r)
        else:
            refused.append(Refusal(r, reason))
    return accepted, refused


class _OnlyNodes:
    """A placement that picks from a fixed node set only (the caller checked that it fits)."""

    name = "reserved"

    def __init__(self, nodes: IntArray) -> None:
        self.nodes = nodes

    def small(self, state: ClusterState, type_index: int, accelerators: int) -> int:
        free = state.node_free[self.nodes]
        fits = np.flatnonzero(free >= accelerators)
        if len(fits) == 0:
            return NO_NODE
        return int(self.nodes[fits[np.argmin(free[fits])]])  # tightest fit

    def full_nodes(self, state: ClusterState, type_index: int, count: int) -> IntArray:
        whole = self.nodes[state.node_free[self.nodes] == state.node_size[self.nodes]]
        return np.asarray(whole[:count], np.int64)


def _fits_in(free: IntArray, accelerators: int, size: int) -> bool:
    """True if a whole-accelerator job of ``accelerators`` fits on nodes with ``free``
    accelerators free the way `ClusterState.place` lays it out (whole nodes plus one node
    with the rest)."""
    if accelerators <= size:
        return bool((free >= accelerators).any())
    full, rest = divmod(accelerators, size)
    whole = int((free == size).sum())
    if rest == 0:
        return whole >= full
    partial = bool(((free >= rest) & (free < size)).any())
    return whole >= full + (0 if partial else 1)


@dataclass
class _Held:
    """A reservation's designated nodes; during a pass what is withheld on them."""

    index: int
    reservation: Reservation
    nodes: IntArray
    withheld: Withheld | None = None


class Reserving:
    """Any queue policy, with time-window reservations honoured (see the module doc)."""

    def __init__(
        self, inner: QueuePolicy, fleet: Fleet, reservations: Sequence[Reservation] = ()
    ) -> None:
        self.inner = inner
        self.fleet = fleet
        self.name = f"{inner.name}+reservations"
        self.placement = getattr(inner, "placement", None)
        #: Every reservation added, by index (accepted or not).
        self.reservations: list[Reservation] = []
        self.refused: list[Refusal] = []
        self._accepted: dict[int, None] = {}  # indices, in order of acceptance
        self._cancelled: dict[int, None] = {}
        self._held: dict[int, _Held] = {}  # index -> its designated nodes
        self._open: dict[int, None] = {}  # windows opened and not yet closed
        self._longest_s: float | None = None  # longest estimate of any job (first pass)
        self._queue_longest_s: float | None = None  # longest estimate waiting (per pass)
        self._upcoming: list[_Held] = []  # withheld this pass, shown to jobs that end in time
        #: Windows opened or closed since the engine last took them: (kind, index).
        self.window_events: list[tuple[str, int]] = []
        self._state: ClusterState | None = None  # the state of the pass under way
        self._longest_of = (0, -1)  # (table, jobs) ``_longest_s`` was taken from
        for r in reservations:
            self.add(r)

    @property
    def accepted(self) -> list[Reservation]:
        """The reservations held (or to be held), in order of acceptance."""
        return [self.reservations[i] for i in self._accepted]

    def index_of(self, reservation: Reservation) -> int:
        return self.reservations.index(reservation)

    def add(
        self, reservation: Reservation, nodes: IntArray | None = None, opened: bool = False
    ) -> int | Refusal:
        """Accept ``reservation`` (its index) or refuse it (the `Refusal`, also kept in
        ``refused``). ``nodes``: the nodes it holds (a restart restores a designation made
        before); None: designated when first looked at. ``opened``: its window opened before
        (a restart restores it: the jobs on its nodes run inside it)."""
        live = [
            self.reservations[i]
            for i in self._accepted
            if i not in self._cancelled and self.reservations[i].end_s > reservation.start_s
        ]
        index = len(self.reservations)
        self.reservations.append(reservation)
        reason = refusal_reason(self.fleet, reservation, live)
        if reason is not None:
            refusal = Refusal(reservation, reason)
            self.refused.append(refusal)
            return refusal
        self._accepted[index] = None
        if nodes is not None:
            self._held[index] = _Held(index, reservation, np.sort(np.asarray(nodes, np.int64)))
        if opened:
            self._open[index] = None
        return index

    def cancel(self, index: int) -> None:
        """The reservation ends now: its window closes at the next pass (its jobs inside are
        stopped then), and it no longer counts against new ones."""
        if index not in self._accepted:
            raise ValueError(f"reservation {index} is not held")
        self._cancelled[index] = None

    def nodes_of(self, index: int, state: ClusterState) -> IntArray:
        """The reservation's designated nodes (designated now if not yet)."""
        held = self._held.get(index)
        if held is None:
            held = self._designate(index, state)
        return held.nodes

    def order_key(self, jobs: JobTable, job: int) -> tuple[float, ...]:
        return self.inner.order_key(jobs, job)

    def next_wakeup(self, now: float) -> float | None:
        """The next window start or end after ``now`` (the engine admits then), or the inner
        policy's own wake-up if earlier; None if neither."""
        wake = getattr(self.inner, "next_wakeup", None)
        inner: float | None = wake(now) if wake is not None else None
        times = [
            t
            for i in self._accepted
            if i not in self._cancelled
            for t in (self.reservations[i].start_s, self.reservations[i].end_s)
            if t > now
        ]
        if not times:
            return inner
        edge = min(times)
        return edge if inner is None else min(edge, inner)

    def held_nodes(self, now: float) -> dict[int, IntArray]:
        """Nodes held at ``now`` by each active reservation (by index)."""
        return {
            i: h.nodes
            for i, h in self._held.items()
            if i not in self._cancelled and h.reservation.start_s <= now < h.reservation.end_s
        }

    def withhold_live(self, state: ClusterState, now: float) -> list[Withheld]:
        """Withhold the free capacity of every reservation whose window is open or still to
        come at ``now`` (designated now if not yet), for a placement made outside a pass (a
        quota layer's reclaim must not land on held nodes). The caller gives it back
        (`ClusterState.give_back`) before it releases anything."""
        withheld: list[Withheld] = []
        for i in self._accepted:
            r = self.reservations[i]
            if i in self._cancelled or now >= r.end_s:
                continue
            nodes = self.nodes_of(i, state)
            withheld.append(state.withhold(r.type_index, nodes))
        return withheld

    def _designate(self, index: int, state: ClusterState) -> _Held:
        r = self.reservations[index]
        fleet = state.fleet
        scope = _scope(fleet, r)
        elsewhere = np.zeros(fleet.node_count, bool)  # held by a reservation at another time
        for other in self._held.values():
            if other.index in self._cancelled:
                continue
            if _overlap(other.reservation, r):
                scope[other.nodes] = False
            else:
                elsewhere[other.nodes] = True
        # Nodes a running job will still hold at the window's start (by its estimate).
        busy_at_start = np.zeros(fleet.node_count, bool)
        for end, job in state.running_ends[r.type_index]:
            if end > r.start_s:
                busy_at_start[state.allocations[job].nodes] = True
        candidates = np.flatnonzero(scope)
        clean = ~busy_at_start[candidates]
        domain = fleet.node_domain[candidates]
        clean_per_domain = np.bincount(domain, weights=clean, minlength=fleet.domain_count)
        order = np.lexsort((candidates, -clean_per_domain[domain], elsewhere[candidates], ~clean))
        nodes = np.sort(candidates[order[: nodes_needed(fleet, r)]])
        held = _Held(index, r, np.asarray(nodes, np.int64))
        self._held[index] = held
        return held

    # The pass -------------------------------------------------------------------------------

    def admit(self, queue: JobQueue, state: ClusterState, now: float) -> list[Decision]:
        if not self._accepted:
            return self.inner.admit(queue, state, now)
        decisions = self._close(state, now) if self._open else []
        live = [
            i
            for i in self._accepted
            if now < self.reservations[i].end_s and i not in self._cancelled
        ]
        if not live:
            return decisions + self.inner.admit(queue, state, now)
        for i in live:
            if i not in self._held:
                self._designate(i, state)
        live_held = [self._held[i] for i in live]
        active = [h for h in live_held if h.reservation.start_s <= now]
        decisions += self._open_windows(active, state, now)
        decisions += self._start_owners(queue, state, now, active)
        self._queue_longest_s = None
        hiding = [h for h in live_held if self._needs_hiding(h, queue, state, now)]
        for held in hiding:
            held.withheld = state.withhold(held.reservation.type_index, held.nodes)
        self._upcoming = [h for h in hiding if now < h.reservation.start_s]
        self._state = state
        if self._upcoming:
            state.set_fallback(
                self._gap, [h.withheld for h in self._upcoming if h.withheld is not None]
            )
        try:
            decisions += self.inner.admit(queue, state, now)
        finally:
            state.set_fallback(None)
            self._upcoming = []
            for held in hiding:
                if held.withheld is not None:
                    state.give_back(held.withheld)
                    held.withheld = None
        return decisions

    def _close(self, state: ClusterState, now: float) -> list[Decision]:
        """Windows that ended (or were cancelled): stop the jobs still inside."""
        decisions: list[Decision] = []
        for index in list(self._open):
            r = self.reservations[index]
            cancelled = index in self._cancelled
            if now < r.end_s and not cancelled:
                continue
            del self._open[index]
            why = "cancelled" if cancelled else "ended"
            reason = f"reservation {r.name or index} {why}"
            for allocation in state.running_on(self._held[index].nodes):
                state.release(allocation.job, now)
                decisions.append(Decision(allocation.job, allocation, stop=reason))
            state.note_capacity_changed()
            self.window_events.append(("window-closed", index))
        return decisions

    def _open_windows(self, active: list[_Held], state: ClusterState, now: float) -> list[Decision]:
        """Windows that open now: every job on their nodes is stopped (it would run past the
        start, or it started before the reservation was made)."""
        decisions: list[Decision] = []
        for held in active:
            if held.index in self._open:
                continue
            self._open[held.index] = None
            r = held.reservation
            reason = f"preempted by reservation {r.name or held.index}"
            for allocation in state.running_on(held.nodes):
                state.release(allocation.job, now)
                decisions.append(Decision(allocation.job, allocation, stop=reason))
            state.note_capacity_changed()
            self.window_events.append(("window-opened", held.index))
        return decisions

    def _start_owners(
        self, queue: JobQueue, state: ClusterState, now: float, active: list[_Held]
    ) -> list[Decision]:
        """Offer each active reservation's nodes to its tenant's waiting jobs, in queue order;
        the jobs started leave the queue (the inner pass must not see them)."""
        decisions: list[Decision] = []
        jobs = state.jobs
        for held in active:
            r = held.reservation
            if queue.tenant_head(r.tenant) is None:
                continue  # its tenant waits for nothing
            free = state.node_free[held.nodes]  # offline nodes count 0 free
            room = int(free.sum())
            if room == 0:
                continue
            size = int(state.type_node_size[r.type_index])
            only = _OnlyNodes(held.nodes[state.node_up[held.nodes]])
            for job in queue.tenant_jobs(r.tenant)[:OWNER_DEPTH]:
                need = int(jobs.accelerators[job])
                if need > room or r.type_index not in state.allowed_types(job):
                    continue
                # Share jobs go through the inner pass (on shared capacity).
                if int(jobs.gpu_milli[job]) < 1000:
                    continue
                if not _fits_in(free, need, size):
                    continue
                allocation = state.place(job, only, now, (r.type_index,))
                if allocation is not None:
                    queue.remove(job)
                    decisions.append(Decision(job, allocation, inside=held.index))
                    free = state.node_free[held.nodes]
                    room = int(free.sum())
                    if room == 0:
                        break
        return decisions

    def _gap(
        self, job: int, placement: GangPlacement, now: float, types: Sequence[int] | None
    ) -> Allocation | None:
        """The state's second chance for a job that fits nowhere else: the withheld nodes of
        upcoming reservations it would leave before they start (by its estimate)."""
        state = self._state
        assert state is not None
        ends = now + float(state.jobs.estimate_s[job])
        allowed = state.allowed_types(job) if types is None else types
        opened = [
            h
            for h in self._upcoming
            if h.withheld is not None
            and h.reservation.type_index in allowed
            and ends <= h.reservation.start_s
        ]
        if not opened:
            return None
        for held in opened:
            assert held.withheld is not None
            state.give_back(held.withheld)
            held.withheld = None
        state.set_fallback(None)  # one second chance, not a loop
        try:
            return state.place(job, placement, now, types)
        finally:
            for held in opened:
                held.withheld = state.withhold(held.reservation.type_index, held.nodes)
            withheld = [h.withheld for h in self._upcoming if h.withheld is not None]
            state.set_fallback(self._gap, withheld)

    def _needs_hiding(self, held: _Held, queue: JobQueue, state: ClusterState, now: float) -> bool:
        """False when no waiting job could take what ``held`` guards this pass: nothing on
        its nodes is free, or (before the window) every waiting job would end by its start."""
        r = held.reservation
        if now < r.start_s:
            jobs = state.jobs
            if self._longest_of != (id(jobs), jobs.count):  # (a live service's table grows)
                self._longest_s = float(jobs.estimate_s[: jobs.count].max(initial=0.0))
                self._longest_of = (id(jobs), jobs.count)
            assert self._longest_s is not None
            if now + self._longest_s <= r.start_s:
                return False  # no job of the whole table runs that long
        # Offline nodes count 0 free.
        if not (state.node_free[held.nodes] > 0).any() and not state.shared_nodes[r.type_index]:
            return False
        if now >= r.start_s:
            return True
        if self._queue_longest_s is None:
            waiting = np.fromiter(queue, np.int64, len(queue))
            self._queue_longest_s = float(state.jobs.estimate_s[waiting].max(initial=0.0))
        return now + self._queue_longest_s > r.start_s
