"""The simulator's `ClusterState` and placement policy, fed jobs one at a time by the service.

`ClusterState` takes its jobs as a fixed `JobTable`; a live service learns of jobs as they
arrive, so `LiveCluster` appends each new job to the state's per-job columns (one slot per
job). The decision itself (which nodes) is exactly `ClusterState.place` with the policy the
simulator uses (``topology`` by default), so the twin and the service decide the same way.

Reservations hold whole nodes. The fleet's capacity is split into pools, each its own
`ClusterState` over the same fleet: the shared pool (key ``""``) and one per reservation whose
window is on, holding the nodes set aside for it (taken offline in the shared pool, online in
the reservation's). Another tenant's job is only ever placed in the shared pool, so it can
never land on held capacity; the owner's job tries its reservations' pools first. A gang runs
inside one pool (it is not split between a reservation and shared capacity).

Node failures (twin clock) take a node down in whichever pool holds it; a repair brings it back
there (or to the shared pool if its reservation has ended meanwhile).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

import gigawatt.sched.topology  # noqa: F401  (registers the "topology" and "spread" placements)
from gigawatt.fleet.topology import Fleet
from gigawatt.sched.cluster import Allocation, ClusterState, make_placement
from gigawatt.sched.jobs import WHOLE_MILLI, JobTable

IntArray = npt.NDArray[np.int64]

#: Pool key of the capacity shared by every tenant.
SHARED = ""


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


def _empty_state(fleet: Fleet) -> ClusterState:
    empty_i = np.zeros(0, np.int64)
    empty_f = np.zeros(0, np.float64)
    jobs = JobTable(
        tenants=("live",), tenant_weight=np.ones(1), types=fleet.types,
        tenant=empty_i, accelerators=empty_i, gpu_milli=empty_i, allowed=empty_i,
        gang=np.zeros(0, bool), priority=empty_i, arrival_s=empty_f, duration_s=empty_f,
        estimate_s=empty_f, checkpoint_s=empty_f,
    )  # fmt: skip
    return ClusterState(fleet, jobs)


class LiveCluster:
    """Free capacity of the fleet as of ``now_s`` (seconds from the scenario's program start)."""

    def __init__(self, fleet: Fleet, now_s: float, placement: str = "topology") -> None:
        self.fleet = fleet
        self.state = _empty_state(fleet)  # the shared pool
        self.pools: dict[str, ClusterState] = {SHARED: self.state}
        #: Nodes in service by the plan (online date passed, offline date not yet).
        self.in_service = np.zeros(fleet.node_count, bool)
        #: Nodes down for repair (twin clock failures).
        self.failed = np.zeros(fleet.node_count, bool)
        #: Held node -> reservation id.
        self.node_pool: dict[int, str] = {}
        self.held_nodes: dict[str, list[int]] = {}
        #: Held reservation -> (type index, site index, nodes it needs).
        self.hold_need: dict[str, tuple[int, int, int]] = {}
        self.placement = make_placement(placement)
        self.slot_of: dict[str, tuple[str, int]] = {}
        self.job_of_slot: dict[tuple[str, int], str] = {}
        #: Bumped by every change of memory state (a failed transaction then rebuilds it).
        self.changes = 0
        self.follow_plan(now_s)

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

    def try_start(
        self,
        job_id: str,
        accelerator: str,
        accelerators: int,
        estimate_s: float,
        now_s: float,
        reservations: tuple[str, ...] = (),
        shared: bool = True,
    ) -> Placed | None:
        """Start the job now if its whole gang fits: in the first of ``reservations`` (their
        held nodes) where it does, else (``shared``) on shared capacity. The placement is
        committed in memory."""
        t = self.type_index(accelerator)
        keys = [r for r in reservations if r in self.pools] + ([SHARED] if shared else [])
        for key in keys:
            state = self.pools[key]
            if state.type_free[t] < accelerators:
                continue
            slot = len(state._job_acc)
            # The per-job columns ClusterState.place reads (see the module docstring).
            state._job_acc.append(accelerators)
            state._job_milli.append(WHOLE_MILLI)
            state._job_estimate.append(estimate_s)
            state._job_tenant.append(0)
            state._job_allowed.append(1 << t)
            allocation: Allocation | None = state.place(slot, self.placement, now_s, types=(t,))
            if allocation is None:
                continue  # the slot stays unused; it holds nothing
            self.changes += 1
            self.slot_of[job_id] = (key, slot)
            self.job_of_slot[(key, slot)] = job_id
            return Placed(allocation.nodes.tolist(), allocation.counts.tolist(), key or None)
        return None

    def release(self, job_id: str, now_s: float) -> None:
        where = self.slot_of.pop(job_id, None)
        if where is not None:
            self.changes += 1
            del self.job_of_slot[where]
            self.pools[where[0]].release(where[1], now_s)

    def due(self, now_s: float) -> list[tuple[float, str]]:
        """Running jobs whose estimate has elapsed by ``now_s`` (they complete then): (end
        time in seconds, job id), earliest first."""
        done: list[tuple[float, str]] = []
        for key, state in list(self.pools.items()):
            for ends in state.running_ends:
                for end_s, slot in ends:
                    if end_s > now_s:
                        break
                    done.append((end_s, self.job_of_slot[(key, slot)]))
        return sorted(done)

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
                job_id = self.job_of_slot.pop((key, allocation.job))
                del self.slot_of[job_id]
                interrupted.append(job_id)
        return interrupted

    # Reservations -------------------------------------------------------------------------

    def hold(
        self,
        reservation: str,
        accelerator: str,
        site: str,
        accelerators: int,
        now_s: float,
        preferred: list[int] | None = None,
        yield_order: list[str] | None = None,
    ) -> tuple[list[int], list[str]]:
        """Set whole nodes aside for a reservation whose window starts: enough of the type at
        the site to cover ``accelerators`` (rounded up to whole nodes), wholly free shared nodes
        first (``preferred`` ones before others, then in fleet order, which keeps them in few
        scale-up domains). If too few are free, shared jobs running there are interrupted in
        ``yield_order`` (job ids; the caller puts the lowest priority, latest started first)
        until enough are. Returns the nodes held (fewer if the site has too few up: `top_up`
        adds the rest later) and the jobs interrupted."""
        t = self.type_index(accelerator)
        size = int(self.state.type_node_size[t])
        self.hold_need[reservation] = (t, self.fleet.sites.index(site), -(-accelerators // size))
        self.pools[reservation] = _empty_state(self.fleet)
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
        interrupted = [job for (key, _), job in self.job_of_slot.items() if key == reservation]
        for job_id in interrupted:
            del self.job_of_slot[self.slot_of.pop(job_id)]
        nodes = self.held_nodes.pop(reservation)
        del self.hold_need[reservation]
        for node in nodes:
            del self.node_pool[node]
        back = np.array(nodes, np.int64)
        back = back[self.in_service[back] & ~self.failed[back]]
        self.state.bring_online(back, now_s)
        return interrupted
