"""Defragmentation: move checkpointing jobs so a blocked gang fits.

A gang can be blocked although enough accelerators of its type are free: the free ones are
spread over partly used nodes, and a gang of more than one node needs *whole* free nodes (a
single-node job needs one node with enough free). `plan_defrag` finds running jobs that can be
moved (they checkpoint: finite ``checkpoint_s``; whole accelerators on one node) whose nodes, once emptied,
give the gang the whole nodes it lacks, and moves them onto free room elsewhere:

1. *Need*: the whole free nodes the gang lacks on a type with enough free accelerators.
2. *Choose* nodes to empty, cheapest first: partly used nodes that hold only movable jobs, fewest
   used accelerators first, then nodes in the domains with most whole free nodes (a compact
   gang); stop when the need is met. The jobs on them are the moves.
3. *Try* (KAI-Scheduler's ``Statement``: checkpoint, then commit or roll back): release the
   movers, keep the emptied nodes out of reach, place each mover elsewhere (largest first), then
   place the gang. If any step fails, everything is rolled back exactly and None is returned.

The plan is committed to the state when returned: moved jobs hold their new allocations, the
gang its own. `Defragmenting` wraps any queue policy: after the inner policy's pass, it tries
this for the first waiting gang and returns the moves as `Decision` s with ``moved`` set (the
engine charges each a migration: checkpoint on demand, restore on the new nodes).

Fragmentation here is the share of free accelerators of the type that are not on wholly free
nodes (0: every free accelerator is on an empty node; 1: no node is empty).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from gigawatt.sched.cluster import Allocation, ClusterState, GangPlacement
from gigawatt.sched.jobs import JobTable
from gigawatt.sched.queue import Decision, JobQueue, QueuePolicy

#: At most this many jobs are moved for one gang (a plan that needs more is not tried).
MAX_MOVES = 64


@dataclass(frozen=True)
class Move:
    """``job`` left ``old`` for ``new``."""

    job: int
    old: Allocation
    new: Allocation


@dataclass(frozen=True)
class DefragPlan:
    """What was moved for ``gang`` and what it got; fragmentation of the gang's type before and
    after the moves (before the gang took its nodes)."""

    gang: int
    allocation: Allocation
    moves: tuple[Move, ...]
    fragmentation_before: float
    fragmentation_after: float

    @property
    def moved_accelerators(self) -> int:
        return int(sum(m.old.accelerators for m in self.moves))


def fragmentation(state: ClusterState, type_index: int) -> float:
    """Share of the type's free accelerators (online nodes) not on wholly free nodes."""
    free = state.type_free[type_index]
    if free == 0:
        return 0.0
    whole = state.type_full[type_index] * int(state.type_node_size[type_index])
    return float(free - whole) / float(free)


def _movable(jobs: JobTable, allocation: Allocation, now: float) -> bool:
    """Single-node, whole-accelerator jobs that checkpoint (a move costs them only the restore)
    and did not start at this instant (started or moved in this very pass: left where put)."""
    return (
        allocation.start_s < now
        and allocation.shared_slot < 0
        and len(allocation.nodes) == 1
        and math.isfinite(float(jobs.checkpoint_s[allocation.job]))
    )


def _whole_nodes_needed(state: ClusterState, t: int, need: int) -> int:
    """How many more wholly free nodes of type t the job of ``need`` accelerators lacks."""
    size = int(state.type_node_size[t])
    if need <= size:
        return 0 if any(state.buckets[t][k] for k in range(need, size)) or state.type_full[t] else 1
    full, rest = divmod(need, size)
    partial = rest > 0 and any(state.buckets[t][k] for k in range(rest, size))
    return max(0, full + (1 if rest and not partial else 0) - state.type_full[t])


def _choose(state: ClusterState, t: int, lacking: int, now: float) -> list[int] | None:
    """Jobs to move so that ``lacking`` more nodes of type t are wholly free, or None."""
    jobs = state.jobs
    size = int(state.type_node_size[t])
    domain = state.fleet.node_domain
    candidates: list[tuple[int, int, int, list[int]]] = []  # (used, -whole in domain, node, jobs)
    for free in range(1, size):
        for node in state.buckets[t][free]:
            if node in state.shared:
                continue
            running = state.running_on(np.array([node], np.int64))
            if running and all(_movable(jobs, a, now) for a in running):
                whole = int(state.domain_full[domain[node]])
                candidates.append((size - free, -whole, node, [a.job for a in running]))
    candidates.sort()
    movers: list[int] = []
    for chosen, (_, _, _, on_node) in enumerate(candidates):
        if chosen >= lacking:
            return movers
        if len(movers) + len(on_node) > MAX_MOVES:
            return None
        movers.extend(on_node)
    return movers if len(candidates) >= lacking else None


