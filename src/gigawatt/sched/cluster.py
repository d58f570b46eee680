"""What the scheduler sees of the fleet right now (`ClusterState`) and how it commits a placement.

The same object serves the simulator and a live service: policies read it, call `place` to
start a job (the placement is committed at once) and the owner calls `release` when the job
ends. State is arrays per node plus, per accelerator type, *buckets* of online nodes by free
accelerator count, so a small job finds its node in a few dictionary look-ups on a
million-accelerator fleet and a gang is picked with a handful of vectorized passes.

Node states::

    offline --bring_online--> online (free = its accelerators) --place/release--> ...
       ^                                                                             |
       +------------------------------- take_offline (jobs on it are interrupted) ---+

Partly used nodes sit in per-type dictionaries by free count (1..S-1); wholly free nodes are
counted per domain and hall in arrays only, so a gang of a thousand nodes is taken and given
back with a few vectorized operations.

A whole-accelerator job of ``n`` accelerators of a type with ``S`` per node takes one node with
``n`` free if ``n <= S``; otherwise ``n // S`` whole free nodes plus one node with the remainder.
A share job (``gpu_milli`` < 1000) takes part of one accelerator: the tightest partly shared
accelerator it fits on, else a whole free one that becomes shared. Interchangeable
accelerators of a node are counted, not named, so "never more than capacity on any
accelerator" is: free counts in 0..S per node and free milli in 0..1000 per shared accelerator.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray

from gigawatt.fleet.topology import Fleet
from gigawatt.sched.jobs import WHOLE_MILLI, JobTable

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
NO_NODE = -1
#: Ranges of at most this many nodes are scanned in Python rather than with numpy.
SMALL_SCAN_NODES = 64
#: Allocations on at most this many nodes are given back node by node.
SMALL_GANG_NODES = 4
#: Gangs of more nodes than this update the node mirror by slices of consecutive nodes.
MIRROR_SLICE_NODES = 4096
#: Halls whose scale-up domains have 2..this many nodes keep their domains in buckets by
#: wholly free node count, so a gang picks its domains with a few list look-ups instead of a
#: pass over every domain of the hall (NVL72 racks: 18 nodes; TPU pods: thousands, few).
BUCKET_DOMAIN_NODES = 256
#: Halls of larger domains with at most this many domains are searched domain by domain.
FEW_DOMAINS = 64


class Runs(NamedTuple):
    """Wholly free nodes picked for a gang, compactly: ``spans`` of consecutive nodes
    ``(first node, nodes)``, single ``nodes`` (picked one by one in partly used domains) and
    how many nodes per scale-up domain; ``nodes``: all of them as one array, when the
    placement built it already. ``one_node_halls``: for a gang on halls of one-node domains
    (B200 HGX), the nodes taken per hall (``per_domain`` is then 1 for each of its domains,
    and the counters are set a span at a time, not domain by domain); None otherwise."""

    spans: list[tuple[int, int]]
    singles: list[int]
    per_domain: dict[int, int]
    nodes: IntArray | None = None
    one_node_halls: dict[int, int] | None = None

    def array(self, every: IntArray) -> IntArray:
        """The nodes as one array (``every``: all node indices, sliced for the spans)."""
        if self.nodes is not None:
            return self.nodes
        parts = [every[first : first + n] for first, n in self.spans]
        if self.singles:
            parts.append(np.array(self.singles, np.int64))
        return np.concatenate(parts) if len(parts) > 1 else parts[0]


@dataclass(slots=True)
class Allocation:
    """Where a running job is: ``counts[i]`` whole accelerators on ``nodes[i]``, or, for a share
    job, ``gpu_milli`` of shared accelerator ``shared_slot`` on ``nodes[0]``."""

    job: int
    type: int
    nodes: IntArray
    counts: IntArray
    gpu_milli: int
    shared_slot: int
    start_s: float
    end_estimate_s: float
    accelerators: float  # held; a share counts as its fraction of one
    #: Its wholly used nodes as runs of consecutive nodes and how many per scale-up domain,
    #: when the placement gave them so (``GangPlacement``'s optional ``full_runs``); None:
    #: only ``nodes`` and ``counts`` describe it.
    runs: Runs | None = None


_PLACED, _RELEASED = 0, 1


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A point in a `ClusterState`'s journal to commit or roll back to."""

    position: int


@dataclass(frozen=True, slots=True)
class Withheld:
    """Capacity `ClusterState.withhold` shows as used: wholly free nodes, partly used nodes
    with their free counts, nodes with shared accelerators, and the free accelerators in all."""

    type_index: int
    whole: IntArray
    partial: IntArray
    partial_free: IntArray
    shared: list[int]
    accelerators: int


@dataclass(frozen=True, slots=True)
class StateLists:
    """Python-list mirrors of a `ClusterState`'s per-node, per-domain and per-hall data, for
    placements' per-node hot paths (reading an element of a list is several times cheaper
    than one of a NumPy array). The lists are the state's own: read them, never write them
    (only the state does). Static: ``node_size``, ``domain_first_node``, ``hall_first_domain``,
    ``hall_first_node``, ``hall_site``, ``type_halls`` and ``all_nodes`` (every node index, an
    array to slice); changing: ``node_free`` (free accelerators per node), ``domain_full`` and
    ``hall_full`` (wholly free online nodes per scale-up domain and hall)."""

    node_free: list[int]
    node_size: list[int]
    domain_full: list[int]
    hall_full: list[int]
    domain_first_node: list[int]
    hall_first_domain: list[int]
    hall_first_node: list[int]
    hall_site: list[int]
    type_halls: list[list[int]]
    all_nodes: IntArray


class Fallback(Protocol):
    """`ClusterState.place`'s second chance for a job that fits nowhere it may normally go."""

    def __call__(
        self, job: int, placement: GangPlacement, now: float, types: Sequence[int] | None
    ) -> Allocation | None: ...


class GangPlacement(Protocol):
    """Which nodes a job gets. ``small``: one node with ``accelerators`` free (or NO_NODE);
    ``full_nodes``: ``count`` wholly free nodes of the type (the caller checked there are).
    A placement may also offer ``full_runs(state, type_index, count)``: the same choice as
    ``Runs`` (runs of consecutive nodes and the nodes per domain; or None to fall back to
    ``full_nodes``); a gang given as runs is taken and given back run by run, without a pass
    over each node."""

    name: str

    def small(self, state: ClusterState, type_index: int, accelerators: int) -> int: ...

    def full_nodes(self, state: ClusterState, type_index: int, count: int) -> IntArray: ...


