"""Topology packing's choice of wholly free nodes written plainly, node by node.

The readable version of `gigawatt.sched.topology`'s full-node placement, kept as the reference
the counters-based code is tested against (tests/sched/test_topology_reference.py).
"""

from __future__ import annotations

from gigawatt.sched.cluster import ClusterState


def reference_full_nodes(state: ClusterState, type_index: int, count: int) -> list[int]:
    """Topology packing's choice of ``count`` wholly free nodes (`sched.topology`), written
    plainly: wholly free nodes are counted from the nodes themselves (not the state's
    counters), candidates sorted with Python's sort. Order of preference: one domain (fewest
    wholly free nodes that still holds it), one hall (fewest; its domains fullest first), one
    site (fewest; its halls fullest first), the fleet; ties to the lowest index, or to the
    earlier position where the fast code keeps a list's order."""
    fleet = state.fleet
    size = int(state.type_node_size[type_index])
    node_free = state.node_free.tolist()

    def wholly_free(domain: int) -> list[int]:
        first, stop = int(fleet.domain_first_node[domain]), int(fleet.domain_first_node[domain + 1])
        return [n for n in range(first, stop) if node_free[n] == size]

    halls = [h for h in range(fleet.hall_count) if int(fleet.hall_type[h]) == type_index]
    domains_of = {
        h: list(range(int(fleet.hall_first_domain[h]), int(fleet.hall_first_domain[h + 1])))
        for h in halls
    }
    full = {d: len(wholly_free(d)) for h in halls for d in domains_of[h]}
    hall_full = {h: sum(full[d] for d in domains_of[h]) for h in halls}
    biggest = max(
        (int(fleet.domain_first_node[d + 1] - fleet.domain_first_node[d]) for d in full), default=0
    )

    def take(domains: list[int]) -> list[int]:
        nodes = [n for d in domains for n in wholly_free(d)]
        assert len(nodes) >= count, "placement counted more free nodes than there are"
        return nodes[:count]

    def fullest_first(domains: list[int]) -> list[int]:
        order = sorted(range(len(domains)), key=lambda i: (-full[domains[i]], i))
        return [domains[i] for i in order]

    if count <= biggest:
        fits = sorted((full[d], d) for d in full if full[d] >= count)
        if fits:
            return take([fits[0][1]])
    fits = sorted((hall_full[h], h) for h in halls if hall_full[h] >= count)
    if fits:
        return take(fullest_first(domains_of[fits[0][1]]))
    sites = sorted({int(fleet.hall_site[h]) for h in halls})
    per_site = {s: sum(hall_full[h] for h in halls if int(fleet.hall_site[h]) == s) for s in sites}
    site_fits = sorted((per_site[s], s) for s in sites if per_site[s] >= count)
    candidates = (
        [h for h in halls if int(fleet.hall_site[h]) == site_fits[0][1]] if site_fits else halls
    )
    order = sorted(range(len(candidates)), key=lambda i: (-hall_full[candidates[i]], i))
    chosen, covered = [], 0
    for i in order:
        chosen.append(candidates[i])
        covered += hall_full[candidates[i]]
        if covered >= count:
            break
    hall_domains = [d for h in chosen for d in domains_of[h]]
    if all(int(state.hall_max_domain_nodes[h]) == 1 for h in chosen):
        return take(hall_domains)
    return take(fullest_first(hall_domains))
