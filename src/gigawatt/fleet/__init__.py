"""The fleet as arrays: static node specs and the mutable free-resource state placements change."""

from gigawatt.fleet.nodes import MAX_GPUS_PER_NODE, MILLI_PER_GPU, NodeSpecs
from gigawatt.fleet.state import FleetState

__all__ = ["MAX_GPUS_PER_NODE", "MILLI_PER_GPU", "FleetState", "NodeSpecs"]
