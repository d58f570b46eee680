"""Quotas with cohorts, borrowing and reclaim: a queue-policy layer over any queue policy.

Modelled on Kueue's ClusterQueue and Cohort (kueue.sigs.k8s.io, v1beta1 API: ``nominalQuota``,
``borrowingLimit``, ``cohort``, ``preemption.reclaimWithinCohort``):

- a tenant with quotas may hold at most its *nominal quota* of each accelerator type at once
  (a type it has no quota for: 0); a tenant without quotas is not limited;
- tenants in one *cohort* lend each other the nominal quota they do not use: a tenant may hold
  more than its nominal quota, up to its *borrowing limit* beyond it (None: no limit), as long as
  the cohort as a whole holds no more than the sum of its members' nominal quotas;
- *reclaim*: a waiting job that fits its tenant's own nominal quota but cannot start because
  others of its cohort borrowed (the cohort's quota is used up, or the free capacity of the
  type is short of the job while members hold more than their nominal quota: a twin's fleet
  may have fewer accelerators online than its tenants' quotas add up to) stops jobs of tenants
  holding more than their nominal quota, latest started first, until it starts; the plan is
  tried on the state and committed only if the job then starts (`ClusterState.checkpoint` /
  `rollback`, as KAI-Scheduler's ``Statement``). A job a reclaim starts is placed off the
  nodes of reservations not over (the reservation layer below withholds them meanwhile).

How a pass runs (`Quotas.admit`):

1. jobs that cannot fit their tenant's room (quota left, with borrowing) on any type they may use
   leave the queue for the pass, so they block no one (Kueue's BestEffortFIFO);
2. the inner policy runs with a placement check on the state (``ClusterState.admission``): a
   start that would take a tenant past its room (two of its jobs that each fit but not together)
   is refused as if it did not fit; each refused job leaves the queue and the pass runs again;
3. the jobs taken out come back; then, while some cohort member borrows, reclaim in queue order
   for every job that may: those taken out, and the first ``RECLAIM_DEPTH`` waiting jobs of
   each tenant of such a cohort (a job the free capacity could hold is left to the inner
   policy's order: no stops for it).

Stops come back as `Decision` s with ``stop`` ("reclaimed by tenant ..."), which the engine rolls
back to their checkpoint and queues again; ``Quotas.reclaim_stops`` counts them. Usage is what
the state counts per tenant and type (``ClusterState.tenant_busy``: running jobs' accelerators,
a share as its fraction).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gigawatt.sched.cluster import Allocation, ClusterState
from gigawatt.sched.jobs import JobTable
from gigawatt.sched.queue import Decision, JobQueue, QueuePolicy
from gigawatt.sched.reservations import Reserving

#: Passes of the inner policy at most per `Quotas.admit` (each after refusals).
MAX_RERUNS = 16
#: Jobs a reclaim may stop for one waiting job at most.
MAX_RECLAIM_STOPS = 64
#: Waiting jobs per lending tenant looked at for a reclaim per pass (besides those refused for
#: want of room), in queue order.
RECLAIM_DEPTH = 64


@dataclass(frozen=True)
class TenantQuota:
    """One tenant's quota of one accelerator type: ``nominal`` accelerators held at once,
    ``borrowing_limit`` more borrowed from its cohort (None: as many as the cohort lends)."""

    nominal: int
    borrowing_limit: int | None = None


class Quotas:
    """Any queue policy, with per-tenant quotas, cohorts, borrowing and reclaim (module doc).
    Tenants and types are indices (the job table's tenants, the fleet's types)."""

    def __init__(self, inner: QueuePolicy, types: int) -> None:
        self.inner = inner
        self.name = f"{inner.name}+quotas"
        self.placement = getattr(inner, "placement", None)
        self.types = types
        self._quota: dict[int, list[TenantQuota]] = {}  # tenant -> per type
        self._cohort_of: dict[int, str] = {}
        self._members: dict[str, list[int]] = {}
        self._refused: dict[int, None] = {}
        self._state: ClusterState | None = None
        #: The reservation layer under this one, if any: a reclaim places off its held nodes.
        self._reserving = _layer_of(inner, Reserving)
        #: Jobs stopped by reclaims (committed), per (tenant stopped, type index).
        self.reclaim_stops: dict[tuple[int, int], int] = {}

    # Settings -----------------------------------------------------------------------------

    def set_quota(
        self, tenant: int, type_index: int, nominal: int, borrowing_limit: int | None = None
    ) -> None:
        """The tenant's quota of one type (a tenant given any quota gets 0 of the others)."""
        if nominal < 0 or (borrowing_limit is not None and borrowing_limit < 0):
            raise ValueError("quotas and borrowing limits are >= 0 accelerators")
        per_type = self._quota.setdefault(tenant, [TenantQuota(0, 0)] * self.types)
        per_type[type_index] = TenantQuota(nominal, borrowing_limit)

    def set_cohort(self, tenant: int, cohort: str | None) -> None:
        """Put the tenant in ``cohort`` (None: in none)."""
        old = self._cohort_of.pop(tenant, None)
        if old is not None:
            self._members[old].remove(tenant)
        if cohort:
            self._cohort_of[tenant] = cohort
            self._members.setdefault(cohort, []).append(tenant)

    def limited(self, tenant: int) -> bool:
        return tenant in self._quota

    def cohort_of(self, tenant: int) -> str | None:
        """The tenant's cohort (None: in none)."""
        return self._cohort_of.get(tenant)

    def quota(self, tenant: int, type_index: int) -> TenantQuota | None:
        per_type = self._quota.get(tenant)
        return per_type[type_index] if per_type is not None else None

    # Read-outs ----------------------------------------------------------------------------

    def room(self, state: ClusterState, tenant: int, type_index: int) -> float:
        """Accelerators of the type the tenant may still take now: its nominal quota left
        plus what it may borrow, within what its cohort has left (inf: not limited)."""
        per_type = self._quota.get(tenant)
        if per_type is None:
            return math.inf
        quota = per_type[type_index]
        used = state.tenant_busy[tenant][type_index] if tenant < len(state.tenant_busy) else 0.0
        cohort = self._cohort_of.get(tenant)
        if cohort is None:
            return quota.nominal - used
        limit = math.inf if quota.borrowing_limit is None else quota.borrowing_limit
        nominal = used_total = 0.0
        for member in self._members[cohort]:
            nominal += self._quota[member][type_index].nominal if member in self._quota else 0
            if member < len(state.tenant_busy):
                used_total += state.tenant_busy[member][type_index]
        return min(quota.nominal + limit - used, nominal - used_total)

    def own_room(self, state: ClusterState, tenant: int, type_index: int) -> float:
        """What is left of the tenant's own nominal quota of the type (inf: not limited)."""
        per_type = self._quota.get(tenant)
        if per_type is None:
            return math.inf
        return per_type[type_index].nominal - state.tenant_busy[tenant][type_index]

    # The pass -----------------------------------------------------------------------------

    def order_key(self, jobs: JobTable, job: int) -> tuple[float, ...]:
        return self.inner.order_key(jobs, job)

    def next_wakeup(self, now: float) -> float | None:
        wake = getattr(self.inner, "next_wakeup", None)
        result: float | None = wake(now) if wake is not None else None
        return result

    def admit(self, queue: JobQueue, state: ClusterState, now: float) -> list[Decision]:
        if not self._quota:
            return self.inner.admit(queue, state, now)
        rooms: dict[tuple[int, int], float] = {}
        out = [job for job in queue if not self._fits_room(state, job, rooms)]
        for job in out:
            queue.remove(job)
        decisions: list[Decision] = []
        self._state = state
        state.admission = self._admission
        try:
            for _ in range(MAX_RERUNS):
                self._refused = {}
                passed = self.inner.admit(queue, state, now)
                decisions += passed
                if not self._refused:
                    break
                for decision in passed:  # started: out of the queue before the next pass
                    if not decision.stop and decision.moved is None and decision.job in queue:
                        queue.remove(decision.job)
                for job in self._refused:
                    if job in queue:
                        queue.remove(job)
                        out.append(job)
        finally:
            state.admission = None
            self._state = None
        started = {d.job for d in decisions if not d.stop}
        out = [job for job in out if job not in started]
        for job in out:
            queue.push(job)
        return decisions + self._reclaim_all(out, queue, state, now)

    def _fits_room(
        self, state: ClusterState, job: int, rooms: dict[tuple[int, int], float]
    ) -> bool:
        """Whether the job fits its tenant's room on a type it may use (``rooms``: the rooms
        worked out so far this pass)."""
        tenant = int(state.jobs.tenant[job])
        if tenant not in self._quota:
            return True
        need = _held(state.jobs, job)
        for t in state.allowed_types(job):
            room = rooms.get((tenant, t))
            if room is None:
                room = rooms[(tenant, t)] = self.room(state, tenant, t)
            if need <= room:
                return True
        return False

    def _admission(self, job: int, type_index: int) -> bool:
        """The state's placement check: does the job fit its tenant's room on the type?"""
        state = self._state
        assert state is not None
        tenant = int(state.jobs.tenant[job])
        if tenant not in self._quota:
            return True
        if _held(state.jobs, job) <= self.room(state, tenant, type_index):
            return True
        self._refused[job] = None
        return False

    # Reclaim ------------------------------------------------------------------------------

    def _reclaim_all(
        self, out: list[int], queue: JobQueue, state: ClusterState, now: float
    ) -> list[Decision]:
        """Reclaim for every waiting job that may, in queue order (module doc, step 3): the
        jobs taken out for want of room (``out``) and the first waiting jobs of each tenant
        whose cohort has a borrower. The stops and starts, in the order made."""
        lending = self._lending_tenants(state)
        if not lending:
            return []
        refused = {job: None for job in out if int(state.jobs.tenant[job]) in lending}
        blocked = [
            job
            for tenant in lending
            for job in queue.tenant_jobs(tenant)[:RECLAIM_DEPTH]
            if job not in refused
        ]
        candidates = sorted([*refused, *blocked], key=lambda j: self.order_key(state.jobs, j))
        decisions: list[Decision] = []
        free_room: list[int] | None = None  # off held nodes; worked out when first needed
        for job in candidates:
            if job in state.allocations:
                continue
            if job not in refused and free_room is None:
                free_room = self._free_room(state, now)
            plan = self._reclaim(job, state, now, None if job in refused else free_room)
            if plan:
                decisions += plan
                free_room = None
        return decisions

    def _lending_tenants(self, state: ClusterState) -> list[int]:
        """Tenants whose cohort has a member holding more than its nominal quota of a type
        (someone borrows: a job of theirs may reclaim)."""
        lending: list[int] = []
        for members in self._members.values():
            if any(
                self.own_room(state, m, t) < 0
                for m in members
                if m in self._quota
                for t in range(self.types)
            ):
                lending += members
        return lending

    def _reclaim(
        self, job: int, state: ClusterState, now: float, free_room: list[int] | None
    ) -> list[Decision]:
        """Stop borrowers of the job's cohort (latest started first) until the job starts, if
        it fits its tenant's own nominal quota: the stops and its start, or [] with the state
        unchanged. ``free_room``: None for a job refused for want of room; else the whole
        accelerators free per type off held nodes, which must be short of the job (if not,
        waiting is the inner policy's choice: no stops)."""
        jobs = state.jobs
        tenant = int(jobs.tenant[job])
        cohort = self._cohort_of.get(tenant)
        if cohort is None:
            return []
        need = _held(jobs, job)
        for t in state.allowed_types(job):
            if need > self.own_room(state, tenant, t):
                continue
            if free_room is not None and need <= free_room[t]:
                continue
            borrowers = self._borrowers(state, cohort, t, tenant)
            if not borrowers:
                continue
            checkpoint = state.checkpoint()
            stops: list[Decision] = []
            reason = f"reclaimed by tenant {jobs.tenants[tenant]} (quota)"
            for victim in borrowers[:MAX_RECLAIM_STOPS]:
                if self.own_room(state, int(jobs.tenant[victim.job]), t) >= 0:
                    continue  # its tenant borrows no more: it keeps its jobs
                released = state.release(victim.job, now)
                stops.append(Decision(victim.job, released, stop=reason))
                if need > self.room(state, tenant, t):
                    continue
                allocation = self._place(job, state, now, t)
                if allocation is not None:
                    state.commit(checkpoint)
                    for stop in stops:
                        key = (int(jobs.tenant[stop.job]), t)
                        self.reclaim_stops[key] = self.reclaim_stops.get(key, 0) + 1
                    return [*stops, Decision(job, allocation)]
            state.rollback(checkpoint, now)
        return []

    def _place(self, job: int, state: ClusterState, now: float, t: int) -> Allocation | None:
        """Place the job on type ``t`` off the nodes reservations hold (open or upcoming
        windows: a reclaim starts a job outside the reservation layer's pass)."""
        if self.placement is None:
            return None
        withheld = self._reserving.withhold_live(state, now) if self._reserving else []
        try:
            return state.place(job, self.placement, now, (t,))
        finally:
            for w in reversed(withheld):
                state.give_back(w)

    def _free_room(self, state: ClusterState, now: float) -> list[int]:
        """Per type, the most whole accelerators a job could take now off held nodes
        (`ClusterState.whole_room`: counts, not shapes)."""
        withheld = self._reserving.withhold_live(state, now) if self._reserving else []
        try:
            return state.whole_room()
        finally:
            for w in reversed(withheld):
                state.give_back(w)

    def _borrowers(
        self, state: ClusterState, cohort: str, type_index: int, tenant: int
    ) -> list[Allocation]:
        """Running jobs of the type whose tenants (in the cohort, not ``tenant``) hold more
        than their nominal quota, latest started first."""
        over = {
            m
            for m in self._members[cohort]
            if m != tenant and self.own_room(state, m, type_index) < 0
        }
        if not over:
            return []
        tenants = state.jobs.tenant
        found = [
            a
            for a in state.allocations.values()
            if a.type == type_index and int(tenants[a.job]) in over
        ]
        found.sort(key=lambda a: (-a.start_s, -a.job))
        return found


def _held(jobs: JobTable, job: int) -> float:
    """Accelerators the job holds when running (a share counts as its fraction of one)."""
    return float(jobs.accelerators[job]) * float(jobs.gpu_milli[job]) / 1000.0


def _layer_of(policy: object, kind: type[Reserving]) -> Reserving | None:
    """The first layer of ``kind`` in a policy stack (each layer's ``inner`` is the next)."""
    layer: object = policy
    while layer is not None:
        if isinstance(layer, kind):
            return layer
        layer = getattr(layer, "inner", None)
    return None
