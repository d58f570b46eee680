"""Time-window reservations with backfill: a queue-policy layer over any queue policy.

A reservation holds ``accelerators`` of one type (at one site, or any) for one tenant over the
window ``[start_s, end_s)``. `Reserving` wraps any `QueuePolicy` (fifo, priority, drf, EASY...)
and is itself one, so the simulator and a live service use the same object::

    policy = Reserving(make_queue_policy("easy-backfill"), reservations, fleet)

How the capacity is held (whole nodes, so a gang can land on it):

1. *Designation.* The first time a reservation is looked at, it is given the nodes it will hold:
   ``ceil(accelerators / node size)`` nodes of its type and site that are online for the whole
   window, preferring nodes no running job will still hold at ``start_s`` (by its estimate),
   then domains with the most such nodes (compact, for the gang). They stay its nodes.
2. *Before the window* any job may use those nodes only if its estimated end is at or before
   ``start_s``; a job that would run past it is placed elsewhere or waits (backfill into the
   gap, never past it).
3. *Inside the window* other tenants' jobs never use the nodes. The tenant's own waiting jobs are
   offered them first (in queue order, whatever the inner policy's order would block on), then
   the inner policy runs as usual with the tenant's jobs seeing their own nodes plus the rest.
4. *After the window* the nodes are ordinary capacity again.

Mechanism: during a pass the free capacity of held nodes is *hidden* (the state shows those
nodes as used) and shown again, for one placement call, to the jobs allowed on them; at the end
of the pass everything hidden is restored, so the state the caller sees is the real one.

Refusal: a reservation that can never be honoured, because its type (at its site) does not have
enough nodes online throughout its window after the reservations accepted before it, is not
held and is listed in ``Reserving.refused`` with the reason (never silently dropped).

Reservation states::

    pending --designate--> upcoming (gap backfill) --start_s--> active (held) --end_s--> over
       |
       +--> refused (can never be honoured)

The engine should call ``admit`` when a window opens or closes: ``next_wakeup(now)`` says when.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gigawatt.fleet.topology import Fleet
from gigawatt.sched.cluster import NO_NODE, Allocation, ClusterState, GangPlacement
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


def accept_reservations(
    fleet: Fleet, reservations: Sequence[Reservation]
) -> tuple[list[Reservation], list[Refusal]]:
    """Split reservations into those that can be honoured and refusals, first come first
    served: each needs ``nodes_needed`` nodes of its scope online throughout its window, beyond
    the nodes of overlapping reservations accepted before it (counts, conservatively: two
    overlapping reservations whose scopes intersect are assumed to compete for the same nodes)."""
    accepted: list[Reservation] = []
    refused: list[Refusal] = []
    for r in reservations:
        if not 0 <= r.type_index < len(fleet.types):
            refused.append(Refusal(r, f"no accelerator type {r.type_index} in the fleet"))
            continue
        where = fleet.sites[r.site] if r.site >= 0 else "any site"
        online = int(_scope(fleet, r).sum())
        competing = sum(nodes_needed(fleet, o) for o in accepted if _overlap(o, r))
        need = nodes_needed(fleet, r)
        if need > online - competing:
            refused.append(
                Refusal(
                    r,
                    f"{r.accelerators:,} {fleet.types[r.type_index]} at {where} need "
                    f"{need:,} nodes online throughout the window; {online:,} are, "
                    f"{competing:,} of them held by earlier reservations",
                )
            )
            continue
        accepted.append(r)
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


def _fits_in(state: ClusterState, nodes: IntArray, accelerators: int, size: int) -> bool:
    """True if a whole-accelerator job of ``accelerators`` fits on ``nodes`` the way
    `ClusterState.place` lays it out (whole nodes plus one node with the rest)."""
    free = state.node_free[nodes]
    if accelerators <= size:
        return bool((free >= accelerators).any())
    full, rest = divmod(accelerators, size)
    whole = int((free == size).sum())
    if rest == 0:
        return whole >= full
    partial = bool(((free >= rest) & (free < size)).any())
    return whole >= full + (0 if partial else 1)


_NONE = np.zeros(0, np.int64)


@dataclass
class _Held:
    """A reservation's nodes and, during a pass, what is hidden on them: wholly free nodes,
    partly free nodes with their free counts, and nodes with shared accelerators."""

    reservation: Reservation
    nodes: IntArray
    node_set: frozenset[int] = frozenset()
    whole: IntArray = field(default_factory=lambda: _NONE)
    partial: IntArray = field(default_factory=lambda: _NONE)
    partial_free: IntArray = field(default_factory=lambda: _NONE)
    shared: list[int] = field(default_factory=list)

    def hidden_free(self, size: int) -> int:
        return len(self.whole) * size + int(self.partial_free.sum())


def _hide(state: ClusterState, held: _Held) -> None:
    """Show the held nodes' free capacity as used (remembered on ``held``), vectorized."""
    t = held.reservation.type_index
    size = int(state.type_node_size[t])
    nodes = held.nodes
    free = np.where(state.node_up[nodes], state.node_free[nodes], 0)
    held.whole = nodes[free == size]
    if len(held.whole):
        state._take_full(t, held.whole)
    some = (free > 0) & (free < size)
    held.partial = nodes[some]
    held.partial_free = free[some]
    for node in held.partial.tolist():
        state._set_free(node, 0)
    shared = state.shared_nodes[t]
    held.shared = [n for n in shared if n in held.node_set] if shared else []
    for node in held.shared:
        del shared[node]


