"""Quotas with cohorts, borrowing and reclaim: a queue-policy layer over any queue policy.

Modelled on Kueue's ClusterQueue and Cohort (kueue.sigs.k8s.io, v1beta1 API: ``nominalQuota``,
``borrowingLimit``, ``cohort``, ``preemption.reclaimWithinCohort``):

- a tenant with quotas may hold at most its *nominal quota* of each accelerator type at once
  (a type it has no quota for: 0); a tenant without quotas is not limited;
- tenants in one *cohort* lend each other the nominal quota they do not use: a tenant may hold
  more than its nominal quota, up to its *borrowing limit* beyond it (None: no limit), as long as
  the cohort as a whole holds no more than the sum of its members' nominal quotas;
- *reclaim*: a job that fits its tenant's own nominal quota but not the cohort's (others borrowed
  it) stops jobs of tenants holding more than their nominal quota, latest started first, until it
  fits; the plan is tried on the state and committed only if the job then starts
  (`ClusterState.checkpoint` / `rollback`, as KAI-Scheduler's ``Statement``).

How a pass runs (`Quotas.admit`):

1. jobs that cannot fit their tenant's room (quota left, with borrowing) on any type they may use
   leave the queue for the pass, so they block no one (Kueue's BestEffortFIFO);
2. the inner policy runs with a placement check on the state (``ClusterState.admission``): a
   start that would take a tenant past its room (two of its jobs that each fit but not together)
   is refused as if it did not fit; each refused job leaves the queue and the pass runs again;
3. the jobs taken out come back; then reclaim for the first of them (in queue order) that fits
   its own nominal quota.

Stops come back as `Decision` s with ``stop`` ("reclaimed by tenant ..."), which the engine rolls
back to their checkpoint and queues again. Usage is what the state counts per tenant and type
(``ClusterState.tenant_busy``: running jobs' accelerators, a share as its fraction).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gigawatt.sched.cluster import Allocation, ClusterState
from gigawatt.sched.jobs import JobTable
from gigawatt.sched.queue import Decision, JobQueue, QueuePolicy

#: Passes of the inner policy at most per `Quotas.admit` (each after refusals).
MAX_RERUNS = 16
#: Jobs a reclaim may stop for one waiting job at most.
MAX_RECLAIM_STOPS = 64


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
        for job in sorted(out, key=lambda j: self.order_key(state.jobs, j)):
            plan = self._reclaim(job, state, now)
            if plan:
                decisions += plan
                break
        return decisions

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

    def _reclaim(self, job: int, state: ClusterState, now: float) -> list[Decision]:
        """Stop borrowers of the job's cohort (latest started first) until the job fits, if it
        fits its tenant's own nominal quota; the stops and its start, or [] with the state
        unchanged."""
        jobs = state.jobs
        tenant = int(jobs.tenant[job])
        cohort = self._cohort_of.get(tenant)
        if cohort is None:
            return []
        need = _held(jobs, job)
        for t in state.allowed_types(job):
            if need > self.own_room(state, tenant, t):
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
                allocation = state.place(job, self.placement, now, (t,)) if self.placement else None
                if allocation is not None:
                    state.commit(checkpoint)
                    return [*stops, Decision(job, allocation)]
            state.rollback(checkpoint, now)
        return []

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
