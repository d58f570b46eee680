"""The physical fleet as arrays: site > hall > scale-up domain > node > accelerator.

Nodes are numbered so that every hall and every scale-up domain is a contiguous range of node
indices (a hall is one planned phase, or one step of a capacity contract's ramp, and holds one
accelerator type). A node has ``node_accelerators`` identical accelerators and comes online at
``node_online_s`` (seconds from the scenario's program start); ``node_offline_s`` is when it
leaves (a contract ending; infinity if never). Failures will add their own offline events.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gigawatt.catalog.models import Catalog
from gigawatt.fleet.hosts import host_accelerators
from gigawatt.plan.buildout import Buildout

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

SECONDS_PER_DAY = 86_400.0


def seconds_since(start: dt.date, when: dt.date) -> float:
    """Simulation time of the first instant of ``when``: seconds from the first of ``start``."""
    return (when - start).days * SECONDS_PER_DAY


@dataclass(frozen=True)
class HallBlock:
    """A block of identical nodes that arrive together: one hall of the fleet."""

    site: str
    hall: str
    accelerator: str
    nodes: int
    accelerators_per_node: int
    nodes_per_domain: int
    online_s: float
    offline_s: float = math.inf


@dataclass(frozen=True)
class Fleet:
    """The fleet tree as index arrays (see the module docstring for the numbering)."""

    types: tuple[str, ...]
    sites: tuple[str, ...]
    halls: tuple[str, ...]
    hall_site: IntArray
    hall_type: IntArray
    hall_first_domain: IntArray  # (halls + 1,): domains of hall h are [first[h], first[h+1])
    hall_first_node: IntArray  # (halls + 1,)
    domain_hall: IntArray
    domain_first_node: IntArray  # (domains + 1,)
    node_domain: IntArray
    node_hall: IntArray
    node_site: IntArray
    node_type: IntArray
    node_accelerators: IntArray
    node_online_s: FloatArray
    node_offline_s: FloatArray

    @property
    def node_count(self) -> int:
        return len(self.node_domain)

    @property
    def domain_count(self) -> int:
        return len(self.domain_hall)

    @property
    def hall_count(self) -> int:
        return len(self.halls)

    @property
    def total_accelerators(self) -> int:
        return int(self.node_accelerators.sum())

    def accelerators_by_type(self) -> dict[str, int]:
        """Accelerators of each type in the whole fleet (online or not yet)."""
        totals = np.bincount(
            self.node_type, weights=self.node_accelerators, minlength=len(self.types)
        )
        return {t: int(v) for t, v in zip(self.types, totals, strict=True)}


def build_fleet(blocks: Sequence[HallBlock]) -> Fleet:
    """A fleet from hall blocks (the halls in the given order; sites and types by first use)."""
    types: list[str] = []
    sites: list[str] = []
    hall_site, hall_type, hall_first_domain, hall_first_node = [], [], [0], [0]
    domain_hall: list[IntArray] = []
    domain_sizes: list[IntArray] = []
    node_online: list[FloatArray] = []
    node_offline: list[FloatArray] = []
    node_acc: list[IntArray] = []
    for h, block in enumerate(blocks):
        if block.site not in sites:
            sites.append(block.site)
        if block.accelerator not in types:
            types.append(block.accelerator)
        per_domain = max(1, block.nodes_per_domain)
        full, rest = divmod(block.nodes, per_domain)
        sizes = np.array([per_domain] * full + ([rest] if rest else []), dtype=np.int64)
        hall_site.append(sites.index(block.site))
        hall_type.append(types.index(block.accelerator))
        hall_first_domain.append(hall_first_domain[-1] + len(sizes))
        hall_first_node.append(hall_first_node[-1] + block.nodes)
        domain_hall.append(np.full(len(sizes), h, dtype=np.int64))
        domain_sizes.append(sizes)
        node_online.append(np.full(block.nodes, block.online_s))
        node_offline.append(np.full(block.nodes, block.offline_s))
        node_acc.append(np.full(block.nodes, block.accelerators_per_node, dtype=np.int64))
    sizes_all = np.concatenate(domain_sizes) if domain_sizes else np.zeros(0, np.int64)
    domain_first_node = np.concatenate([[0], np.cumsum(sizes_all)]).astype(np.int64)
    node_domain = np.repeat(np.arange(len(sizes_all), dtype=np.int64), sizes_all)
    hall_site_a = np.array(hall_site, dtype=np.int64)
    hall_type_a = np.array(hall_type, dtype=np.int64)
    domain_hall_a = np.concatenate(domain_hall) if domain_hall else np.zeros(0, np.int64)
    node_hall = domain_hall_a[node_domain]
    return Fleet(
        types=tuple(types),
        sites=tuple(sites),
        halls=tuple(f"{b.site}/{b.hall}" for b in blocks),
        hall_site=hall_site_a,
        hall_type=hall_type_a,
        hall_first_domain=np.array(hall_first_domain, dtype=np.int64),
        hall_first_node=np.array(hall_first_node, dtype=np.int64),
        domain_hall=domain_hall_a,
        domain_first_node=domain_first_node,
        node_domain=node_domain,
        node_hall=node_hall,
        node_site=hall_site_a[node_hall],
        node_type=hall_type_a[node_hall],
        node_accelerators=np.concatenate(node_acc) if node_acc else np.zeros(0, np.int64),
        node_online_s=np.concatenate(node_online) if node_online else np.zeros(0),
        node_offline_s=np.concatenate(node_offline) if node_offline else np.zeros(0),
    )


def _block(
    site: str,
    hall: str,
    accelerator: str,
    accelerators: int,
    catalog: Catalog,
    online_s: float,
    offline_s: float = math.inf,
) -> HallBlock | None:
    entry = catalog.accelerators[accelerator]
    domain = max(1, int(entry.scale_up_domain.value))
    per_node = host_accelerators(accelerator, domain)
    nodes = accelerators // per_node  # a partial host is not a schedulable node
    if nodes == 0:
        return None
    return HallBlock(
        site, hall, accelerator, nodes, per_node, max(1, domain // per_node), online_s, offline_s
    )


def fleet_from_buildout(
    buildout: Buildout,
    catalog: Catalog,
    start: dt.date,
    include_contracts: bool = True,
) -> Fleet:
    """The fleet a plan builds: one hall per phase, online from the first of its month.

    Each phase's accelerators are packed into hosts (`gigawatt.fleet.hosts`) and the hosts into
    scale-up domains of the catalog's ``scale_up_domain`` size (the last domain of a hall may be
    smaller); accelerators short of a whole host are left out. With ``include_contracts``, each
    contracted source (a cloud deal) adds a hall per increase of its monthly ramp, online that
    month; decreases and the end of the timeline take the newest halls offline first.
    Simulation time is seconds from ``start`` (the scenario's ``program.start``).
    """
    blocks: list[HallBlock] = []
    for phase in sorted(buildout.phases, key=lambda p: (p.online, p.site_id, p.phase)):
        block = _block(
            phase.site_id,
            phase.phase,
            phase.accelerator,
            phase.accelerators,
            catalog,
            seconds_since(start, phase.online),
        )
        if block is not None:
            blocks.append(block)
    if include_contracts:
        blocks.extend(_contract_blocks(buildout, catalog, start))
    return build_fleet(blocks)


def _contract_blocks(buildout: Buildout, catalog: Catalog, start: dt.date) -> list[HallBlock]:
    ramps: dict[tuple[str, str], dict[dt.date, int]] = {}
    for row in buildout.timeline:
        if row.ownership == "contracted":
            ramp = ramps.setdefault((row.source_id, row.accelerator), {})
            ramp[row.month] = ramp.get(row.month, 0) + row.accelerators
    end_s = (
        seconds_since(start, buildout.months[-1]) + 31 * SECONDS_PER_DAY
        if buildout.months
        else math.inf
    )
    blocks: list[HallBlock] = []
    for (source, accelerator), by_month in sorted(ramps.items()):
        # Each step up is a hall: [online_s, accelerators, offline_s]
        steps: list[list[float]] = []
        level = 0
        for month in buildout.months:
            count = by_month.get(month, 0)
            now = seconds_since(start, month)
            if count > level:
                steps.append([now, count - level, math.inf])
            elif count < level:
                drop = level - count
                for step in reversed(steps):
                    if drop <= 0:
                        break
                    if step[2] == math.inf:
                        # A step is retired whole (newest first): a cloud returns capacity
                        # in the blocks it lent it.
                        step[2] = now
                        drop -= int(step[1])
            level = count
        for online_s, accelerators, offline_s in steps:
            month = start + dt.timedelta(seconds=online_s)
            block = _block(
                source,
                month.strftime("%Y-%m"),
                accelerator,
                int(accelerators),
                catalog,
                online_s,
                min(offline_s, end_s) if offline_s != math.inf else math.inf,
            )
            if block is not None:
                blocks.append(block)
    return blocks


def uniform_fleet(
    nodes: int,
    accelerators_per_node: int = 1,
    nodes_per_domain: int = 1,
    halls: int = 1,
    accelerator: str = "gpu",
    site: str = "site",
) -> Fleet:
    """A fleet of identical nodes, online from time 0, split evenly over ``halls`` (tests)."""
    per_hall = [nodes // halls + (1 if i < nodes % halls else 0) for i in range(halls)]
    return build_fleet(
        [
            HallBlock(
                site, f"hall-{i}", accelerator, n, accelerators_per_node, nodes_per_domain, 0.0
            )
            for i, n in enumerate(per_hall)
            if n
        ]
    )
