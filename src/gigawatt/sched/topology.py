"""Fleet placements for time-based replay: topology-aware packing and spread.

``topology`` (default): a job that fits on one node goes to the node with the *fewest* free
accelerators that still holds it (best fit, so whole nodes stay whole for gangs). A gang of
whole nodes goes, in this order of preference, to

1. one scale-up domain: the domain with the fewest wholly free nodes that still holds it;
2. one hall: the hall with the fewest that still holds it, filling its domains fullest first
   (so the gang spans the fewest domains);
3. one site: the best-fitting site, filling its halls and then their domains fullest first;
4. the whole fleet: halls and domains fullest first.

``spread``: small jobs to the node with the most free accelerators; a gang takes one node per
scale-up domain before a second from any, domains with the most free nodes first.

Both pick deterministically (ties to the lowest index), so runs repeat exactly.
"""

from __future__ import annotations

import numpy as np

from gigawatt.sched.cluster import NO_NODE, ClusterState, IntArray, register_placement


def _ranges(first: IntArray, stop: IntArray) -> IntArray:
    """Concatenated ``arange(first[i], stop[i])`` for all i, vectorized."""
    lengths = stop - first
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.repeat(first - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(total, dtype=np.int64)


def _full_nodes_in(state: ClusterState, domains: IntArray, count: int) -> IntArray:
    """The first ``count`` wholly free nodes of ``domains``, taken in the order given."""
    bounds = state.fleet.domain_first_node
    nodes = _ranges(bounds[domains], bounds[domains + 1])
    full = nodes[state.node_free[nodes] == state.node_size[nodes]]
    if len(full) < count:
        raise ValueError("placement counted more free nodes than there are")
    return np.asarray(full[:count], np.int64)


def _fullest_prefix(counts: IntArray, need: int) -> IntArray:
    """Indices of the fullest entries (ties to the lowest index) whose counts add up to need."""
    order = np.argsort(-counts, kind="stable")
    covered = np.cumsum(counts[order])
    return order[: int(np.searchsorted(covered, need)) + 1]


class TopologyPacking:
    """Fewest scale-up domains, halls and sites spanned; best fit for single-node jobs."""

    name = "topology"

    def small(self, state: ClusterState, type_index: int, accelerators: int) -> int:
        buckets = state.buckets[type_index]
        for free in range(accelerators, len(buckets) - 1):  # partly used nodes, tightest first
            bucket = buckets[free]
            if bucket:
                return next(iter(bucket))
        return state.full_node(type_index, fewest=True)

    def full_nodes(self, state: ClusterState, type_index: int, count: int) -> IntArray:
        fleet = state.fleet
        if count <= state.type_max_domain_nodes[type_index]:  # else no domain can hold it
            domains = state.type_domains[type_index]
            per_domain = state.domain_full[domains]
            fits = np.flatnonzero(per_domain >= count)
            if len(fits):
                best = domains[fits[np.argmin(per_domain[fits])]]
                return _full_nodes_in(state, np.array([best]), count)
        halls = state.type_halls[type_index]
        per_hall = state.hall_full[halls]
        fits = np.flatnonzero(per_hall >= count)
        if len(fits):
            chosen = halls[fits[np.argmin(per_hall[fits])] : fits[np.argmin(per_hall[fits])] + 1]
        else:
            sites = fleet.hall_site[halls]
            per_site = np.bincount(sites, weights=per_hall).astype(np.int64)
            fits = np.flatnonzero(per_site >= count)
            candidates = halls[sites == fits[np.argmin(per_site[fits])]] if len(fits) else halls
            chosen = candidates[_fullest_prefix(state.hall_full[candidates], count)]
        hall_domains = _ranges(fleet.hall_first_domain[chosen], fleet.hall_first_domain[chosen + 1])
        if int(state.hall_max_domain_nodes[chosen].max()) == 1:
            return _full_nodes_in(state, hall_domains, count)  # one node per domain: any order
        picked = hall_domains[_fullest_prefix(state.domain_full[hall_domains], count)]
        return _full_nodes_in(state, picked, count)


class Spread:
    """Most free accelerators first; a gang one node per domain before a second from any."""

    name = "spread"

    def small(self, state: ClusterState, type_index: int, accelerators: int) -> int:
        node = state.full_node(type_index, fewest=False)
        if node != NO_NODE:
            return node
        buckets = state.buckets[type_index]
        for free in range(len(buckets) - 2, accelerators - 1, -1):
            bucket = buckets[free]
            if bucket:
                return next(iter(bucket))
        return NO_NODE

    def full_nodes(self, state: ClusterState, type_index: int, count: int) -> IntArray:
        nodes = state.type_nodes[type_index]
        full = nodes[state.node_free[nodes] == state.node_size[nodes]]
        domain = state.fleet.node_domain[full]
        first_of_domain = np.searchsorted(domain, domain, side="left")  # nodes sorted by domain
        rank = np.arange(len(full)) - first_of_domain
        order = np.lexsort((full, -state.domain_full[domain], rank))
        return np.asarray(full[order[:count]], np.int64)


register_placement("topology")(TopologyPacking)
register_placement("spread")(Spread)
