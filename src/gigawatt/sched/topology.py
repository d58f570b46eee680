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

import itertools

import numpy as np

from gigawatt.sched.cluster import (
    NO_NODE,
    SMALL_SCAN_NODES,
    ClusterState,
    IntArray,
    Runs,
    register_placement,
)

#: Gangs over more scale-up domains than this collect their nodes with NumPy (one pass over
#: the domains' nodes) rather than domain by domain in Python.
NUMPY_RUNS_DOMAINS = 64


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

    def full_runs(self, state: ClusterState, type_index: int, count: int) -> Runs | None:
        """``full_nodes``' choice as runs of consecutive nodes and the nodes taken per domain,
        where the type's halls keep domain buckets or have few domains, or all have one-node
        domains (``type_runs``); None for other types."""
        if not state.type_runs[type_index]:
            return None
        if state.type_one_node[type_index]:
            return _one_node_runs(state, type_index, count)
        if count <= state.type_max_domain_nodes[type_index]:
            domain = _tightest_domain(state, type_index, count)
            if domain >= 0:
                return _full_runs_of(state, [domain], count)
        hall = _tightest_hall(state, type_index, count)
        if hall >= 0:
            buckets = state.domain_buckets[hall]
            if buckets is not None:
                return _fullest_domains_runs(state, buckets, count)
            return _fullest_domains_of_halls(state, [hall], count)
        return _fullest_domains_of_halls(state, _fullest_halls(state, type_index, count), count)

    def full_nodes(self, state: ClusterState, type_index: int, count: int) -> IntArray:
        runs = self.full_runs(state, type_index, count)
        if runs is not None:
            return runs.array(state.lists.all_nodes)
        return _full_nodes_array(state, type_index, count)


def _one_node_runs(state: ClusterState, type_index: int, count: int) -> Runs:
    """``full_nodes``' choice for a type whose halls all have one-node domains (B200 HGX), as
    runs: a one-node gang the lowest wholly free node of the type (the tightest domain, ties
    to the lowest index); else the tightest hall that holds it, or the fullest halls of the
    best-fitting site (``_fullest_halls``); the first ``count`` wholly free nodes of those
    halls in that order, each hall's by index (as ``_full_nodes_array``)."""
    if count <= 1:
        hall_full = state.lists.hall_full
        halls = [h for h in state.lists.type_halls[type_index] if hall_full[h] >= count][:1]
    else:
        hall = _tightest_hall(state, type_index, count)
        halls = [hall] if hall >= 0 else _fullest_halls(state, type_index, count)
    size = int(state.type_node_size[type_index])
    first_node = state.lists.hall_first_node
    first_domain = state.lists.hall_first_domain
    node_free = state.node_free
    spans: list[tuple[int, int]] = []
    parts: list[IntArray] = []
    per_domain: dict[int, int] = {}
    per_hall: dict[int, int] = {}
    need = count
    for hall in halls:
        lo, hi = first_node[hall], first_node[hall + 1]
        offsets = np.flatnonzero(node_free[lo:hi] == size)[:need]  # from the hall's first
        taken = len(offsets)
        if not taken:
            continue
        start = int(offsets[0])
        if int(offsets[-1]) - start == taken - 1:  # consecutive: one span, no more NumPy
            spans.append((lo + start, taken))
            domain = first_domain[hall] + start
            per_domain.update(dict.fromkeys(range(domain, domain + taken), 1))
            parts.append(state.lists.all_nodes[lo + start : lo + start + taken])
        else:
            bounds = [0, *(np.flatnonzero(np.diff(offsets) != 1) + 1).tolist(), taken]
            firsts = offsets[bounds[:-1]].tolist()
            spans += [
                (lo + first, stop - begin)
                for first, begin, stop in zip(firsts, bounds[:-1], bounds[1:], strict=True)
            ]
            per_domain.update(dict.fromkeys((offsets + first_domain[hall]).tolist(), 1))
            parts.append(offsets + lo)
        per_hall[hall] = taken
        need -= taken
        if not need:
            nodes = np.concatenate(parts) if len(parts) > 1 else parts[0]
            return Runs(spans, [], per_domain, nodes, per_hall)
    raise ValueError("placement counted more free nodes than there are")


