"""The simulator's `ClusterState` and queue policy, fed jobs one at a time by the service.

`ClusterState` and the queue policies (`gigawatt.sched.queue`) read their jobs from a fixed
`JobTable`; a live service learns of jobs as they arrive, so `LiveJobs` grows the job columns
(one entry each time a job enters the queue: a requeued job gets a new entry with its remaining
estimate) and hands the states and policies a fresh `JobTable` view of them. Which jobs start,
and on which nodes, is decided by the queue policy's ``admit`` with the placement the simulator
uses (``easy-backfill`` and ``topology`` by default, as ``gigawatt simulate``), so the twin and
the service decide the same way (tests/service/test_differential.py replays one sequence of
submissions through both).

Reservations hold whole nodes. The fleet's capacity is split into pools, each its own
`ClusterState` over the same fleet and job columns: the shared pool (key ``""``) and one per
reservation whose window is on, holding the nodes set aside for it (taken offline in the shared
pool, online in the reservation's). Each pool has its queue (a `JobQueue` in the policy's order)
and its own policy object: the shared queue holds every waiting job, a reservation's queue its
owner's waiting jobs of its type. A pass (`admit`) runs the policy over each reservation's pool,
then over the shared pool; a job started in one pool leaves every queue. Another tenant's job is
only ever in the shared queue, so it can never land on held capacity; a gang runs inside one
pool (it is not split between a reservation and shared capacity).

Quotas: a job whose gang would take its tenant past its quota of the type is left out of the
pass (it stays queued). Two jobs of one tenant that each fit its quota but not together: the
policy's decisions are checked in order, the first one over quota and every later one are
rolled back (released), that job is left out, and the policy runs again afresh.

Node failures (twin clock) take a node down in whichever pool holds it; a repair brings it back
there (or to the shared pool if its reservation has ended meanwhile).

After a restart `restore` puts each running job back on exactly the nodes it had (same
accelerators on each, in the same pool); a job whose nodes are not all available goes back to
the queue with the reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

import gigawatt.sched.topology  # noqa: F401  (registers the "topology" and "spread" placements)
from gigawatt.fleet.topology import Fleet
from gigawatt.sched.cluster import NO_NODE, ClusterState, make_placement
from gigawatt.sched.jobs import WHOLE_MILLI, JobTable
from gigawatt.sched.queue import Decision, JobQueue, QueuePolicy, make_queue_policy

IntArray = npt.NDArray[np.int64]

#: Pool key of the capacity shared by every tenant.
SHARED = ""
#: Job entries kept before `LiveCluster.compact` drops the dead ones (those of jobs no longer
#: waiting or running): the policies' per-pass costs grow with the entries (a new `JobTable`
#: is checked, EASY copies its columns), so they are kept within twice the live ones.
COMPACT_FROM = 1024
#: The queue policy `gigawatt serve` uses unless told otherwise: the one `gigawatt simulate`
#: uses by default, so the twin and the live service decide alike out of the box.
DEFAULT_POLICY = "easy-backfill"


@dataclass(frozen=True)
class Placed:
    """Where a started job runs: node indices and accelerators taken on each, and the
    reservation whose held nodes it uses (None: shared capacity)."""

    nodes: list[int]
    counts: list[int]
    reservation: str | None = None

    def as_json(self, fleet: Fleet) -> dict[str, object]:
        halls = sorted({fleet.halls[int(fleet.node_hall[n])] for n in self.nodes})
        domains = sorted({int(fleet.node_domain[n]) for n in self.nodes})
        sites = sorted({fleet.sites[int(fleet.node_site[n])] for n in self.nodes})
        return {
            "nodes": self.nodes, "counts": self.counts, "halls": halls, "domains": domains,
            "sites": sites, "reservation": self.reservation,
        }  # fmt: skip


@dataclass(frozen=True)
class Start:
    """A queued job the policy started, and where."""

    job_id: str
    placed: Placed


class _LiveJobTable(JobTable):
    """A `JobTable` built without its per-column checks: `LiveJobs.add` writes only valid
    entries, and the checks cost O(entries) numpy passes on every submit (measured: ~40% of a
    submit's decision time with a thousand jobs running)."""

    def __post_init__(self) -> None:
        pass


class LiveJobs:
    """Job columns that grow as jobs enter the queue; `table` is a `JobTable` view of them.

    The Python lists ``accelerators``, ``gpu_milli``, ``estimate_s``, ``tenant`` and ``allowed``
    are the per-job columns `ClusterState` reads on its hot path; every pool's state shares
    these very lists. NumPy buffers (grown by doubling) back the table the policies read."""

    _INT_COLUMNS = ("tenant", "accelerators", "gpu_milli", "allowed", "priority", "zeros")
    _FLOAT_COLUMNS = ("arrival_s", "estimate_s", "checkpoint_s", "cost_s")

    def __init__(self, types: tuple[str, ...]) -> None:
        self.types = types
        self.tenant_ids: list[str] = []
        self.tenant_index: dict[str, int] = {}
        self.job_id: list[str] = []
        self.type_index: list[int] = []
        self.accelerators: list[int] = []
        self.gpu_milli: list[int] = []
        self.estimate_s: list[float] = []
        self.tenant: list[int] = []
        self.allowed: list[int] = []
        self._ints = {name: np.zeros(0, np.int64) for name in self._INT_COLUMNS}
        self._floats = {name: np.zeros(0, np.float64) for name in self._FLOAT_COLUMNS}
        self._flags = np.zeros(0, bool)
        self._table: JobTable | None = None

    def __len__(self) -> int:
        return len(self.job_id)

    def tenant_of(self, tenant_id: str) -> int:
        """The tenant's index in the table (added if new)."""
        index = self.tenant_index.get(tenant_id)
        if index is None:
            index = self.tenant_index[tenant_id] = len(self.tenant_ids)
            self.tenant_ids.append(tenant_id)
            self._table = None
        return index

    def add(
        self, job_id: str, tenant: int, type_index: int, accelerators: int, priority: int,
        arrival_s: float, estimate_s: float,
    ) -> int:  # fmt: skip
        """A new entry for a job entering the queue (or restored as running); its index."""
        index = len(self.job_id)
        if index == len(self._flags):
            self._grow(max(64, 2 * index))
        self.job_id.append(job_id)
        self.type_index.append(type_index)
        self.accelerators.append(accelerators)
        self.gpu_milli.append(WHOLE_MILLI)
        self.estimate_s.append(estimate_s)
        self.tenant.append(tenant)
        self.allowed.append(1 << type_index)
        ints, floats = self._ints, self._floats
        ints["tenant"][index] = tenant
        ints["accelerators"][index] = accelerators
        ints["gpu_milli"][index] = WHOLE_MILLI
        ints["allowed"][index] = 1 << type_index
        ints["priority"][index] = priority
        floats["arrival_s"][index] = arrival_s
        floats["estimate_s"][index] = estimate_s
        floats["checkpoint_s"][index] = np.inf  # checkpoints are the service's business
        self._flags[index] = True  # a gang
        self._table = None
        return index

    def order_fields(self, index: int) -> tuple[int, float]:
        """The entry's priority and arrival (seconds), which order it in a queue."""
        return int(self._ints["priority"][index]), float(self._floats["arrival_s"][index])

    def _grow(self, capacity: int) -> None:
        self._ints = {k: _grown(v, capacity) for k, v in self._ints.items()}
        self._floats = {k: _grown(v, capacity) for k, v in self._floats.items()}
        self._flags = _grown(self._flags, capacity)

    def table(self) -> JobTable:
        """The jobs so far as a `JobTable` (views of the buffers; a new object after any
        change, so a policy's per-table caches see the new jobs)."""
        if self._table is None:
            n = len(self.job_id)
            i = {k: v[:n] for k, v in self._ints.items()}
            f = {k: v[:n] for k, v in self._floats.items()}
            self._table = _LiveJobTable(
                tenants=tuple(self.tenant_ids),
                tenant_weight=np.ones(len(self.tenant_ids)),
                types=self.types,
                tenant=i["tenant"], accelerators=i["accelerators"], gpu_milli=i["gpu_milli"],
                allowed=i["allowed"], gang=self._flags[:n], priority=i["priority"],
                arrival_s=f["arrival_s"], duration_s=f["estimate_s"], estimate_s=f["estimate_s"],
                checkpoint_s=f["checkpoint_s"], cpu_milli=i["zeros"], memory_mib=i["zeros"],
                checkpoint_cost_s=f["cost_s"], stateless=~self._flags[:n],
            )  # fmt: skip
        return self._table


def _grown(old: npt.NDArray[Any], capacity: int) -> npt.NDArray[Any]:
    """``old`` copied into a zeroed array of ``capacity`` entries (same dtype)."""
    new = np.zeros(capacity, old.dtype)
    new[: len(old)] = old
    return new


class _Recorded:
    """A placement that gives back recorded nodes (a restart restores each running job on
    exactly its nodes through `ClusterState.place`): ``small`` the recorded node taking that
    many accelerators, ``full_nodes`` the recorded wholly used nodes."""

    name = "recorded"

    def __init__(self, nodes: list[int], counts: list[int], node_size: int) -> None:
        self.nodes = nodes
        self.counts = counts
        self.node_size = node_size

    def small(self, state: ClusterState, type_index: int, accelerators: int) -> int:
        for node, count in zip(self.nodes, self.counts, strict=True):
            if count == accelerators and int(state.node_free[node]) >= accelerators:
                return node
        return NO_NODE

    def full_nodes(self, state: ClusterState, type_index: int, count: int) -> IntArray:
        full = [n for n, c in zip(self.nodes, self.counts, strict=True) if c == self.node_size]
        return np.array(full[:count], np.int64)


class LiveCluster:
    """Free capacity of the fleet as of ``now_s`` (seconds from the scenario's program start),
    the waiting jobs, and the queue policy ``policy`` (`gigawatt.sched.queue`) placing with
    ``placement`` (`gigawatt.sched.cluster`) that decides which of them start."""

    def __init__(
        self,
        fleet: Fleet,
        now_s: float,
        placement: str = "topology",
        policy: str = DEFAULT_POLICY,
        compact_from: int = COMPACT_FROM,
    ) -> None:
        self.fleet = fleet
        self.compact_from = compact_from
        self.placement_name = placement
        self.policy_name = policy
        self.placement = make_placement(placement)
        self.jobs = LiveJobs(fleet.types)
        self.state = self._new_pool(shared=True)  # the shared pool
        self.pools: dict[str, ClusterState] = {SHARED: self.state}
        #: Waiting jobs per pool (the shared queue holds them all), in the policy's order.
        self.queues: dict[str, JobQueue] = {}
        #: One policy object per pool (policies keep per-pass memory, e.g. EASY's promise).
        self.policies: dict[str, QueuePolicy] = {}
        self._open_queue(SHARED, [])
        #: Queued job id -> its entry (index into `jobs`).
        self.queued: dict[str, int] = {}
        #: (tenant, type) -> gang sizes of its queued entries, and the entries.
        self._waiting: dict[tuple[int, int], Counter[int]] = {}
        self._waiting_jobs: dict[tuple[int, int], dict[int, None]] = {}
        #: (tenant, type) -> accelerators its running jobs hold (what quotas count).
        self.held: Counter[tuple[int, int]] = Counter()
        #: Nodes in service by the plan (online date passed, offline date not yet).
        self.in_service = np.zeros(fleet.node_count, bool)
        #: Nodes down for repair (twin clock failures).
        self.failed = np.zeros(fleet.node_count, bool)
        #: Held node -> reservation id.
        self.node_pool: dict[int, str] = {}
        self.held_nodes: dict[str, list[int]] = {}
        #: Held reservation -> (type index, site index, nodes it needs).
        self.hold_need: dict[str, tuple[int, int, int]] = {}
        #: Held reservation -> (owner's tenant index, type index).
        self.hold_owner: dict[str, tuple[int, int]] = {}
        #: Running job id -> (pool key, entry), and back.
        self.slot_of: dict[str, tuple[str, int]] = {}
        self.job_of_slot: dict[tuple[str, int], str] = {}
        #: Running job id -> start number: jobs ending at one instant are released in the
        #: order they started, as the simulator's event heap does (it matters: the order of
        #: releases is the order nodes re-enter the placement's buckets).
        self.start_number: dict[str, int] = {}
        self._starts = 0
        #: Bumped by every change of memory state (a failed transaction then rebuilds it).
        self.changes = 0
        self.plan_s = now_s  # when `follow_plan` last looked
        self.follow_plan(now_s)

    # Pools and queues ---------------------------------------------------------------------

    def _new_pool(self, shared: bool) -> ClusterState:
        """An empty `ClusterState` over the fleet reading the shared, growable job columns."""
        state = ClusterState(self.fleet, self.jobs.table())
        jobs = self.jobs
        state._job_acc = jobs.accelerators
        state._job_milli = jobs.gpu_milli
        state._job_estimate = jobs.estimate_s
        state._job_tenant = jobs.tenant
        state._job_allowed = jobs.allowed
        if not shared:
            # A reservation's pool gains no planned nodes: EASY's shadow time counts none.
            state._online_times = [np.zeros(0) for _ in self.fleet.types]
            state._online_accs = [np.zeros(0, np.int64) for _ in self.fleet.types]
        return state

    def _open_queue(self, key: str, entries: list[int]) -> None:
        policy = make_queue_policy(self.policy_name, self.placement_name)
        queue = JobQueue(self.jobs.table(), policy.order_key)
        for index in entries:
            queue.push(index)
        self.policies[key] = policy
        self.queues[key] = queue

    def _sync(self, table: bool = True) -> None:
        """Per-tenant usage rows exist in every pool for every tenant; and (``table``) every
        pool and queue reads the current job table (what policies and queues read; placing
        and releasing read only the shared per-job lists)."""
        tenants = len(self.jobs.tenant_ids)
        types = len(self.fleet.types)
        for state in self.pools.values():
            while len(state.tenant_busy) < tenants:
                state.tenant_busy.append([0.0] * types)
                state.tenant_busy_moment.append(0.0)
        if table:
            current = self.jobs.table()
            for state in self.pools.values():
                state.jobs = current
            for queue in self.queues.values():
                queue.jobs = current

    # Read-outs ----------------------------------------------------------------------------

    def type_index(self, accelerator: str) -> int:
        return self.fleet.types.index(accelerator)

    def free(self, accelerator: str) -> int:
        """Wholly free accelerators of the type on online nodes, held ones included."""
        t = self.type_index(accelerator)
        return sum(int(s.type_free[t]) for s in list(self.pools.values()))

    def online(self, accelerator: str) -> int:
        t = self.type_index(accelerator)
        return sum(int(s.type_online[t]) for s in list(self.pools.values()))

    def reserved(self, accelerator: str) -> tuple[int, int]:
        """Accelerators of the type on nodes held for reservations now, and how many of
        those are free (usable by their owners only)."""
        t = self.type_index(accelerator)
        held = [s for key, s in list(self.pools.items()) if key != SHARED]
        return sum(int(s.type_online[t]) for s in held), sum(int(s.type_free[t]) for s in held)

    def node_up(self, node: int) -> bool:
        return bool(self.pools[self.node_pool.get(node, SHARED)].node_up[node])

    def node_free(self, node: int) -> int:
        return int(self.pools[self.node_pool.get(node, SHARED)].node_free[node])

    def busy_by_group(self) -> tuple[tuple[tuple[str, str], ...], list[float], list[float]]:
        """(site, type) groups and the accelerators busy and online in each, all pools. Read
        outside the scheduling lock it may mix states of two moments (the pools are copied
        first, so it never fails)."""
        groups = self.state.groups
        busy = [0.0] * len(groups)
        online = [0.0] * len(groups)
        for pool in list(self.pools.values()):
            for g in range(len(groups)):
                busy[g] += pool.group_busy[g]
                online[g] += pool.group_online[g]
        return groups, busy, online

    def running(self) -> int:
        return len(self.slot_of)

    def pool_of(self, job_id: str) -> str | None:
        """The reservation a running job is inside (None: shared capacity or not running)."""
        where = self.slot_of.get(job_id)
        return where[0] or None if where is not None else None

    # Jobs ---------------------------------------------------------------------------------

    def enqueue(
        self, job_id: str, tenant_id: str, accelerator: str, accelerators: int, priority: int,
        arrival_s: float, estimate_s: float,
    ) -> None:  # fmt: skip
        """The job waits: in the shared queue and in the queue of every held reservation of
        its tenant and type. ``arrival_s`` orders it (its submission: a requeued job keeps its
        place); ``estimate_s`` is what is left of its estimate."""
        index = self._add_waiting(
            job_id, tenant_id, accelerator, accelerators, priority, arrival_s, estimate_s
        )
        self._sync()
        self._push(index)

    def _add_waiting(
        self, job_id: str, tenant_id: str, accelerator: str, accelerators: int, priority: int,
        arrival_s: float, estimate_s: float,
    ) -> int:  # fmt: skip
        """A new waiting entry, not yet in the queues (`_push` after a `_sync`)."""
        t = self.type_index(accelerator)
        tenant = self.jobs.tenant_of(tenant_id)
        index = self.jobs.add(job_id, tenant, t, accelerators, priority, arrival_s, estimate_s)
        self.changes += 1
        self.queued[job_id] = index
        self._waiting.setdefault((tenant, t), Counter())[accelerators] += 1
        self._waiting_jobs.setdefault((tenant, t), {})[index] = None
        return index

    def _push(self, index: int) -> None:
        jobs = self.jobs
        for key in self._queue_keys(jobs.tenant[index], jobs.type_index[index]):
            self.queues[key].push(index)

    def dequeue(self, job_id: str) -> None:
        """A waiting job leaves every queue (cancelled)."""
        index = self.queued.pop(job_id, None)
        if index is None:
            return
        self.changes += 1
        jobs = self.jobs
        tenant, t = jobs.tenant[index], jobs.type_index[index]
        self._waiting[(tenant, t)][jobs.accelerators[index]] -= 1
        del self._waiting_jobs[(tenant, t)][index]
        for key in self._queue_keys(tenant, t):
            queue = self.queues[key]
            if index in queue:
                queue.remove(index)

    def _queue_keys(self, tenant: int, t: int) -> list[str]:
        """The queues a waiting job of the tenant and type belongs in."""
        return [r for r, owner in self.hold_owner.items() if owner == (tenant, t)] + [SHARED]

    def admit(self, now_s: float, quotas: Mapping[tuple[str, str], int]) -> list[Start]:
        """One scheduling pass at ``now_s``: the policy over each held reservation's pool
        (its owner's jobs of its type), then over the shared pool (every waiting job).
        ``quotas``: accelerators each (tenant id, type) may hold at once (missing: 0); a job
        that would take its tenant past it is left waiting. Returns the jobs started, in the
        order the policy started them; they have left the queues."""
        live = len(self.queued) + len(self.slot_of)
        if len(self.jobs) > max(self.compact_from, 2 * live) and not self.compact(now_s):
            self.compact_from = 2 * len(self.jobs)  # not again before the entries double
        self._sync()
        room: dict[tuple[int, int], int] = {}
        index = self.jobs.tenant_index
        for (tenant_id, accelerator), quota in quotas.items():
            if tenant_id in index and accelerator in self.fleet.types:
                key = (index[tenant_id], self.type_index(accelerator))
                room[key] = quota - self.held[key]
        starts: list[Start] = []
        for pool in [k for k in self.pools if k != SHARED] + [SHARED]:
            if len(self.queues[pool]):
                starts += self._admit_pool(pool, now_s, room)
        return starts

    def _over_quota(self, room: dict[tuple[int, int], int]) -> list[int]:
        """Waiting entries whose gang is larger than what its tenant may still take."""
        over: list[int] = []
        sizes = self.jobs.accelerators
        for key, counts in self._waiting.items():
            left = room.get(key, 0)
            if any(size > left for size, n in counts.items() if n > 0):
                over += [j for j in self._waiting_jobs[key] if sizes[j] > left]
        return over

    def _admit_pool(self, pool: str, now_s: float, room: dict[tuple[int, int], int]) -> list[Start]:
        """The policy's pass over one pool; ``room`` (quota left per (tenant, type)) shrinks
        by what starts."""
        queue, state = self.queues[pool], self.pools[pool]
        jobs = self.jobs
        starts: list[Start] = []
        left_out: list[int] = []
        while True:
            # Jobs over quota leave the queue for the pass and come back after it as newcomers
            # (``recent``), so an incremental pass looks at them again once they fit the quota.
            out = [j for j in dict.fromkeys(self._over_quota(room) + left_out) if j in queue]
            for index in out:
                queue.remove(index)
            decisions = self.policies[pool].admit(queue, state, now_s)
            for index in out:
                queue.push(index)
            over: Decision | None = None
            for number, decision in enumerate(decisions):
                if decision.moved is not None:
                    raise RuntimeError(f"policy {self.policy_name} moved a running job")
                index = decision.job
                key = (jobs.tenant[index], jobs.type_index[index])
                if room.get(key, 0) < jobs.accelerators[index]:
                    # Over quota together with jobs of its tenant started before it in this
                    # pass: it and every later decision are undone, and the policy runs again.
                    over = decision
                    for later in reversed(decisions[number:]):
                        state.release(later.job, now_s)
                    break
                room[key] = room.get(key, 0) - jobs.accelerators[index]
                starts.append(self._started(pool, index, decision))
            if over is None:
                return starts
            left_out.append(over.job)
            self.policies[pool] = make_queue_policy(self.policy_name, self.placement_name)

    def _started(self, pool: str, index: int, decision: Decision) -> Start:
        jobs = self.jobs
        job_id = jobs.job_id[index]
        self.dequeue(job_id)
        self.changes += 1
        self._running(job_id, pool, index)
        allocation = decision.allocation
        return Start(
            job_id, Placed(allocation.nodes.tolist(), allocation.counts.tolist(), pool or None)
        )

    def restore(
        self, job_id: str, tenant_id: str, accelerator: str, accelerators: int, priority: int,
        arrival_s: float, estimate_s: float, start_s: float, nodes: list[int],
        counts: list[int], reservation: str | None,
    ) -> Placed | str:  # fmt: skip
        """Put a job that was running back on exactly ``nodes`` (``counts`` accelerators on
        each) in ``reservation``'s pool (None: shared), as started at ``start_s`` with
        ``estimate_s`` of its estimate left from then (so it ends when it would have). Returns
        its placement, or, changing nothing, why it cannot go back."""
        pool = reservation or SHARED
        state = self.pools.get(pool)
        if state is None:
            return f"reservation {reservation} no longer holds nodes"
        t = self.type_index(accelerator)
        size = int(state.type_node_size[t])
        fleet = self.fleet
        if not nodes or len(nodes) != len(counts) or sum(counts) != accelerators:
            return "its recorded placement does not match its gang"
        full, rest = divmod(accelerators, size)
        shape = (
            len(nodes) == 1
            if accelerators <= size
            else counts.count(size) == full and len(nodes) == full + (1 if rest else 0)
        )
        if not shape or len(set(nodes)) != len(nodes):
            return "its recorded placement is not one the scheduler makes"
        for node, count in zip(nodes, counts, strict=True):
            if not 0 <= node < fleet.node_count or int(fleet.node_type[node]) != t:
                return f"node {node} is not a {accelerator} node"
            holder = self.node_pool.get(node, SHARED)
            if holder != pool:
                return (
                    f"node {node} is held by reservation {holder}"
                    if holder
                    else f"node {node} is no longer held by reservation {reservation}"
                )
            if self.failed[node]:
                return f"node {node} is down for repair"
            if not state.node_up[node]:
                return f"node {node} is out of service"
            if int(state.node_free[node]) < count:
                return (
                    f"node {node} has {int(state.node_free[node])} accelerators free, not {count}"
                )
        tenant = self.jobs.tenant_of(tenant_id)
        index = self.jobs.add(job_id, tenant, t, accelerators, priority, arrival_s, estimate_s)
        self._sync(table=False)
        self.changes += 1
        allocation = state.place(index, _Recorded(nodes, counts, size), start_s, types=(t,))
        if allocation is None or sorted(allocation.nodes.tolist()) != sorted(nodes):
            if allocation is not None:
                state.release(index, start_s)
            return "its recorded nodes no longer fit it"
        self._running(job_id, pool, index)
        return Placed(allocation.nodes.tolist(), allocation.counts.tolist(), reservation)

    def compact(self, now_s: float) -> bool:
        """Drop the entries of jobs no longer waiting or running: rebuild the pools, holds,
        running jobs (`restore`: the same nodes, starts and ends) and queues (the same order)
        with new entries, keeping tenants' order. Returns False, changing nothing, if the
        rebuild would differ (a held node out of service got a substitute). Node choices after
        it may differ from those the old pools would have made (a placement's buckets are
        refilled in another order), as after a restart."""
        jobs, fresh = (
            self.jobs,
            LiveCluster(
                self.fleet, self.plan_s, self.placement_name, self.policy_name, self.compact_from
            ),
        )
        for tenant_id in jobs.tenant_ids:
            fresh.jobs.tenant_of(tenant_id)
        fresh.fail(np.flatnonzero(self.failed).astype(np.int64), now_s)
        for reservation, (t, site, need) in self.hold_need.items():
            size = int(self.state.type_node_size[t])
            nodes = self.held_nodes[reservation]
            owner = jobs.tenant_ids[self.hold_owner[reservation][0]]
            fresh.hold(
                reservation, owner, self.fleet.types[t], self.fleet.sites[site], need * size,
                now_s, preferred=nodes,
            )  # fmt: skip
            if set(fresh.held_nodes[reservation]) != set(nodes):
                return False
            fresh.held_nodes[reservation] = list(nodes)
        for job_id in sorted(self.slot_of, key=self.start_number.__getitem__):
            pool, index = self.slot_of[job_id]
            allocation = self.pools[pool].allocations[index]
            priority, arrival_s = jobs.order_fields(index)
            placed = fresh.restore(
                job_id, jobs.tenant_ids[jobs.tenant[index]],
                self.fleet.types[jobs.type_index[index]], jobs.accelerators[index], priority,
                arrival_s, allocation.end_estimate_s - allocation.start_s, allocation.start_s,
                allocation.nodes.tolist(), allocation.counts.tolist(), pool or None,
            )  # fmt: skip
            if isinstance(placed, str):
                return False
        waiting = []
        for job_id, index in sorted(self.queued.items(), key=lambda item: item[1]):
            priority, arrival_s = jobs.order_fields(index)
            waiting.append(
                fresh._add_waiting(
                    job_id, jobs.tenant_ids[jobs.tenant[index]],
                    self.fleet.types[jobs.type_index[index]], jobs.accelerators[index],
                    priority, arrival_s, jobs.estimate_s[index],
                )
            )  # fmt: skip
        fresh._sync()
        for index in waiting:
            fresh._push(index)
        changes = self.changes + 1
        # Attribute by attribute (same names): a read-out outside the scheduling lock (the
        # dashboard's) may mix old and new pools for a moment but never misses an attribute.
        vars(self).update(vars(fresh))
        self.changes = changes
        return True

    def _running(self, job_id: str, pool: str, index: int) -> None:
        jobs = self.jobs
        self.slot_of[job_id] = (pool, index)
        self.job_of_slot[(pool, index)] = job_id
        self.start_number[job_id] = self._starts
        self._starts += 1
        self.held[(jobs.tenant[index], jobs.type_index[index])] += jobs.accelerators[index]

    def _forget(self, job_id: str) -> tuple[str, int]:
        """A running job stops (released by the caller): its pool and entry."""
        where = self.slot_of.pop(job_id)
        del self.job_of_slot[where], self.start_number[job_id]
        index = where[1]
        self.held[(self.jobs.tenant[index], self.jobs.type_index[index])] -= self.jobs.accelerators[
            index
        ]
        self.changes += 1
        return where

    def release(self, job_id: str, now_s: float) -> None:
        if job_id in self.slot_of:
            pool, index = self._forget(job_id)
            self.pools[pool].release(index, now_s)

    def due(self, now_s: float) -> list[tuple[float, str]]:
        """Running jobs whose estimate has elapsed by ``now_s`` (they complete then): (end
        time in seconds, job id), earliest first, then in the order they started."""
        done: list[tuple[float, int, str]] = []
        for key, state in list(self.pools.items()):
            for ends in state.running_ends:
                for end_s, slot in ends:
                    if end_s > now_s:
                        break
                    job_id = self.job_of_slot[(key, slot)]
                    done.append((end_s, self.start_number[job_id], job_id))
        return [(end_s, job_id) for end_s, _, job_id in sorted(done)]

    def next_end_s(self) -> float:
        """When the next running job's estimate elapses (inf if none runs)."""
        return min(
            (ends[0][0] for s in list(self.pools.values()) for ends in s.running_ends if ends),
            default=float("inf"),
        )

    # Fleet changes ------------------------------------------------------------------------

    def follow_plan(self, now_s: float) -> list[str]:
        """Bring online the nodes whose planned online date has passed and retire those past
        their offline date; returns the jobs interrupted by retirements."""
        fleet = self.fleet
        planned = (fleet.node_online_s <= now_s) & (fleet.node_offline_s > now_s)
        joining = np.flatnonzero(planned & ~self.in_service & ~self.failed)
        leaving = np.flatnonzero(~planned & self.in_service)
        self.in_service = planned
        self.plan_s = now_s
        self.changes += 1
        if len(joining):
            self.state.bring_online(joining.astype(np.int64), now_s)
        return self._take_down(leaving.astype(np.int64), now_s) if len(leaving) else []

    def next_plan_change_s(self, now_s: float) -> float:
        fleet = self.fleet
        later = np.concatenate([fleet.node_online_s, fleet.node_offline_s])
        later = later[later > now_s]
        return float(later.min()) if len(later) else float("inf")

    def fail(self, nodes: IntArray, now_s: float) -> list[str]:
        """Nodes go down for repair; returns the jobs interrupted (released everywhere)."""
        nodes = nodes[~self.failed[nodes]]
        self.changes += 1
        self.failed[nodes] = True
        return self._take_down(nodes, now_s)

    def repair(self, nodes: IntArray, now_s: float) -> None:
        """Repaired nodes come back (if still in service by the plan) in the pool holding
        them, else in the shared pool."""
        nodes = nodes[self.failed[nodes]]
        self.changes += 1
        self.failed[nodes] = False
        back = nodes[self.in_service[nodes]]
        for node in back.tolist():
            pool = self.pools.get(self.node_pool.get(node, SHARED), self.state)
            pool.bring_online(np.array([node], np.int64), now_s)

    def _take_down(self, nodes: IntArray, now_s: float) -> list[str]:
        interrupted: list[str] = []
        by_pool: dict[str, list[int]] = {}
        for node in nodes.tolist():
            by_pool.setdefault(self.node_pool.get(node, SHARED), []).append(node)
        for key, members in by_pool.items():
            hit = self.pools[key].take_offline(np.array(members, np.int64), now_s)
            for allocation in hit:
                job_id = self.job_of_slot[(key, allocation.job)]
                self._forget(job_id)
                interrupted.append(job_id)
        return interrupted

    # Reservations -------------------------------------------------------------------------

    def hold(
        self,
        reservation: str,
        tenant_id: str,
        accelerator: str,
        site: str,
        accelerators: int,
        now_s: float,
        preferred: list[int] | None = None,
        yield_order: list[str] | None = None,
    ) -> tuple[list[int], list[str]]:
        """Set whole nodes aside for ``tenant_id``'s reservation whose window starts: enough of
        the type at the site to cover ``accelerators`` (rounded up to whole nodes), wholly free
        shared nodes first (``preferred`` ones before others, then in fleet order, which keeps
        them in few scale-up domains). If too few are free, shared jobs running there are
        interrupted in ``yield_order`` (job ids; the caller puts the lowest priority, latest
        started first) until enough are. The tenant's waiting jobs of the type join the
        reservation's queue. Returns the nodes held (fewer if the site has too few up:
        `top_up` adds the rest later) and the jobs interrupted."""
        t = self.type_index(accelerator)
        size = int(self.state.type_node_size[t])
        tenant = self.jobs.tenant_of(tenant_id)
        self.hold_need[reservation] = (t, self.fleet.sites.index(site), -(-accelerators // size))
        self.hold_owner[reservation] = (tenant, t)
        self.pools[reservation] = self._new_pool(shared=False)
        self._sync()
        self._open_queue(reservation, list(self._waiting_jobs.get((tenant, t), {})))
        self.held_nodes[reservation] = []
        return self.top_up(reservation, now_s, preferred, yield_order)

    def short(self) -> list[str]:
        """Reservations holding fewer nodes than they need (nodes were down or busy)."""
        return [r for r, (_, _, need) in self.hold_need.items() if len(self.held_nodes[r]) < need]

    def top_up(
        self,
        reservation: str,
        now_s: float,
        preferred: list[int] | None = None,
        yield_order: list[str] | None = None,
    ) -> tuple[list[int], list[str]]:
        """Take the nodes a held reservation still lacks (see `hold`); returns all its nodes
        and the jobs interrupted."""
        fleet = self.fleet
        t, site, need = self.hold_need[reservation]
        need -= len(self.held_nodes[reservation])
        size = int(self.state.type_node_size[t])
        at_site = np.flatnonzero((fleet.node_type == t) & (fleet.node_site == site))
        shared = self.state

        def wholly_free() -> list[int]:
            ok = at_site[shared.node_up[at_site] & (shared.node_free[at_site] == size)].tolist()
            okay = set(ok)
            first = [n for n in (preferred or []) if n in okay]
            taken = set(first)
            return first + [n for n in ok if n not in taken]

        # Its recorded nodes that are down for repair are held again (as after a restart): they
        # come back to it when repaired.
        site_set = set(at_site.tolist())
        down = [
            n for n in (preferred or [])
            if n in site_set and self.failed[n] and n not in self.node_pool
        ][: max(need, 0)]  # fmt: skip
        for node in down:
            self.node_pool[node] = reservation
        self.held_nodes[reservation].extend(down)
        need -= len(down)
        interrupted: list[str] = []
        free_nodes = wholly_free()
        if len(free_nodes) < need:
            for job_id in yield_order or []:
                key, slot = self.slot_of.get(job_id, ("-", -1))
                if key != SHARED or slot not in shared.allocations:
                    continue
                if not site_set.intersection(shared.allocations[slot].nodes.tolist()):
                    continue
                self.release(job_id, now_s)
                interrupted.append(job_id)
                free_nodes = wholly_free()
                if len(free_nodes) >= need:
                    break
        chosen = np.array(free_nodes[: max(need, 0)], np.int64)
        if len(chosen) or down:
            self.changes += 1
            shared.take_offline(chosen, now_s)  # wholly free: no job is hit
            self.pools[reservation].bring_online(chosen, now_s)
            self.held_nodes[reservation].extend(chosen.tolist())
            for node in chosen.tolist():
                self.node_pool[node] = reservation
        return list(self.held_nodes[reservation]), interrupted

    def unhold(self, reservation: str, now_s: float) -> list[str]:
        """The reservation's window ends (or it is cancelled): its jobs still running are
        interrupted (returned) and its nodes go back to the shared pool."""
        pool = self.pools.pop(reservation, None)
        if pool is None:
            return []
        self.changes += 1
        del self.queues[reservation], self.policies[reservation], self.hold_owner[reservation]
        interrupted = [job for (key, _), job in self.job_of_slot.items() if key == reservation]
        for job_id in interrupted:
            self._forget(job_id)
        nodes = self.held_nodes.pop(reservation)
        del self.hold_need[reservation]
        for node in nodes:
            del self.node_pool[node]
        back = np.array(nodes, np.int64)
        back = back[self.in_service[back] & ~self.failed[back]]
        self.state.bring_online(back, now_s)
        return interrupted
