"""The gigawatt-scale case the simulate benchmarks replay: its fleet and its tenants.

Shared by `benchmarks/simulate.py --gigawatt` and `benchmarks/against.py`, and written against
the public API older checkouts have too (`benchmarks/against.py` runs it with another tree's
``gigawatt`` on the path).
"""

from __future__ import annotations

from typing import Any

#: Jobs of the gigawatt case (about a year of the tenants' generators on this fleet).
GIGAWATT_JOBS = 1_000_000


def gigawatt_fleet() -> Any:
    """1,000,000 accelerators on four sites: GB300 NVL72 (4 per node, 72 per domain), TPU7x
    (4 per host, 9,216 per pod) and B200 HGX (8 per node), online in three waves."""
    from gigawatt.fleet.topology import HallBlock, build_fleet

    day = 86_400.0
    blocks = []
    for site in range(4):
        blocks += [
            HallBlock(f"site-{site}", "gb300-a", "gb300-nvl72", 18_750, 4, 18, 0.0),
            HallBlock(f"site-{site}", "gb300-b", "gb300-nvl72", 18_750, 4, 18, 60 * day),
            HallBlock(f"site-{site}", "tpu7x", "tpu7x", 15_000, 4, 2_304, 120 * day),
            HallBlock(f"site-{site}", "b200", "b200", 5_000, 8, 1, 0.0),
        ]
    return build_fleet(blocks)


def gigawatt_workload(checkpoint: str | None = None) -> Any:
    """The case's tenants: frontier training 50% (checkpoint interval ``checkpoint``, default
    the workload's ``auto``), inference 30% (groups of 1,024), research 20% (sizes x256)."""
    try:
        from gigawatt.scenario.tenants import (
            FrontierTraining,
            InferenceFleet,
            ResearchPool,
            Tenant,
            Workload,
        )
    except ImportError:  # a checkout before the tenants' models moved to scenario/
        from gigawatt.workload.settings import (  # type: ignore[no-redef]
            FrontierTraining,
            InferenceFleet,
            ResearchPool,
            Tenant,
            Workload,
        )
    frontier = (
        FrontierTraining()
        if checkpoint is None
        else FrontierTraining(checkpoint_interval_s=checkpoint)
    )
    return Workload(
        seed=1,
        tenants=[
            Tenant(name="training", entitlement=0.5, workloads=[frontier]),
            Tenant(
                name="inference",
                entitlement=0.3,
                workloads=[InferenceFleet(share_of_fleet=0.3, group_accelerators=1024)],
            ),
            Tenant(
                name="research",
                entitlement=0.2,
                workloads=[ResearchPool(share_of_fleet=0.4, size_scale=256)],
            ),
        ],
    )
