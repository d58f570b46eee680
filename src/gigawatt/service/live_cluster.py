"""The simulator's `ClusterState` and placement policy, fed jobs one at a time by the service.

`ClusterState` takes its jobs as a fixed `JobTable`; a live service learns of jobs as they
arrive, so `LiveCluster` appends each new job to the state's per-job columns (one slot per
job). The decision itself (which nodes) is exactly `ClusterState.place` with the policy the
simulator uses (``topology`` by default), so the twin and the service decide the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import gigawatt.sched.topology  # noqa: F401  (registers the "topology" and "spread" placements)
from gigawatt.fleet.topology import Fleet
from gigawatt.sched.cluster import Allocation, ClusterState, make_placement
from gigawatt.sched.jobs import WHOLE_MILLI, JobTable


@dataclass(frozen=True)
class Placed:
    """Where a started job runs: node indices and accelerators taken on each."""

    nodes: list[int]
    counts: list[int]

    def as_json(self, fleet: Fleet) -> dict[str, object]:
        halls = sorted({fleet.halls[int(fleet.node_hall[n])] for n in self.nodes})
        domains = sorted({int(fleet.node_domain[n]) for n in self.nodes})
        return {"nodes": self.nodes, "counts": self.counts, "halls": halls, "domains": domains}


class LiveCluster:
    """Free capacity of the fleet as of ``now_s`` (seconds from the scenario's program start)."""

    def __init__(self, fleet: Fleet, now_s: float, placement: str = "topology") -> None:
        self.fleet = fleet
        empty_i = np.zeros(0, np.int64)
        empty_f = np.zeros(0, np.float64)
        jobs = JobTable(
            tenants=("live",), tenant_weight=np.ones(1), types=fleet.types,
            tenant=empty_i, accelerators=empty_i, gpu_milli=empty_i, allowed=empty_i,
            gang=np.zeros(0, bool), priority=empty_i, arrival_s=empty_f, duration_s=empty_f,
            estimate_s=empty_f, checkpoint_s=empty_f,
        )  # fmt: skip
        self.state = ClusterState(fleet, jobs)
        online = (fleet.node_online_s <= now_s) & (fleet.node_offline_s > now_s)
        self.state.bring_online(np.flatnonzero(online), now_s)
        self.placement = make_placement(placement)
        self.slot_of: dict[str, int] = {}
        self.job_of_slot: dict[int, str] = {}

    def type_index(self, accelerator: str) -> int:
        return self.fleet.types.index(accelerator)

    def free(self, accelerator: str) -> int:
        """Wholly free accelerators of the type on online nodes."""
        return int(self.state.type_free[self.type_index(accelerator)])

    def online(self, accelerator: str) -> int:
        return int(self.state.type_online[self.type_index(accelerator)])

    def try_start(
        self, job_id: str, accelerator: str, accelerators: int, estimate_s: float, now_s: float
    ) -> Placed | None:
        """Start the job now if its whole gang fits; the placement is committed in memory."""
        t = self.type_index(accelerator)
        if self.state.type_free[t] < accelerators:
            return None
        state = self.state
        slot = len(state._job_acc)
        # The per-job columns ClusterState.place reads (see the module docstring).
        state._job_acc.append(accelerators)
        state._job_milli.append(WHOLE_MILLI)
        state._job_estimate.append(estimate_s)
        state._job_tenant.append(0)
        state._job_allowed.append(1 << t)
        allocation: Allocation | None = state.place(slot, self.placement, now_s, types=(t,))
        if allocation is None:
            return None  # the slot stays unused; it holds nothing
        self.slot_of[job_id] = slot
        self.job_of_slot[slot] = job_id
        return Placed(allocation.nodes.tolist(), allocation.counts.tolist())

    def release(self, job_id: str, now_s: float) -> None:
        slot = self.slot_of.pop(job_id, None)
        if slot is not None:
            del self.job_of_slot[slot]
            self.state.release(slot, now_s)

    def due(self, now_s: float) -> list[str]:
        """Running jobs whose estimate has elapsed by ``now_s`` (they complete then)."""
        done: list[str] = []
        for ends in self.state.running_ends:
            for end_s, slot in ends:
                if end_s > now_s:
                    break
                done.append(self.job_of_slot[slot])
        return done

    def running(self) -> int:
        return len(self.slot_of)