PlacementFactory = Callable[[], GangPlacement]
_PLACEMENTS: dict[str, PlacementFactory] = {}


def register_placement(name: str) -> Callable[[PlacementFactory], PlacementFactory]:
    """Decorator: make a fleet placement available by name (``--placement <name>``)."""

    def add(factory: PlacementFactory) -> PlacementFactory:
        _PLACEMENTS[name] = factory
        return factory

    return add


def placement_names() -> tuple[str, ...]:
    return tuple(_PLACEMENTS)


def make_placement(name: str) -> GangPlacement:
    try:
        return _PLACEMENTS[name]()
    except KeyError:
        raise KeyError(f"unknown placement {name!r} (known: {', '.join(_PLACEMENTS)})") from None


class ClusterState:
    """Free capacity, running allocations and per-tenant usage of one fleet and job table."""

    def __init__(self, fleet: Fleet, jobs: JobTable) -> None:
        self.fleet = fleet
        self.jobs = jobs
        types = len(fleet.types)
        self._init_nodes(fleet)
        self._init_topology(fleet)
        #: The Python-list mirrors placements read (the same list objects, kept current).
        self.lists = StateLists(
            self._node_free, self._node_size, self._domain_full, self._hall_full,
            self._domain_first_node, self._hall_first_domain, self._hall_first_node,
            self._hall_site, self._type_halls, self._all_nodes,
        )  # fmt: skip
        self._init_allocations(types)
        self._init_groups(fleet, jobs)
        self._init_hooks(types)
        self._init_jobs(fleet, jobs)

    def _init_nodes(self, fleet: Fleet) -> None:
        """Per node: size, type, free accelerators, up; per type: node size and free counts."""
        types = len(fleet.types)
        sizes = np.zeros(types, np.int64)
        for t in range(types):
            of_type = fleet.node_accelerators[fleet.node_type == t]
            if len(of_type) and of_type.min() != of_type.max():
                raise ValueError(f"nodes of type {fleet.types[t]} must all have the same size")
            sizes[t] = of_type[0] if len(of_type) else 0
        self.type_node_size = sizes
        self._type_node_size: list[int] = sizes.tolist()  # the same, as Python ints
        self.node_size = fleet.node_accelerators
        # Python lists mirror what the per-node hot path reads (numpy scalar access is slow).
        self._node_type: list[int] = fleet.node_type.tolist()
        self._node_size: list[int] = fleet.node_accelerators.tolist()
        self._node_domain: list[int] = fleet.node_domain.tolist()
        self._node_hall: list[int] = fleet.node_hall.tolist()
        self._node_free: list[int] = [0] * fleet.node_count
        self._all_nodes = np.arange(fleet.node_count, dtype=np.int64)  # sliced into gangs
        self.node_free = np.zeros(fleet.node_count, np.int64)
        self.node_up = np.zeros(fleet.node_count, bool)
        self.buckets: list[list[dict[int, None]]] = [
            [{} for _ in range(int(sizes[t]) + 1)] for t in range(types)
        ]
        self.type_free = [0] * types  # free whole accelerators, online nodes
        self.type_online = [0] * types
        self.type_full = [0] * types  # wholly free online nodes
        # Wholly free online nodes per domain and hall: Python lists for the per-job hot path,
        # numpy mirrors (``domain_full``, ``hall_full``) synced from the dirty entries on read.
        self._domain_full_array = np.zeros(fleet.domain_count, np.int64)
        self._hall_full_array = np.zeros(fleet.hall_count, np.int64)
        self._dirty_domains: list[int] = []  # may repeat a domain (appending beats a dict)
        self._dirty_halls: dict[int, None] = {}
        self._domain_full: list[int] = [0] * fleet.domain_count
        self._hall_full: list[int] = [0] * fleet.hall_count
        self._domain_hall: list[int] = fleet.domain_hall.tolist()
        self._domain_first_node: list[int] = fleet.domain_first_node.tolist()
        self._hall_first_domain: list[int] = fleet.hall_first_domain.tolist()
        self._hall_site: list[int] = fleet.hall_site.tolist()

    def _init_topology(self, fleet: Fleet) -> None:
        """What placements read of the fleet's tree: domains, halls and nodes per type, domain
        sizes, the halls whose domains are kept in buckets, the types placed as runs."""
        types = len(fleet.types)
        self.type_domains = [
            np.flatnonzero(fleet.hall_type[fleet.domain_hall] == t) for t in range(types)
        ]
        self.type_halls = [np.flatnonzero(fleet.hall_type == t) for t in range(types)]
        self.type_nodes = [np.flatnonzero(fleet.node_type == t) for t in range(types)]
        domain_sizes = np.diff(fleet.domain_first_node)
        self.hall_max_domain_nodes = np.array(
            [
                int(domain_sizes[fleet.hall_first_domain[h] : fleet.hall_first_domain[h + 1]].max())
                if fleet.hall_first_domain[h + 1] > fleet.hall_first_domain[h]
                else 0
                for h in range(fleet.hall_count)
            ],
            np.int64,
        )
        self.type_max_domain_nodes = [
            int(self.hall_max_domain_nodes[halls].max()) if len(halls) else 0
            for halls in self.type_halls
        ]
        # Per hall with small multi-node domains: ``domain_buckets[h][k]`` the domains of the
        # hall with exactly k wholly free nodes (k >= 1), sorted by index; None for other halls.
        self.domain_buckets: list[list[list[int]] | None] = [
            [[] for _ in range(int(m) + 1)] if 1 < m <= BUCKET_DOMAIN_NODES else None
            for m in self.hall_max_domain_nodes.tolist()
        ]
        self._type_halls: list[list[int]] = [halls.tolist() for halls in self.type_halls]
        # Halls of few domains (TPU pods: thousands of nodes each) are searched by a plain
        # pass over their domains. A type whose every hall is bucketed or has few domains
        # has its gangs placed as runs (``full_runs``).
        hall_domains = np.diff(fleet.hall_first_domain).tolist()
        self.hall_few_domains = [
            buckets is None and m > 1 and n <= FEW_DOMAINS
            for buckets, m, n in zip(
                self.domain_buckets, self.hall_max_domain_nodes.tolist(), hall_domains, strict=True
            )
        ]
        # A type whose every hall has one-node domains (B200 HGX) has its gangs placed as runs
        # too: spans of wholly free nodes, the counters set a span at a time.
        self.type_one_node = [
            bool(halls) and all(int(self.hall_max_domain_nodes[h]) == 1 for h in halls)
            for halls in self._type_halls
        ]
        self.type_runs = [
            one_node
            or (
                bool(halls)
                and all(
                    self.domain_buckets[h] is not None or self.hall_few_domains[h] for h in halls
                )
            )
            for halls, one_node in zip(self._type_halls, self.type_one_node, strict=True)
        ]
        self._hall_first_node: list[int] = fleet.hall_first_node.tolist()

    def _init_allocations(self, types: int) -> None:
        """Running allocations and their indexes."""
        fleet = self.fleet
        # Shared accelerators: node -> free milli per shared slot (-1: slot retired).
        self.shared: dict[int, list[int]] = {}
        self.shared_nodes: list[dict[int, None]] = [{} for _ in range(types)]
        self.allocations: dict[int, Allocation] = {}
        # Which running jobs sit on each node (``take_offline`` reads it instead of scanning
        # every allocation): a node wholly held by a gang of more than SMALL_GANG_NODES nodes
        # in an array (set and cleared vectorized), every other (node, job) pair in a dict.
        # ``_commit_order`` numbers allocations as committed, the order of ``allocations``.
        self.node_gang = np.full(fleet.node_count, -1, np.int64)
        self._node_jobs: dict[int, dict[int, None]] = {}
        self._commit_order: dict[int, int] = {}
        self._commits = 0
        # Busy accelerators a multi-node allocation adds per metrics group, computed once at
        # commit and given back at release: job -> (groups, accelerators).
        self._group_split: dict[int, tuple[list[int], list[float]]] = {}
        self.running_ends: list[list[tuple[float, int]]] = [[] for _ in range(types)]

    def _init_groups(self, fleet: Fleet, jobs: JobTable) -> None:
        """Metrics: busy and online accelerators per (site, type) group and per tenant, with
        their time integrals."""
        types = len(fleet.types)
        # Metrics groups: (site, type) of each node.
        group_keys = fleet.node_site * max(types, 1) + fleet.node_type
        keys, self.node_group = np.unique(group_keys, return_inverse=True)
        self.groups = tuple(
            (fleet.sites[int(k) // max(types, 1)], fleet.types[int(k) % max(types, 1)])
            for k in keys
        )
        self._node_group: list[int] = self.node_group.tolist()
        self._domain_group: list[int] = (
            self.node_group[
                np.minimum(fleet.domain_first_node[:-1], max(fleet.node_count - 1, 0))
            ].tolist()
            if fleet.node_count
            else [0] * fleet.domain_count
        )
        self.group_busy = [0.0] * len(keys)
        self.group_online = [0.0] * len(keys)
        self.tenant_busy = [[0.0] * types for _ in jobs.tenants]
        # Time integrals: for x(t) changing by d_i at t_i, the integral of x over [0, T] is
        # x(T) * T - sum(d_i * t_i); the moments are those sums (O(1) per change).
        self.group_busy_moment = [0.0] * len(keys)
        self.group_online_moment = [0.0] * len(keys)
        self.tenant_busy_moment = [0.0] * len(jobs.tenants)

    def _init_hooks(self, types: int) -> None:
        """Epochs and promises; the layers' hooks (fallback, admission); the journal."""
        #: Bumped whenever capacity is freed or added: a pass that failed may now succeed.
        self.freed_epoch = 0
        #: Bumped whenever nodes come or go (promises about future capacity change).
        self.fleet_epoch = 0
        #: The latest time a promise about future capacity counts on running jobs' ends (EASY
        #: sets its shadow time); a job restarted with its old end later does not bump
        #: ``fleet_epoch``. inf: every restart does.
        self.promise_s = math.inf
        #: Called by `place` when a job fits nowhere it may normally go (a reservation layer
        #: shows it capacity withheld for the pass); None: no second chance.
        self.fallback: Fallback | None = None
        #: Asked by `place` before a job takes a type (a quota layer: may its tenant hold that
        #: many more?); None: every placement that fits is allowed.
        self.admission: Callable[[int, int], bool] | None = None
        # Free accelerators and wholly free nodes per type withheld for the pass while the
        # fallback may still hand them out (counted by the free read-outs).
        self._extra_free = [0] * types
        self._extra_full = [0] * types
        self._extra = 0
        # Undo entries of the open statements (`checkpoint`), oldest first.
        self._journal: list[tuple[int, Allocation]] | None = None
        self._allowed_cache: dict[int, tuple[int, ...]] = {}

    def _init_jobs(self, fleet: Fleet, jobs: JobTable) -> None:
        """Per-job columns the hot path reads, and upcoming capacity for EASY's shadow time."""
        types = len(fleet.types)
        self._job_acc: list[int] = jobs.accelerators.tolist()
        self._job_milli: list[int] = jobs.gpu_milli.tolist()
        self._job_estimate: list[float] = jobs.estimate_s.tolist()
        self._job_tenant: list[int] = jobs.tenant.tolist()
        self._job_allowed: list[int] = jobs.allowed.tolist()
        # Upcoming capacity for EASY's shadow time: per type, node online times (sorted) and
        # the accelerators each brings.
        self._online_times: list[FloatArray] = []
        self._online_accs: list[IntArray] = []
        for t in range(types):
            nodes = self.type_nodes[t]
            order = np.argsort(fleet.node_online_s[nodes], kind="stable")
            self._online_times.append(fleet.node_online_s[nodes][order])
            self._online_accs.append(fleet.node_accelerators[nodes][order])

    # Read-outs ----------------------------------------------------------------------------

    def allowed_types(self, job: int) -> tuple[int, ...]:
        """Fleet type indices the job may run on, in fleet order."""
        return self.mask_types(self._job_allowed[job])

    def mask_types(self, mask: int) -> tuple[int, ...]:
        """Fleet type indices an allowed type mask (``JobTable.allowed``) admits, in fleet order."""
        cached = self._allowed_cache.get(mask)
        if cached is None:
            if mask == 0:
                cached = tuple(range(len(self.fleet.types)))
            else:
                names = {n for i, n in enumerate(self.jobs.types) if mask >> i & 1}
                cached = tuple(i for i, n in enumerate(self.fleet.types) if n in names)
            self._allowed_cache[mask] = cached
        return cached

    def job_columns(self) -> tuple[list[int], list[int], list[float], list[int]]:
        """Per job, as Python lists: accelerators, GPU milli, estimated seconds, allowed type
        mask (``JobTable``'s columns; a live service appends to them as jobs arrive)."""
        return self._job_acc, self._job_milli, self._job_estimate, self._job_allowed

    def free_accelerators(self) -> int:
        """Wholly free accelerators on online nodes, all types (with those a fallback may
        still hand out, `set_fallback`)."""
        return sum(self.type_free) + self._extra

    def busy_integrals(self, until_s: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Accelerator-seconds busy per group, online per group and used per tenant over
        [0, until_s] (``until_s`` at or after the last change)."""
        busy = np.array(self.group_busy) * until_s - np.array(self.group_busy_moment)
        online = np.array(self.group_online) * until_s - np.array(self.group_online_moment)
        tenant = np.array([sum(row) for row in self.tenant_busy]) * until_s - np.array(
            self.tenant_busy_moment
        )
        return busy, online, tenant

    def has_shared_room(self) -> bool:
        return any(self.shared_nodes)

    def capacity_at(self, type_index: int, now: float, need: int) -> tuple[float, int]:
        """EASY's shadow time: the earliest time >= now at which ``need`` accelerators of the type
        are free if running jobs end at their estimates and planned nodes come online; and how
        many beyond ``need`` are free then. (inf, 0) if never. Counts, not node shapes."""
        free = self.type_free[type_index]
        if free >= need:
            return now, free - need
        ends = self.running_ends[type_index]
        times = self._online_times[type_index]
        accs = self._online_accs[type_index]
        k = int(np.searchsorted(times, now, side="right"))
        i = 0
        while i < len(ends) or k < len(times):
            take_end = k >= len(times) or (i < len(ends) and ends[i][0] <= times[k])
            if take_end:
                when, job = ends[i]
                allocation = self.allocations[job]
                if allocation.shared_slot < 0:
                    free += int(allocation.accelerators)
                i += 1
            else:
                when = float(times[k])
                free += int(accs[k])
                k += 1
            if free >= need:
                return max(when, now), free - need
        return float("inf"), 0

    # Fleet changes ------------------------------------------------------------------------

    def bring_online(self, nodes: IntArray, now: float) -> None:
        """Nodes join, idle."""
        for node in nodes.tolist():
            if self.node_up[node]:
                continue
            t = self._node_type[node]
            size = self._node_size[node]
            self.node_up[node] = True
            self.node_free[node] = size
            self._node_free[node] = size
            self.type_free[t] += size
            self.type_online[t] += size
            self.type_full[t] += 1
            self._domain_change(self._node_domain[node], 1)
            group = self._node_group[node]
            self.group_online[group] += size
            self.group_online_moment[group] += size * now
        self.freed_epoch += 1
        self.fleet_epoch += 1

    def running_on(self, nodes: IntArray) -> list[Allocation]:
        """Allocations that hold accelerators on any of ``nodes``, in commit order (the order
        of ``allocations``)."""
        node_list = nodes.tolist()
        jobs: set[int] = set()
        if len(node_list) <= SMALL_SCAN_NODES:
            gang = self.node_gang
            for node in node_list:
                owner = int(gang[node])
                if owner >= 0:
                    jobs.add(owner)
        else:
            owners = self.node_gang[nodes]
            jobs.update(owners[owners >= 0].tolist())
        node_jobs = self._node_jobs
        for node in node_list:
            on_node = node_jobs.get(node)
            if on_node:
                jobs.update(on_node)
        order = self._commit_order
        return [self.allocations[job] for job in sorted(jobs, key=order.__getitem__)]

    def take_offline(self, nodes: IntArray, now: float) -> list[Allocation]:
        """Nodes leave. Jobs on them are interrupted: released everywhere and returned."""
        hit = self.running_on(nodes)
        for allocation in hit:
            self.release(allocation.job, now)
        for node in nodes.tolist():
            if not self.node_up[node]:
                continue
            t = self._node_type[node]
            size = self._node_size[node]
            self._set_free(node, 0)  # every job on it was released: it was fully free
            self.node_up[node] = False
            self.type_online[t] -= size
            group = self._node_group[node]
            self.group_online[group] -= size
            self.group_online_moment[group] -= size * now
        self.fleet_epoch += 1
        return hit

    # Jobs that join while the state is in use (a live service) ---------------------------

    def extend_jobs(self, jobs: JobTable) -> None:
        """Read jobs from ``jobs`` from now on: the same jobs as before followed by new ones
        (and perhaps new tenants), as a live service's job book grows."""
        first = len(self._job_acc)
        self.jobs = jobs
        if jobs.count == first + 1:  # one at a time (a live service): no array slices
            self._job_acc.append(int(jobs.accelerators[first]))
            self._job_milli.append(int(jobs.gpu_milli[first]))
            self._job_estimate.append(float(jobs.estimate_s[first]))
            self._job_tenant.append(int(jobs.tenant[first]))
            self._job_allowed.append(int(jobs.allowed[first]))
        else:
            self._extend_columns(jobs, first)
        types = len(self.fleet.types)
        while len(self.tenant_busy) < len(jobs.tenants):
            self.tenant_busy.append([0.0] * types)
            self.tenant_busy_moment.append(0.0)

    def _extend_columns(self, jobs: JobTable, first: int) -> None:
        self._job_acc += jobs.accelerators[first:].tolist()
        self._job_milli += jobs.gpu_milli[first:].tolist()
        self._job_estimate += jobs.estimate_s[first:].tolist()
        self._job_tenant += jobs.tenant[first:].tolist()
        self._job_allowed += jobs.allowed[first:].tolist()

    # Try, then commit or roll back (KAI-Scheduler's Statement) ---------------------------

    def checkpoint(self) -> Checkpoint:
        """Start recording placements and releases so they can be undone (`rollback`) or kept
        (`commit`); checkpoints nest. What-if work (a quota check, a preemption plan, a
        defragmentation) tries its changes on the real state between the two."""
        if self._journal is None:
            self._journal = []
        return Checkpoint(len(self._journal))

    def commit(self, checkpoint: Checkpoint) -> None:
        """Keep every change since ``checkpoint`` (an outer checkpoint may still undo them)."""
        journal = self._journal
        if journal is None or checkpoint.position > len(journal):
            raise ValueError("commit of a checkpoint that is not open")
        if checkpoint.position == 0:
            self._journal = None

    def rollback(self, checkpoint: Checkpoint, now: float) -> None:
        """Undo every placement and release since ``checkpoint``, latest first: a placed job is
        released, a released job holds its old nodes again (from its old start, used again
        from ``now``). The state is as it was, but for the order in which partly used nodes
        are listed (which placements may read) and the epochs (bumped: promises are redone)."""
        journal = self._journal
        if journal is None or checkpoint.position > len(journal):
            raise ValueError("rollback of a checkpoint that is not open")
        undo = journal[checkpoint.position :]
        del journal[checkpoint.position :]
        self._journal = None  # the undoing itself is not recorded
        try:
            for kind, allocation in reversed(undo):
                if kind == _PLACED:
                    self.release(allocation.job, allocation.start_s)
                else:
                    self.restore(allocation, now)
        finally:
            self._journal = journal if checkpoint.position else None
        self.freed_epoch += 1
        self.fleet_epoch += 1

    def restore(self, allocation: Allocation, now: float) -> Allocation:
        """Commit ``allocation`` (a job's recorded placement: its nodes, counts, shared slot and
        start) exactly where it was: the job holds those accelerators again from ``now``, as
        started at ``allocation.start_s``. Raises ValueError, changing nothing, if any of them
        is not free (or a node is offline)."""
        job = allocation.job
        if job in self.allocations:
            raise ValueError(f"job {job} is running already: a job is never started twice")
        nodes = allocation.nodes.tolist()
        counts = allocation.counts.tolist()
        node_free = self._node_free
        if allocation.shared_slot >= 0:
            node = nodes[0]
            slots = self.shared.get(node)
            slot = allocation.shared_slot
            free = slots[slot] if slots is not None and slot < len(slots) else -1
            if not self.node_up[node] or (free < allocation.gpu_milli and free != -1):
                raise ValueError(f"job {job}: shared accelerator {slot} of node {node} is busy")
            if free == -1:  # the slot was retired: take a whole accelerator for it again
                if node_free[node] < 1:
                    raise ValueError(f"job {job}: node {node} has no free accelerator")
                self._set_free(node, node_free[node] - 1)
                slots = self.shared.setdefault(node, [])
                while len(slots) <= slot:
                    slots.append(-1)
                slots[slot] = WHOLE_MILLI
                self.shared_nodes[self._node_type[node]][node] = None
            slots = self.shared[node]
            slots[slot] -= allocation.gpu_milli
        else:
            if len(set(nodes)) != len(nodes):
                raise ValueError(f"job {job}: a node appears twice in its placement")
            for node, count in zip(nodes, counts, strict=True):
                if not self.node_up[node] or node_free[node] < count:
                    raise ValueError(
                        f"job {job}: node {node} has {node_free[node]} free, not {count}"
                    )
            for node, count in zip(nodes, counts, strict=True):
                self._set_free(node, node_free[node] - count)
        allocation.runs = None  # taken node by node: given back node by node
        self._commit(allocation)  # accounts its use from its start ...
        self._account(allocation, -1.0, allocation.start_s)  # ... but it is held again
        self._account(allocation, 1.0, now)  # only from now
        return allocation

    # Capacity withheld for a pass (reservations) -----------------------------------------

    def withhold(self, type_index: int, nodes: IntArray) -> Withheld:
        """Show the free capacity of ``nodes`` (of one type) as used until `give_back`: their
        wholly free nodes, the free accelerators of partly used ones and their shared
        accelerators. Offline nodes withhold nothing."""
        t = type_index
        size = int(self.type_node_size[t])
        free = np.where(self.node_up[nodes], self.node_free[nodes], 0)
        whole = nodes[free == size]
        if len(whole):
            self._take_full(t, whole)
        some = (free > 0) & (free < size)
        partial = nodes[some]
        partial_free = free[some]
        for node in partial.tolist():
            self._set_free(node, 0)
        shared_nodes = self.shared_nodes[t]
        shared: list[int] = []
        if shared_nodes:
            members = set(nodes.tolist())
            shared = [n for n in shared_nodes if n in members]
            for node in shared:
                del shared_nodes[node]
        return Withheld(
            t, whole, partial, partial_free, shared, len(whole) * size + int(partial_free.sum())
        )

    def give_back(self, withheld: Withheld) -> None:
        """Undo `withhold`."""
        t = withheld.type_index
        if len(withheld.whole):
            self._give_full(t, withheld.whole)
        for node, free in zip(
            withheld.partial.tolist(), withheld.partial_free.tolist(), strict=True
        ):
            self._set_free(node, free)
        self.shared_nodes[t].update(dict.fromkeys(withheld.shared))

    def set_fallback(self, fallback: Fallback | None, withheld: Sequence[Withheld] = ()) -> None:
        """Give `place` a second chance (``fallback``) at the ``withheld`` capacity, which the
        free read-outs (`free_accelerators`, `whole_room`) count while it is set; None: no
        second chance."""
        self.fallback = fallback
        self._extra_free = [0] * len(self.type_free)
        self._extra_full = [0] * len(self.type_free)
        self._extra = 0
        if fallback is None:
            return
        for w in withheld:
            self._extra_free[w.type_index] += w.accelerators
            self._extra_full[w.type_index] += len(w.whole)
            self._extra += w.accelerators

    def note_capacity_changed(self) -> None:
        """Capacity some jobs may use changed without a placement or release (a reservation
        window opened or closed): a pass that failed may now succeed, promises are redone."""
        self.freed_epoch += 1
        self.fleet_epoch += 1

    def whole_room(self) -> list[int]:
        """Per fleet type, the most whole accelerators one job could be given now, from counts
        alone: no more than are free, and fewer than (wholly free nodes + 1) x node size (a job
        of n accelerators needs n // node size wholly free nodes)."""
        if self._extra:
            return [
                min(free + extra, (full + extra_full + 1) * size - 1)
                for free, full, size, extra, extra_full in zip(
                    self.type_free, self.type_full, self._type_node_size,
                    self._extra_free, self._extra_full, strict=True,
                )
            ]  # fmt: skip
        return [
            min(free, (full + 1) * size - 1)
            for free, full, size in zip(
                self.type_free, self.type_full, self._type_node_size, strict=True
            )
        ]

    # Placement ----------------------------------------------------------------------------

    def place(
        self,
        job: int,
        placement: GangPlacement,
        now: float,
        types: Sequence[int] | None = None,
    ) -> Allocation | None:
        """Start ``job`` now if it fits whole (on the first allowed type where it does); commit
        and return its allocation, or return None and change nothing."""
        if job in self.allocations:
            raise ValueError(f"job {job} is running already: a job is never started twice")
        accelerators = self._job_acc[job]
        gpu_milli = self._job_milli[job]
        admission = self.admission
        for t in self.allowed_types(job) if types is None else types:
            if admission is not None and not admission(job, t):
                continue
            if gpu_milli < WHOLE_MILLI:
                allocation = self._place_share(job, t, gpu_milli, placement, now)
            else:
                allocation = self._place_whole(job, t, accelerators, placement, now)
            if allocation is not None:
                self._commit(allocation)
                return allocation
        if self.fallback is not None:
            return self.fallback(job, placement, now, types)
        return None

    def release(self, job: int, now: float) -> Allocation:
        """The job ends (or is interrupted): its accelerators are free again."""
        allocation = self.allocations.pop(job)
        if self._journal is not None:
            self._journal.append((_RELEASED, allocation))
        self._unindex(allocation)
        t = allocation.type
        if allocation.shared_slot >= 0:
            node = int(allocation.nodes[0])
            slots = self.shared[node]
            slots[allocation.shared_slot] += allocation.gpu_milli
            if slots[allocation.shared_slot] == WHOLE_MILLI:
                slots[allocation.shared_slot] = -1
                self._set_free(node, self._node_free[node] + 1)
                if all(s < 0 for s in slots):
                    del self.shared[node]
                    del self.shared_nodes[t][node]
        else:
            whole = allocation.counts == self.type_node_size[t]
            if len(allocation.nodes) <= SMALL_GANG_NODES:  # per node, without numpy calls
                for node, count in zip(
                    allocation.nodes.tolist(), allocation.counts.tolist(), strict=True
                ):
                    self._set_free(node, self._node_free[node] + count)
            elif allocation.runs is not None:
                nodes = allocation.nodes
                rest = int(allocation.counts[-1])
                if rest != self.type_node_size[t]:  # the remainder node, last
                    self._flip_runs(t, allocation.runs, nodes[:-1], take=False)
                    node = int(nodes[-1])
                    self._set_free(node, self._node_free[node] + rest)
                else:
                    self._flip_runs(t, allocation.runs, nodes, take=False)
            elif whole.all():
                self._give_full(t, allocation.nodes)
            else:
                self._give_full(t, allocation.nodes[whole])
                for node, count in zip(
                    allocation.nodes[~whole].tolist(),
                    allocation.counts[~whole].tolist(),
                    strict=True,
                ):
                    self._set_free(node, self._node_free[node] + count)
        ends = self.running_ends[t]
        key = (allocation.end_estimate_s, job)
        del ends[bisect.bisect_left(ends, key)]
        self._account(allocation, -1.0, now)
        self.freed_epoch += 1
        return allocation

    def restart(self, job: int, now: float) -> Allocation:
        """The running ``job`` starts over at ``now`` on the nodes it holds (a spare stood in
        for a failed one): its start and estimated end move; capacity and usage accounting are
        unchanged. Bumps ``fleet_epoch`` if the old end was counted on by a promise (at or
        before ``promise_s``, EASY's shadow time): the end only moves later, so a job that was
        to end after the promise changes nothing the promise relied on."""
        allocation = self.allocations[job]
        ends = self.running_ends[allocation.type]
        old_end = allocation.end_estimate_s
        del ends[bisect.bisect_left(ends, (old_end, job))]
        allocation.start_s = now
        allocation.end_estimate_s = now + self._job_estimate[job]
        bisect.insort(ends, (allocation.end_estimate_s, job))
        if old_end <= self.promise_s:
            self.fleet_epoch += 1
        return allocation

    def _commit(self, allocation: Allocation) -> None:
        if self._journal is not None:
            self._journal.append((_PLACED, allocation))
        self.allocations[allocation.job] = allocation
        self._index(allocation)
        bisect.insort(
            self.running_ends[allocation.type], (allocation.end_estimate_s, allocation.job)
        )
        self._account(allocation, 1.0, allocation.start_s)

    def _index(self, allocation: Allocation) -> None:
        """Record the allocation in the node -> running jobs index."""
        job = allocation.job
        self._commit_order[job] = self._commits
        self._commits += 1
        nodes = allocation.nodes
        node_jobs = self._node_jobs
        if len(nodes) <= SMALL_GANG_NODES:
            for node in nodes.tolist():
                on_node = node_jobs.get(node)
                if on_node is None:
                    node_jobs[node] = {job: None}
                else:
                    on_node[job] = None
            return
        whole, partial = self._split_whole(allocation)
        self.node_gang[whole] = job
        for node in partial:
            node_jobs.setdefault(node, {})[job] = None

    def _split_whole(self, allocation: Allocation) -> tuple[IntArray, list[int]]:
        """A multi-node allocation's wholly held nodes and its other nodes (a gang placed as
        runs holds all but perhaps its last node wholly: no mask needed)."""
        nodes = allocation.nodes
        size = self.type_node_size[allocation.type]
        if allocation.runs is not None:
            if allocation.counts[-1] == size:
                return nodes, []
            return nodes[:-1], [int(nodes[-1])]
        whole = allocation.counts == size
        return nodes[whole], nodes[~whole].tolist()

    def _unindex(self, allocation: Allocation) -> None:
        job = allocation.job
        del self._commit_order[job]
        nodes = allocation.nodes
        if len(nodes) <= SMALL_GANG_NODES:
            partial = nodes.tolist()
        else:
            whole, partial = self._split_whole(allocation)
            self.node_gang[whole] = -1
        node_jobs = self._node_jobs
        for node in partial:
            on_node = node_jobs[node]
            del on_node[job]
            if not on_node:
                del node_jobs[node]

    def _account(self, allocation: Allocation, sign: float, now: float) -> None:
        held = sign * allocation.accelerators
        tenant = self._job_tenant[allocation.job]
        self.tenant_busy[tenant][allocation.type] += held
        self.tenant_busy_moment[tenant] += held * now
        if len(allocation.nodes) == 1:
            group = self._node_group[int(allocation.nodes[0])]
            self.group_busy[group] += held
            self.group_busy_moment[group] += held * now
            return
        if sign > 0:
            split = self._split_by_group(allocation)
            self._group_split[allocation.job] = split
        else:
            split = self._group_split.pop(allocation.job)
        for group, accelerators in zip(*split, strict=True):
            delta = sign * accelerators
            self.group_busy[group] += delta
            self.group_busy_moment[group] += delta * now

    def _split_by_group(self, allocation: Allocation) -> tuple[list[int], list[float]]:
        """A multi-node allocation's accelerators per metrics group: (groups, accelerators)."""
        runs = allocation.runs
        if runs is not None:  # a group per domain (or hall): no pass over the nodes
            domain_group = self._domain_group
            if runs.one_node_halls is not None:
                first_domain = self._hall_first_domain
                groups = {domain_group[first_domain[h]] for h in runs.one_node_halls}
            else:
                groups = {domain_group[d] for d in runs.per_domain}
            groups.add(self._node_group[int(allocation.nodes[-1])])
            if len(groups) == 1:
                return list(groups), [float(allocation.accelerators)]
        node_groups = self.node_group[allocation.nodes]
        if node_groups[0] == node_groups[-1] and node_groups.min() == node_groups.max():
            return [int(node_groups[0])], [float(allocation.counts.sum())]
        per_group = np.bincount(node_groups, weights=allocation.counts, minlength=len(self.groups))
        used = np.flatnonzero(per_group)
        return used.tolist(), per_group[used].tolist()

    def _allocation(
        self, job: int, t: int, nodes: IntArray, counts: IntArray, now: float, slot: int = -1
    ) -> Allocation:
        gpu_milli = self._job_milli[job]
        held = gpu_milli / WHOLE_MILLI if slot >= 0 else float(self._job_acc[job])
        return Allocation(
            job, t, nodes, counts, gpu_milli, slot, now, now + self._job_estimate[job], held
        )

    def _place_whole(
        self, job: int, t: int, accelerators: int, placement: GangPlacement, now: float
    ) -> Allocation | None:
        if self.type_free[t] < accelerators:
            return None
        size = int(self.type_node_size[t])
        if accelerators <= size:
            node = placement.small(self, t, accelerators)
            if node == NO_NODE:
                return None
            self._set_free(node, self._node_free[node] - accelerators)
            return self._allocation(
                job, t, np.array([node], np.int64), np.array([accelerators], np.int64), now
            )
        full, rest = divmod(accelerators, size)
        buckets = self.buckets[t]
        partial = rest > 0 and any(buckets[k] for k in range(rest, size))
        if self.type_full[t] < full + (1 if rest and not partial else 0):
            return None
        full_runs = getattr(placement, "full_runs", None)
        runs = full_runs(self, t, full) if full_runs is not None else None
        if runs is not None:
            whole = runs.array(self._all_nodes)
            self._flip_runs(t, runs, whole, take=True)
            slices = [whole]
        else:
            slices = [placement.full_nodes(self, t, full)]
            self._take_full(t, slices[0])
        if rest:
            node = placement.small(self, t, rest)
            self._set_free(node, self._node_free[node] - rest)
            slices.append(np.array([node], np.int64))
        nodes = np.concatenate(slices) if len(slices) > 1 else slices[0]
        counts = np.full(len(nodes), size, np.int64)
        if rest:
            counts[-1] = rest
        allocation = self._allocation(job, t, nodes, counts, now)
        allocation.runs = runs
        return allocation

    def _place_share(
        self, job: int, t: int, gpu_milli: int, placement: GangPlacement, now: float
    ) -> Allocation | None:
        best: tuple[int, int, int] | None = None  # (free milli, node, slot)
        for node in self.shared_nodes[t]:
            for slot, free in enumerate(self.shared[node]):
                if free >= gpu_milli and (best is None or free < best[0]):
                    best = (free, node, slot)
        if best is None:
            node = placement.small(self, t, 1)
            if node == NO_NODE:
                return None
            self._set_free(node, self._node_free[node] - 1)
            slots = self.shared.setdefault(node, [])
            self.shared_nodes[t][node] = None
            slots.append(WHOLE_MILLI)
            best = (WHOLE_MILLI, node, len(slots) - 1)
        _, node, slot = best
        self.shared[node][slot] -= gpu_milli
        return self._allocation(
            job, t, np.array([node], np.int64), np.zeros(1, np.int64), now, slot
        )

    def _set_free(self, node: int, new: int) -> None:
        old = self._node_free[node]
        t = self._node_type[node]
        size = self._node_size[node]
        if not 0 <= new <= size:
            raise ValueError(f"node {node} would have {new} free of {size} accelerators")
        buckets = self.buckets[t]
        if 0 < old < size:
            del buckets[old][node]
        if 0 < new < size:
            buckets[new][node] = None
        self._node_free[node] = new
        self.node_free[node] = new
        self.type_free[t] += new - old
        full_change = (new == size) - (old == size)
        if full_change:
            self.type_full[t] += full_change
            self._domain_change(self._node_domain[node], full_change)

    def _domain_change(self, domain: int, delta: int) -> None:
        """``delta`` more wholly free nodes in ``domain``."""
        self._domains_change({domain: delta}, 1)

    def _domains_change(self, per_domain: dict[int, int], sign: int) -> None:
        """Wholly free node counts of domains change by ``sign`` times ``per_domain`` (domain
        -> nodes): domain and hall counters and the hall's domain buckets; the numpy mirrors
        are brought up to date when next read."""
        domain_full = self._domain_full
        hall_full = self._hall_full
        domain_hall = self._domain_hall
        all_buckets = self.domain_buckets
        dirty_halls = self._dirty_halls
        bisect_left = bisect.bisect_left
        insort = bisect.insort
        last_hall = -1
        for domain, nodes in per_domain.items():
            delta = sign * nodes
            old = domain_full[domain]
            new = old + delta
            domain_full[domain] = new
            hall = domain_hall[domain]
            hall_full[hall] += delta
            if hall != last_hall:
                dirty_halls[hall] = None
                last_hall = hall
            buckets = all_buckets[hall]
            if buckets is not None:
                if old:
                    bucket = buckets[old]
                    del bucket[bisect_left(bucket, domain)]
                if new:
                    insort(buckets[new], domain)
        dirty = self._dirty_domains
        dirty.extend(per_domain)
        if len(dirty) > len(domain_full):  # unread for long: copying all is cheaper
            self._domain_full_array[:] = domain_full
            dirty.clear()

    @property
    def domain_full(self) -> IntArray:
        """Wholly free online nodes per scale-up domain (numpy; read-only for callers)."""
        dirty = self._dirty_domains
        if dirty:
            values = self._domain_full
            self._domain_full_array[dirty] = [values[i] for i in dirty]
            dirty.clear()
        return self._domain_full_array

    @property
    def hall_full(self) -> IntArray:
        """Wholly free online nodes per hall (numpy; read-only for callers)."""
        return _synced(self._hall_full_array, self._dirty_halls, self._hall_full)

    def _mirror_fill(self, nodes: IntArray, free: int) -> None:
        """Set the Python mirror of ``node_free`` to ``free`` on ``nodes`` (distinct). A plain
        loop beats numpy's call overhead up to thousands of nodes (measured: range checks on
        every gang made a 30-day gigawatt replay 30% slower); only very large gangs are filled
        by slices of consecutive nodes."""
        node_free = self._node_free
        count = len(nodes)
        if count > MIRROR_SLICE_NODES:
            breaks = np.flatnonzero(np.diff(nodes) != 1) + 1
            bounds = [0, *breaks.tolist(), count]
            firsts = nodes[bounds[:-1]].tolist()
            for first, begin, end in zip(firsts, bounds[:-1], bounds[1:], strict=True):
                node_free[first : first + end - begin] = [free] * (end - begin)
            return
        for node in nodes.tolist():
            node_free[node] = free

    def _take_full(self, t: int, nodes: IntArray) -> None:
        """Wholly free nodes (distinct) become wholly used."""
        self._flip_full(t, nodes, True)

    def _give_full(self, t: int, nodes: IntArray) -> None:
        """Wholly used nodes (distinct) become wholly free."""
        if len(nodes):
            self._flip_full(t, nodes, False)

    def _flip_runs(self, t: int, runs: Runs, nodes: IntArray, take: bool) -> None:
        """``_flip_full`` for nodes given as ``Runs`` (``nodes``: the same nodes as an array):
        the Python mirror a slice per run, the numpy array in one call, the domains' counts
        from the runs' tally; no pass over each node."""
        size = int(self.type_node_size[t])
        before, after = (size, 0) if take else (0, size)
        node_free = self._node_free
        singles = runs.singles
        total = len(singles)
        ok = True
        for first, n in runs.spans:
            stop = first + n
            ok = ok and node_free[first:stop].count(before) == n
            node_free[first:stop] = [after] * n
            total += n
        if singles:
            if len(singles) == 1:
                ok = ok and node_free[singles[0]] == before
            else:
                ok = ok and itemgetter(*singles)(node_free).count(before) == len(singles)
            for node in singles:
                node_free[node] = after
        if not ok:
            raise ValueError(
                "a gang was given a node that is not wholly free"
                if take
                else "a gang gave back a node that was not wholly its own"
            )
        self.node_free[nodes] = after
        sign = -1 if take else 1
        self.type_free[t] += sign * size * total
        self.type_full[t] += sign * total
        if runs.one_node_halls is None:
            self._domains_change(runs.per_domain, sign)
            return
        # One-node domains: a domain's count is its node's own state, set span by span (the
        # numpy mirror in one call); the halls' counts from the tally per hall.
        full = 0 if take else 1
        domain_full = self._domain_full
        node_domain = self._node_domain
        mirror = self._domain_full_array
        few = len(runs.spans) <= SMALL_GANG_NODES  # a numpy slice per span beats fancy indexing
        for first, n in runs.spans:
            domain = node_domain[first]
            domain_full[domain : domain + n] = [full] * n
            if few:
                mirror[domain : domain + n] = full
        for node in singles:
            domain_full[node_domain[node]] = full
        if not few or singles:
            mirror[self.fleet.node_domain[nodes]] = full
        hall_full = self._hall_full
        dirty_halls = self._dirty_halls
        for hall, n in runs.one_node_halls.items():
            hall_full[hall] += sign * n
            dirty_halls[hall] = None

    def _flip_full(self, t: int, nodes: IntArray, take: bool) -> None:
        """Nodes of type t go from wholly free to wholly used (``take``) or back: node counts
        checked and set (vectorized), then the counts of the domains they are in (Python, per
        domain, not per node)."""
        size = int(self.type_node_size[t])
        before, after = (size, 0) if take else (0, size)
        if (self.node_free[nodes] != before).any():
            raise ValueError(
                "a gang was given a node that is not wholly free"
                if take
                else "a gang gave back a node that was not wholly its own"
            )
        self.node_free[nodes] = after
        self._mirror_fill(nodes, after)
        count = len(nodes)
        per_domain: dict[int, int] = {}
        if count <= SMALL_SCAN_NODES:
            node_domain = self._node_domain
            for node in nodes.tolist():
                domain = node_domain[node]
                per_domain[domain] = per_domain.get(domain, 0) + 1
        else:
            domains, counts = np.unique(self.fleet.node_domain[nodes], return_counts=True)
            per_domain = dict(zip(domains.tolist(), counts.tolist(), strict=True))
        sign = -1 if take else 1
        self.type_free[t] += sign * size * count
        self.type_full[t] += sign * count
        self._domains_change(per_domain, sign)

    def full_node(self, t: int, fewest: bool = True) -> int:
        """A wholly free node of type t: in the hall and domain with the fewest wholly free nodes
        (``fewest``, keeping whole domains for gangs) or the most; NO_NODE if none."""
        halls = self.type_halls[t]
        if self.type_full[t] == 0:
            return NO_NODE
        pick = np.argmin if fewest else np.argmax
        if len(halls) == 1:
            hall = int(halls[0])
        else:
            counts = self.hall_full[halls]
            candidates = np.flatnonzero(counts > 0)
            hall = int(halls[candidates[pick(counts[candidates])]])
        fleet = self.fleet
        if self.hall_max_domain_nodes[hall] == 1:  # one node per domain: any will do
            first, stop = int(fleet.hall_first_node[hall]), int(fleet.hall_first_node[hall + 1])
        else:
            d0, d1 = int(fleet.hall_first_domain[hall]), int(fleet.hall_first_domain[hall + 1])
            per_domain = self.domain_full[d0:d1]
            candidates = np.flatnonzero(per_domain > 0)
            domain = d0 + int(candidates[pick(per_domain[candidates])])
            first = int(fleet.domain_first_node[domain])
            stop = int(fleet.domain_first_node[domain + 1])
        if stop - first <= SMALL_SCAN_NODES:  # list.index's C scan beats numpy's call overhead
            return self._node_free.index(self._node_size[first], first, stop)  # a hall is one type
        free = self.node_free[first:stop]
        return first + int(np.argmax(free == self.node_size[first:stop]))


def _synced(array: IntArray, dirty: dict[int, None], values: list[int]) -> IntArray:
    """``array`` with its ``dirty`` entries copied from ``values`` (then none is dirty)."""
    if dirty:
        touched = list(dirty)
        array[touched] = [values[i] for i in touched]
        dirty.clear()
    return array