def _full_nodes_array(state: ClusterState, type_index: int, count: int) -> IntArray:
    """``full_nodes``' choice with NumPy over the candidate domains and nodes (any type; used
    for types whose halls are not placed as runs, e.g. halls of one-node domains beside
    halls of bigger ones)."""
    fleet = state.fleet
    if count <= state.type_max_domain_nodes[type_index]:
        domains = state.type_domains[type_index]
        per_domain = state.domain_full[domains]
        fits = np.flatnonzero(per_domain >= count)
        if len(fits):
            best = domains[fits[np.argmin(per_domain[fits])]]
            return _full_nodes_in(state, np.array([best]), count)
    hall = _tightest_hall(state, type_index, count)
    if hall >= 0:
        first, stop = int(fleet.hall_first_domain[hall]), int(fleet.hall_first_domain[hall + 1])
        if int(state.hall_max_domain_nodes[hall]) == 1:  # one node per domain: any order
            lo, hi = int(fleet.hall_first_node[hall]), int(fleet.hall_first_node[hall + 1])
            free = np.flatnonzero(state.node_free[lo:hi] == state.type_node_size[type_index])
            return np.asarray(free[:count] + lo, np.int64)
        hall_domains = np.arange(first, stop, dtype=np.int64)
        picked_domains = hall_domains[_fullest_prefix(state.domain_full[first:stop], count)]
        return _full_nodes_in(state, picked_domains, count)
    halls = state.type_halls[type_index]
    per_hall = state.hall_full[halls]
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


def _tightest_domain(state: ClusterState, type_index: int, count: int) -> int:
    """The domain of the type with the fewest wholly free nodes that still holds ``count``
    (ties to the lowest index): per hall from its domain buckets, or by a pass over its few
    domains; -1 if none."""
    all_buckets = state.domain_buckets
    domain_full = state.lists.domain_full
    first_domain = state.lists.hall_first_domain
    best, best_full = -1, 0
    for hall in state.lists.type_halls[type_index]:
        buckets = all_buckets[hall]
        if buckets is not None:
            for k in range(count, len(buckets)):
                if buckets[k]:
                    head = buckets[k][0]
                    if best < 0 or k < best_full or (k == best_full and head < best):
                        best, best_full = head, k
                    break
        else:
            for domain in range(first_domain[hall], first_domain[hall + 1]):
                full = domain_full[domain]
                if full >= count and (
                    best < 0 or full < best_full or (full == best_full and domain < best)
                ):
                    best, best_full = domain, full
    return best


def _tightest_hall(state: ClusterState, type_index: int, count: int) -> int:
    """The hall of the type with the fewest wholly free nodes that still holds ``count``
    (ties to the lowest index); -1 if none."""
    hall_full = state.lists.hall_full
    best, best_full = -1, 0
    for hall in state.lists.type_halls[type_index]:
        full = hall_full[hall]
        if full >= count and (best < 0 or full < best_full):
            best, best_full = hall, full
    return best


def _fullest_domains_runs(state: ClusterState, buckets: list[list[int]], count: int) -> Runs:
    """The first ``count`` wholly free nodes of a hall's domains taken fullest first (ties to
    the lowest index), from its domain buckets, as runs."""
    picked: list[int] = []
    covered = 0
    for k in range(len(buckets) - 1, 0, -1):
        for domain in buckets[k]:
            picked.append(domain)
            covered += k
            if covered >= count:
                return _full_runs_of(state, picked, count)
    raise ValueError("placement counted more free nodes than there are")


def _fullest_halls(state: ClusterState, type_index: int, count: int) -> list[int]:
    """Halls for a gang no hall of the type holds: of the site with the fewest wholly free
    nodes of the type that still holds it (ties to the lowest index), else of the whole
    fleet, the fullest first (ties to the lowest index) until they hold ``count``."""
    halls = state.lists.type_halls[type_index]
    hall_full = state.lists.hall_full
    hall_site = state.lists.hall_site
    per_site: dict[int, int] = {}
    for hall in halls:
        site = hall_site[hall]
        per_site[site] = per_site.get(site, 0) + hall_full[hall]
    best, best_full = -1, 0
    for site, full in per_site.items():
        if full >= count and (best < 0 or full < best_full or (full == best_full and site < best)):
            best, best_full = site, full
    candidates = [h for h in halls if hall_site[h] == best] if best >= 0 else halls
    chosen: list[int] = []
    covered = 0
    for hall in sorted(candidates, key=lambda h: -hall_full[h]):  # stable: ties by index
        chosen.append(hall)
        covered += hall_full[hall]
        if covered >= count:
            return chosen
    raise ValueError("placement counted more free nodes than there are")


