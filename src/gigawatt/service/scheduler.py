"""The service's adapter over the scheduling engine: one `Engine` (`gigawatt.sched.engine`),
the same the twin's replay runs, fed by API calls and the clock; its outcomes become rows.

`Scheduler` keeps what the engine does not: the service's ids (jobs, tenants, reservations)
beside the engine's indices, and the clock's datetimes beside the engine's seconds from the
program start. It never decides anything itself: a submission is `Engine.add_job` +
`Engine.submit` + `Engine.advance`, a tick is `Engine.advance`, and `persist` writes what the
engine reports (`Engine.outcomes`: jobs started, ended, requeued, restarted; node failures and
repairs; reservation windows opening and closing) into the session of the transaction that
acknowledges the request. If that transaction fails, the control plane rebuilds the scheduler
from the database (`gigawatt.service.control.ControlPlane.recover`).

The policy stack is the engine's: quotas (`gigawatt.sched.quotas.Quotas`: each tenant's quota
per accelerator type, a type it has none of: 0) over reservations
(`gigawatt.sched.reservations.Reserving`) over the queue policy (``--policy``) placing with
``--placement``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

import gigawatt.sched.topology  # noqa: F401  (registers the "topology" and "spread" placements)
from gigawatt.failures.fleet import NodeFailures
from gigawatt.fleet.topology import Fleet
from gigawatt.sched.cluster import ClusterState
from gigawatt.sched.engine import (
    ENDED,
    NODE_DOWN,
    NODE_UP,
    REJECTED,
    REQUEUED,
    RESTARTED,
    STARTED,
    WINDOW_CLOSED,
    Engine,
    Outcome,
)
from gigawatt.sched.jobs import JobBook
from gigawatt.sched.queue import make_queue_policy
from gigawatt.sched.quotas import Quotas
from gigawatt.sched.reservations import Refusal, Reservation, Reserving

#: The queue policy `gigawatt serve` uses unless told otherwise: the one `gigawatt simulate`
#: uses by default, so the twin and the live service decide alike out of the box.
DEFAULT_POLICY = "easy-backfill"


@dataclass(frozen=True)
class JobSpec:
    """What the engine needs of a service job."""

    job_id: str
    tenant_id: str
    accelerator: str
    accelerators: int
    priority: int
    submitted_s: float
    estimate_s: float
    checkpoint_s: float | None
    progress_s: float = 0.0


class Scheduler:
    """The engine of one service process over ``fleet`` (see the module doc)."""

    def __init__(
        self,
        fleet: Fleet,
        epoch: dt.datetime,
        now_s: float,
        policy: str = DEFAULT_POLICY,
        placement: str = "topology",
        failures: NodeFailures | None = None,
    ) -> None:
        self.fleet = fleet
        self.epoch = epoch
        inner = make_queue_policy(policy, placement)
        self.quotas = Quotas(Reserving(inner, fleet), len(fleet.types))
        self.engine = Engine(
            fleet, JobBook(fleet.types), self.quotas, failures=failures, record=True
        )
        self.engine.feed_outages()
        self.job_index: dict[str, int] = {}
        self.job_ids: list[str] = []
        self.reservation_index: dict[str, int] = {}
        self.reservation_ids: list[str] = []
        self.engine.advance(now_s)  # the fleet as the plan has it now
        self.engine.outcomes = []

    @property
    def state(self) -> ClusterState:
        return self.engine.state

    def at(self, seconds: float) -> dt.datetime:
        return self.epoch + dt.timedelta(seconds=seconds)

    # Inputs -------------------------------------------------------------------------------

    def tenant(self, tenant_id: str) -> int:
        """The tenant's index in the engine (added if new)."""
        book = self.engine.jobs_book
        return book.tenant_of(tenant_id)

    def set_quotas(self, tenant_id: str, quotas: Mapping[str, int]) -> None:
        """The tenant's quota per accelerator type (a type not named: 0)."""
        tenant = self.tenant(tenant_id)
        for t, accelerator in enumerate(self.fleet.types):
            self.quotas.set_quota(tenant, t, int(quotas.get(accelerator, 0)))
        self.engine.note_changed()

    def add(self, spec: JobSpec) -> int:
        """A job the engine does not know yet (not queued): its index."""
        self.tenant(spec.tenant_id)
        index = self.engine.add_job(
            spec.tenant_id,
            spec.accelerators,
            spec.submitted_s,
            spec.estimate_s,
            type_index=self.fleet.types.index(spec.accelerator),
            priority=spec.priority,
            checkpoint_s=spec.checkpoint_s if spec.checkpoint_s else math.inf,
            checkpoint_cost_s=0.0,  # a service job declares none
        )
        self.engine.set_progress(index, spec.progress_s)
        self.job_index[spec.job_id] = index
        self.job_ids.append(spec.job_id)
        return index

    def submit(self, spec: JobSpec, now_s: float) -> None:
        """A new job arrives now (applied by the next `advance`)."""
        self.engine.submit(self.add(spec), now_s)

    def enqueue(self, spec: JobSpec) -> None:
        """A job waiting before a restart waits again (in its submission order)."""
        self.engine.enqueue(self.add(spec))

    def restore(
        self, spec: JobSpec, nodes: list[int], counts: list[int], start_s: float, now_s: float
    ) -> str | None:
        """A job running before a restart goes back on exactly its nodes (None), or waits
        again (the reason)."""
        index = self.add(spec)
        why = self.engine.restore(index, nodes, counts, start_s, now_s)
        if why is not None:
            self.engine.enqueue(index)
        return why

    def cancel(self, job_id: str, now_s: float) -> None:
        index = self.job_index.get(job_id)
        if index is not None:
            self.engine.cancel(index, now_s)

    def restore_down(self, node: int, up_s: float, now_s: float) -> None:
        self.engine.restore_down(node, up_s, now_s)

    def reserve(
        self,
        reservation_id: str,
        tenant_id: str,
        accelerator: str,
        site: str,
        accelerators: int,
        start_s: float,
        end_s: float,
        nodes: list[int] | None = None,
        opened: bool = False,
    ) -> list[int] | str:
        """Hold capacity for a tenant over ``[start_s, end_s)``: the nodes it holds, or why it
        cannot be held. ``nodes``/``opened``: as recorded before a restart."""
        r = Reservation(
            tenant=self.tenant(tenant_id),
            accelerators=accelerators,
            type_index=self.fleet.types.index(accelerator),
            start_s=start_s,
            end_s=end_s,
            site=self.fleet.sites.index(site),
            name=reservation_id,
        )
        held = self.engine.reserve(r, nodes, opened=opened)
        if isinstance(held, Refusal):
            return held.reason
        self.reservation_index[reservation_id] = held
        self.reservation_ids.append(reservation_id)
        return self.engine.reservation_nodes(held)

    def cancel_reservation(self, reservation_id: str) -> None:
        index = self.reservation_index.get(reservation_id)
        if index is not None:
            self.engine.cancel_reservation(index)

    def advance(self, now_s: float, decide: bool = True) -> list[Outcome]:
        """Everything due by ``now_s`` and (``decide``) a pass of the policy: what happened,
        in order."""
        self.engine.advance(now_s, decide)
        return self.take()

    def take(self) -> list[Outcome]:
        """The outcomes not taken yet."""
        outcomes = self.engine.outcomes or []
        self.engine.outcomes = []
        return outcomes

    def next_event_s(self) -> float:
        return self.engine.next_event_s()

    # Read-outs ----------------------------------------------------------------------------

    def job_id(self, index: int) -> str:
        return self.job_ids[index]

    def reservation_id(self, index: int) -> str:
        return self.reservation_ids[index]

    def progress_s(self, job_id: str) -> float:
        """Seconds of the job's work its checkpoints saved."""
        return self.engine.progress_s(self.job_index[job_id])

    def held_nodes(self, now_s: float) -> dict[int, str]:
        """Node -> the reservation holding it now (windows open)."""
        layer = self.engine.reserving
        if layer is None:
            return {}
        return {
            int(node): self.reservation_ids[index]
            for index, nodes in layer.held_nodes(now_s).items()
            for node in nodes.tolist()
        }

    @property
    def failed(self) -> npt.NDArray[np.bool_]:
        """Per node: down for repair (no spare stands in)."""
        return np.array(self.engine.in_repair, np.int64) > 0

    def type_index(self, accelerator: str) -> int:
        return self.fleet.types.index(accelerator)

    def free(self, accelerator: str) -> int:
        return int(self.state.type_free[self.type_index(accelerator)])

    def online(self, accelerator: str) -> int:
        return int(self.state.type_online[self.type_index(accelerator)])

    def reserved(self, accelerator: str, now_s: float) -> tuple[int, int]:
        """Accelerators of the type on nodes held for reservations now, and how many of
        those are free (usable by their owners only)."""
        t = self.type_index(accelerator)
        state = self.state
        held = [n for n in self.held_nodes(now_s) if int(self.fleet.node_type[n]) == t]
        if not held:
            return 0, 0
        nodes = np.array(held, np.int64)
        up = state.node_up[nodes]
        return int(self.fleet.node_accelerators[nodes][up].sum()), int(state.node_free[nodes].sum())

    def busy_by_group(self) -> tuple[tuple[tuple[str, str], ...], list[float], list[float]]:
        """(site, type) groups and the accelerators busy and online in each."""
        state = self.state
        return state.groups, list(state.group_busy), list(state.group_online)


__all__ = [
    "DEFAULT_POLICY",
    "ENDED",
    "NODE_DOWN",
    "NODE_UP",
    "REJECTED",
    "REQUEUED",
    "RESTARTED",
    "STARTED",
    "WINDOW_CLOSED",
    "JobSpec",
    "Outcome",
    "Scheduler",
]
