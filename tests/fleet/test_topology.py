"""The fleet tree from a plan: halls per phase, hosts and scale-up domains, online dates."""

from __future__ import annotations

import datetime as dt

import numpy as np

from gigawatt.catalog import load_catalog
from gigawatt.fleet.topology import HallBlock, build_fleet, fleet_from_buildout, seconds_since
from gigawatt.plan.buildout import Buildout, PhasePlan


def phase(site: str, name: str, accelerator: str, count: int, online: dt.date) -> PhasePlan:
    return PhasePlan(site, name, accelerator, online, online, 1.0, 1.2, 1.2, count, 0.0, 0.0, 0.0)


def test_nvl72_hall_is_domains_of_18_nodes_of_4() -> None:
    start = dt.date(2026, 1, 1)
    buildout = Buildout(
        name="t",
        months=[start],
        phases=[
            phase("tx", "p1", "gb300-nvl72", 72 * 3 + 5, dt.date(2026, 3, 1)),
            phase("ny", "p1", "h100", 8 * 4, start),
        ],
        timeline=[],
        capex=[],
        jobs=[],
        construction_jobs_by_month=[],
    )
    fleet = fleet_from_buildout(buildout, load_catalog(), start)
    assert fleet.halls == ("ny/p1", "tx/p1")
    assert fleet.accelerators_by_type() == {"h100": 32, "gb300-nvl72": 72 * 3 + 4}
    nvl = fleet.node_type == fleet.types.index("gb300-nvl72")
    assert (fleet.node_accelerators[nvl] == 4).all()
    sizes = np.diff(fleet.domain_first_node)[fleet.hall_type[fleet.domain_hall] == 1]
    assert sizes.tolist() == [18, 18, 18, 1]  # a partial host is dropped, a partial domain kept
    assert (fleet.node_online_s[nvl] == seconds_since(start, dt.date(2026, 3, 1))).all()
    assert (fleet.node_online_s[~nvl] == 0).all()


def test_halls_and_domains_are_contiguous_node_ranges() -> None:
    fleet = build_fleet(
        [HallBlock("a", "h0", "x", 5, 4, 2, 0.0), HallBlock("b", "h1", "y", 3, 8, 1, 10.0)]
    )
    assert fleet.node_count == 8 and fleet.domain_count == 3 + 3
    assert fleet.hall_first_node.tolist() == [0, 5, 8]
    assert fleet.node_domain.tolist() == [0, 0, 1, 1, 2, 3, 4, 5]
    assert fleet.node_site.tolist() == [0] * 5 + [1] * 3
