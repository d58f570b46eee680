"""The fleet as arrays: trace node specs and placement state (packing), and the physical tree
built from a plan (`topology`)."""

from gigawatt.fleet.nodes import MAX_GPUS_PER_NODE, MILLI_PER_GPU, NodeSpecs
from gigawatt.fleet.state import FleetState
from gigawatt.fleet.topology import (
    Fleet,
    HallBlock,
    build_fleet,
    fleet_from_buildout,
    uniform_fleet,
)

__all__ = [
    "MAX_GPUS_PER_NODE",
    "MILLI_PER_GPU",
    "Fleet",
    "FleetState",
    "HallBlock",
    "NodeSpecs",
    "build_fleet",
    "fleet_from_buildout",
    "uniform_fleet",
]