def plan_defrag(
    state: ClusterState, gang: int, placement: GangPlacement, now: float
) -> DefragPlan | None:
    """Move checkpointing jobs so ``gang`` (waiting, not running) fits, and place it; the plan,
    committed, or None with the state unchanged (module doc)."""
    jobs = state.jobs
    need = int(jobs.accelerators[gang])
    if int(jobs.gpu_milli[gang]) < 1000:
        return None
    for t in state.allowed_types(gang):
        if state.type_free[t] < need:
            continue
        lacking = _whole_nodes_needed(state, t, need)
        if lacking == 0:
            continue  # it fits as it is (or fails for another reason): nothing to recover
        movers = _choose(state, t, lacking, now)
        if not movers:
            continue
        plan = _try(state, gang, t, movers, placement, now)
        if plan is not None:
            return plan
    return None


def _try(
    state: ClusterState,
    gang: int,
    t: int,
    movers: list[int],
    placement: GangPlacement,
    now: float,
) -> DefragPlan | None:
    before = fragmentation(state, t)
    checkpoint = state.checkpoint()  # tried on the state, then committed or rolled back
    old = [state.release(job, now) for job in movers]
    size = int(state.type_node_size[t])
    emptied = np.unique(np.concatenate([a.nodes for a in old]))
    emptied = emptied[state.node_free[emptied] == size]
    placed: list[Allocation] = []
    gang_allocation: Allocation | None = None
    kept = state.withhold(t, emptied)  # out of the movers' reach while they are placed
    try:
        for allocation in sorted(old, key=lambda a: -a.accelerators):
            new = state.place(allocation.job, placement, now, (t,))
            if new is None:
                break
            placed.append(new)
    finally:
        state.give_back(kept)
    after = fragmentation(state, t)  # with the movers moved, before the gang takes its nodes
    if len(placed) == len(old):
        gang_allocation = state.place(gang, placement, now, (t,))
    if gang_allocation is None:  # roll back: movers to where they were
        state.rollback(checkpoint, now)
        return None
    state.commit(checkpoint)
    by_job = {a.job: a for a in old}
    moves = tuple(Move(a.job, by_job[a.job], a) for a in placed)
    return DefragPlan(gang, gang_allocation, moves, before, after)


@dataclass
class DefragLog:
    """What `Defragmenting` did: one plan per defragmentation, with the time it happened."""

    plans: list[tuple[float, DefragPlan]] = field(default_factory=list)

    @property
    def moves(self) -> int:
        return sum(len(p.moves) for _, p in self.plans)

    @property
    def moved_accelerators(self) -> int:
        return sum(p.moved_accelerators for _, p in self.plans)


class Defragmenting:
    """Any queue policy, plus: when the first waiting gang is still blocked after the inner
    policy's pass although its type has enough free accelerators, move checkpointing jobs for
    it (`plan_defrag`). Moves come back as `Decision` s with ``moved`` (the old allocation)."""

    def __init__(self, inner: QueuePolicy) -> None:
        self.inner = inner
        self.name = f"{inner.name}+defrag"
        self.placement: GangPlacement | None = getattr(inner, "placement", None)
        self.log = DefragLog()
        self._failed: tuple[int, int, int] | None = None

    def order_key(self, jobs: JobTable, job: int) -> tuple[float, ...]:
        return self.inner.order_key(jobs, job)

    def next_wakeup(self, now: float) -> float | None:
        wake = getattr(self.inner, "next_wakeup", None)
        result: float | None = wake(now) if wake is not None else None
        return result

    def admit(self, queue: JobQueue, state: ClusterState, now: float) -> list[Decision]:
        decisions = self.inner.admit(queue, state, now)
        if self.placement is None:
            return decisions
        started = {d.job for d in decisions}
        jobs = state.jobs
        for job in queue:
            if job in started:
                continue
            if not jobs.gang[job] or int(jobs.accelerators[job]) < 2:
                return decisions  # the first waiting job is no gang: nothing to do
            # A failed plan fails again until capacity is freed or taken.
            key = (job, state.freed_epoch, state.free_accelerators())
            if key == self._failed:
                return decisions
            plan = plan_defrag(state, job, self.placement, now)
            if plan is None:
                self._failed = key
                return decisions
            self.log.plans.append((now, plan))
            moves = [Decision(m.job, m.new, moved=m.old) for m in plan.moves]
            return [*decisions, *moves, Decision(job, plan.allocation)]
        return decisions