def _fullest_domains_of_halls(state: ClusterState, halls: list[int], count: int) -> Runs:
    """The first ``count`` wholly free nodes of the domains of ``halls`` taken fullest first,
    ties in the order of ``halls`` and then by index, as runs: a bucketed hall's domains from
    its domain buckets, a hall of few domains by a pass over them."""
    all_buckets = state.domain_buckets
    domain_full = state.lists.domain_full
    first_domain = state.lists.hall_first_domain
    sources: list[list[list[int]] | dict[int, list[int]]] = []
    levels: set[int] = set()
    for hall in halls:
        buckets = all_buckets[hall]
        if buckets is not None:
            sources.append(buckets)
            levels.update(k for k in range(1, len(buckets)) if buckets[k])
        else:
            by_full: dict[int, list[int]] = {}
            for domain in range(first_domain[hall], first_domain[hall + 1]):
                full = domain_full[domain]
                if full:
                    by_full.setdefault(full, []).append(domain)
            sources.append(by_full)
            levels.update(by_full)
    picked: list[int] = []
    covered = 0
    for k in sorted(levels, reverse=True):
        for source in sources:
            if isinstance(source, dict):
                domains = source.get(k, ())
            else:
                domains = source[k] if k < len(source) else ()
            for domain in domains:
                picked.append(domain)
                covered += k
                if covered >= count:
                    return _full_runs_of(state, picked, count)
    raise ValueError("placement counted more free nodes than there are")


def _full_runs_of(state: ClusterState, domains: list[int], count: int) -> Runs:
    """The first ``count`` wholly free nodes of ``domains``, in the order given, as ``Runs``:
    a wholly free domain is one span (adjacent spans merged), a partly used one is scanned
    (its free nodes as singles; a big domain with numpy, as spans). Over more than
    ``NUMPY_RUNS_DOMAINS`` domains, ``_full_runs_numpy``."""
    if len(domains) > NUMPY_RUNS_DOMAINS:
        return _full_runs_numpy(state, domains, count)
    node_free = state.lists.node_free
    first_node = state.lists.domain_first_node
    domain_full = state.lists.domain_full
    spans: list[tuple[int, int]] = []
    singles: list[int] = []
    per_domain: dict[int, int] = {}
    need = count
    size = -1
    for domain in domains:
        first, stop = first_node[domain], first_node[domain + 1]
        if domain_full[domain] == stop - first:  # wholly free domain: one span, no scan
            taken = min(stop - first, need)
            if spans and spans[-1][0] + spans[-1][1] == first:  # adjacent: merge
                spans[-1] = (spans[-1][0], spans[-1][1] + taken)
            else:
                spans.append((first, taken))
        else:
            if size < 0:
                size = state.lists.node_size[first]
            if stop - first > SMALL_SCAN_NODES:  # a big domain (TPU pod): numpy's scan
                free_nodes = np.flatnonzero(state.node_free[first:stop] == size)[:need] + first
                taken = len(free_nodes)
                breaks = (np.flatnonzero(np.diff(free_nodes) != 1) + 1).tolist()
                bounds = [0, *breaks, taken] if taken else [0]
                starts = free_nodes[bounds[:-1]].tolist()
                spans += [
                    (start, b - a)
                    for start, (a, b) in zip(starts, itertools.pairwise(bounds), strict=True)
                ]
            else:
                free = [node for node in range(first, stop) if node_free[node] == size]
                free = free[:need]
                taken = len(free)
                singles += free
        per_domain[domain] = taken
        need -= taken
        if not need:
            return Runs(spans, singles, per_domain)
    raise ValueError("placement counted more free nodes than there are")


def _full_runs_numpy(state: ClusterState, domains: list[int], count: int) -> Runs:
    """``_full_runs_of`` with NumPy: one pass over the domains' nodes, the free ones grouped
    into spans of consecutive nodes (a partly used rack gives a few spans, not a single per
    node), the nodes per domain from the domains' counters."""
    picked = np.array(domains, np.int64)
    bounds = state.fleet.domain_first_node
    nodes = _ranges(bounds[picked], bounds[picked + 1])
    size = state.lists.node_size[state.lists.domain_first_node[domains[0]]]
    free = nodes[state.node_free[nodes] == size]
    if len(free) < count:
        raise ValueError("placement counted more free nodes than there are")
    free = free[:count]
    breaks = np.flatnonzero(np.diff(free) != 1) + 1
    starts = free[np.concatenate(([0], breaks))].tolist()
    lengths = np.diff(np.concatenate(([0], breaks, [count]))).tolist()
    domain_full = state.lists.domain_full
    per_domain: dict[int, int] = {}
    need = count
    for domain in domains:
        taken = min(domain_full[domain], need)
        per_domain[domain] = taken
        need -= taken
        if not need:
            break
    if need:
        raise ValueError("placement counted more free nodes than there are")
    return Runs(list(zip(starts, lengths, strict=True)), [], per_domain, free)


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