def _show(state: ClusterState, held: _Held) -> None:
    """Undo `_hide`."""
    t = held.reservation.type_index
    if len(held.whole):
        state._give_full(t, held.whole)
    for node, free in zip(held.partial.tolist(), held.partial_free.tolist(), strict=True):
        state._set_free(node, free)
    state.shared_nodes[t].update(dict.fromkeys(held.shared))
    held.whole = held.partial = held.partial_free = _NONE
    held.shared = []


class _ReservedView(ClusterState):
    """The state as the inner policy sees it during a pass: the same data (it shares the real
    state's attributes), with ``place`` showing held nodes only to the jobs allowed on them."""

    # Slots, not attributes: the shared ``__dict__`` is the real state's.
    __slots__ = ("_hidden", "_hidden_free", "_layer")

    def __init__(
        self, state: ClusterState, layer: Reserving, hidden_free: int, hidden: frozenset[int]
    ) -> None:
        # Deliberately no ClusterState.__init__: a view over the state's own attributes.
        self.__dict__ = state.__dict__
        self._layer = layer
        self._hidden_free = hidden_free
        self._hidden = hidden  # ids of the _Held hidden this pass

    def free_accelerators(self) -> int:
        """Free accelerators including held ones (a job that ends in time may still use them)."""
        return ClusterState.free_accelerators(self) + self._hidden_free

    def place(
        self,
        job: int,
        placement: GangPlacement,
        now: float,
        types: Sequence[int] | None = None,
    ) -> Allocation | None:
        layer = self._layer
        already = layer._started.get(job)
        if already is not None:  # started on its reservation earlier in this pass
            return already
        # Ordinary capacity first: held nodes stay clean unless they are needed.
        allocation = ClusterState.place(self, job, placement, now, types)
        if allocation is not None:
            return allocation
        opened = [h for h in layer._shown_to(job, self, now) if id(h) in self._hidden]
        if not opened:
            return None
        for held in opened:
            _show(self, held)
        try:
            return ClusterState.place(self, job, placement, now, types)
        finally:
            for held in opened:
                _hide(self, held)


