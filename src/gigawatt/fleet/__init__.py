"""The fleet as arrays: the physical tree built from a plan (site > hall > scale-up domain >
node > accelerator, with online dates; `topology`) and the host shapes it packs accelerators into
(`hosts`)."""

from gigawatt.fleet.topology import (
    Fleet,
    HallBlock,
    build_fleet,
    fleet_from_buildout,
    uniform_fleet,
)

__all__ = [
    "Fleet",
    "HallBlock",
    "build_fleet",
    "fleet_from_buildout",
    "uniform_fleet",
]
