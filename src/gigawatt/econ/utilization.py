"""Utilization as finance means it: the share of online accelerator-hours that earns money."""

from __future__ import annotations

import math


def useful_utilization(
    utilization: float, goodput: float | None = None, out_of_service_share: float = 0.0
) -> float:
    """A replay's utilization as finance means it (0..1; the scenario's default 0.85 is FGD
    allocation x Llama 3 goodput): ``utilization`` is busy / online accelerator-hours; with
    failures (``goodput`` given and finite) it is multiplied by the goodput (rolled-back work,
    restarts and checkpoint writes earn nothing) and by the share of capacity in service
    (``out_of_service_share``: accelerators in repair earn nothing)."""
    if goodput is not None and math.isfinite(goodput):
        utilization *= goodput * (1.0 - out_of_service_share)
    return utilization