class Reserving:
    """Any queue policy, with time-window reservations honoured (see the module doc)."""

    def __init__(
        self, inner: QueuePolicy, reservations: Sequence[Reservation], fleet: Fleet
    ) -> None:
        self.inner = inner
        self.name = f"{inner.name}+reservations"
        self.placement = getattr(inner, "placement", None)
        self.accepted, self.refused = accept_reservations(fleet, reservations)
        self._held: dict[int, _Held] = {}  # index into accepted -> its nodes
        self._started: dict[int, Allocation] = {}
        self._times = sorted({t for r in self.accepted for t in (r.start_s, r.end_s)})
        self._longest_s: float | None = None  # longest estimate of any job (first pass)
        self._queue_longest_s: float | None = None  # longest estimate waiting (per pass)

    def order_key(self, jobs: JobTable, job: int) -> tuple[float, ...]:
        return self.inner.order_key(jobs, job)

    def next_wakeup(self, now: float) -> float | None:
        """The next window start or end after ``now`` (the engine admits then), or the inner
        policy's own wake-up if earlier; None if neither."""
        wake = getattr(self.inner, "next_wakeup", None)
        inner: float | None = wake(now) if wake is not None else None
        for t in self._times:
            if t > now:
                return t if inner is None else min(t, inner)
        return inner

    def held_nodes(self, now: float) -> dict[int, IntArray]:
        """Nodes held at ``now`` by each active reservation (index into ``accepted``)."""
        return {
            i: h.nodes
            for i, h in self._held.items()
            if h.reservation.start_s <= now < h.reservation.end_s
        }

    def _designate(self, index: int, state: ClusterState) -> _Held:
        r = self.accepted[index]
        fleet = state.fleet
        scope = _scope(fleet, r)
        elsewhere = np.zeros(fleet.node_count, bool)  # held by a reservation at another time
        for other in self._held.values():
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
        held = _Held(r, np.asarray(nodes, np.int64), frozenset(nodes.tolist()))
        self._held[index] = held
        return held

    def _shown_to(self, job: int, state: ClusterState, now: float) -> list[_Held]:
        """Held nodes ``job`` may use if placed now: its tenant's active reservations, and
        upcoming ones it would leave before they start (by its estimate)."""
        jobs = state.jobs
        tenant = int(jobs.tenant[job])
        ends = now + float(jobs.estimate_s[job])
        types = state.allowed_types(job)
        out = []
        for held in self._held.values():
            r = held.reservation
            if r.type_index not in types or now >= r.end_s:
                continue
            if (r.start_s <= now and r.tenant == tenant) or (now < r.start_s and ends <= r.start_s):
                out.append(held)
        return out

    def _start_owners(
        self, queue: JobQueue, state: ClusterState, now: float, active: list[_Held]
    ) -> list[Decision]:
        """Offer each active reservation's nodes to its tenant's waiting jobs, in queue order."""
        decisions: list[Decision] = []
        jobs = state.jobs
        for held in active:
            r = held.reservation
            size = int(state.type_node_size[r.type_index])
            only = _OnlyNodes(held.nodes[state.node_up[held.nodes]])
            for job in queue.tenant_jobs(r.tenant)[:OWNER_DEPTH]:
                if job in self._started or r.type_index not in state.allowed_types(job):
                    continue
                # Share jobs go through the inner pass: a share may land on any shared
                # accelerator, and there the other reservations' nodes are hidden.
                if int(jobs.gpu_milli[job]) < 1000:
                    continue
                if not _fits_in(state, only.nodes, int(jobs.accelerators[job]), size):
                    continue
                allocation = state.place(job, only, now, (r.type_index,))
                if allocation is not None:
                    self._started[job] = allocation
                    decisions.append(Decision(job, allocation))
        return decisions

    def _needs_hiding(self, held: _Held, queue: JobQueue, state: ClusterState, now: float) -> bool:
        """False when no waiting job could take what ``held`` guards this pass: nothing on
        its nodes is free, or (before the window) every waiting job would end by its start."""
        r = held.reservation
        if now < r.start_s:
            if self._longest_s is None:
                self._longest_s = float(state.jobs.estimate_s.max(initial=0.0))
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

    def admit(self, queue: JobQueue, state: ClusterState, now: float) -> list[Decision]:
        live = [i for i, r in enumerate(self.accepted) if now < r.end_s]
        if not live:
            return self.inner.admit(queue, state, now)
        for i in live:
            if i not in self._held:
                self._designate(i, state)
        live_held = [self._held[i] for i in live]
        active = [h for h in live_held if h.reservation.start_s <= now]
        self._started = {}
        self._queue_longest_s = None
        try:
            decisions = self._start_owners(queue, state, now, active)
            hiding = [h for h in live_held if self._needs_hiding(h, queue, state, now)]
            for held in hiding:
                _hide(state, held)
            try:
                hidden = sum(
                    h.hidden_free(int(state.type_node_size[h.reservation.type_index]))
                    for h in hiding
                )
                view = _ReservedView(state, self, hidden, frozenset(id(h) for h in hiding))
                inner = self.inner.admit(queue, view, now)
            finally:
                for held in hiding:
                    _show(state, held)
        finally:
            started, self._started = self._started, {}
        return decisions + [d for d in inner if d.job not in started]
