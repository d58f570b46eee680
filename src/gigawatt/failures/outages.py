"""Fleet-wide node outages for the time-based engine (`sim/`): when each node fails, why, and
when it is back.

The engine already takes nodes offline and online (``Fleet.node_offline_s`` / ``node_online_s``
and its NODE_OFFLINE / NODE_ONLINE events, which interrupt the jobs on the node and roll them
back to their last checkpoint). This module draws the failure side as plain arrays so the
engine can push them as more of those events; it reads no fleet object, only arrays.

Each node fails at rate sum(accelerator-scoped rates) x its accelerators + sum(node-scoped
rates); a domain-scoped failure takes every node of its domain down together. Job-scoped
components (planned stops of one job) are not fleet outages and are left out: the engine draws
them per running job (``sim.replay.NodeFailures.job_stops``). Components
without a ``repair`` (software bugs, NCCL hangs) interrupt the jobs on the node but take no
capacity away: their ``up_s`` equals ``down_s``. A failure drawn while its node is already
down is kept (first-order: the engine can ignore an offline event for an offline node).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gigawatt.failures.models import FailureModel
from gigawatt.failures.montecarlo import repair_draws

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Outages:
    """Node outages sorted by `down_s` (seconds from the scenario start)."""

    node: IntArray
    down_s: FloatArray
    up_s: FloatArray
    cause: IntArray  # index into the model's components


def draw_outages(
    model: FailureModel,
    node_accelerators: IntArray,
    node_domain: IntArray,
    node_online_s: FloatArray,
    node_offline_s: FloatArray,
    horizon_s: float,
    seed: int = 0,
) -> Outages:
    """Poisson failures of every node (and domain) while it is in service, with repair times
    from the model. Exponential components only (Weibull ones use their mean rate)."""
    rng = np.random.default_rng(seed)
    start = np.minimum(node_online_s, horizon_s)
    end = np.clip(np.minimum(node_offline_s, horizon_s), start, None)
    span = end - start
    nodes_out, down_out, cause_out = [], [], []
    for k, comp in enumerate(model.components):
        rate = comp.rate_per_unit_s
        if rate == 0.0 or comp.scope == "job":
            continue
        if comp.scope == "domain":
            domains = int(node_domain.max()) + 1 if node_domain.size else 0
            d_start = np.full(domains, np.inf)
            d_end = np.zeros(domains)
            np.minimum.at(d_start, node_domain, start)
            np.maximum.at(d_end, node_domain, end)
            d_span = np.clip(d_end - d_start, 0.0, None)
            d_span[~np.isfinite(d_span)] = 0.0
            counts = rng.poisson(rate * d_span)
            which = np.repeat(np.arange(domains), counts)
            when = d_start[which] + rng.uniform(0.0, 1.0, which.size) * d_span[which]
            # Every node of the domain goes down together.
            members = [np.flatnonzero(node_domain == d) for d in which]
            sizes = np.array([m.size for m in members], dtype=np.int64)
            nodes_out.append(np.concatenate(members) if members else np.empty(0, np.int64))
            down_out.append(np.repeat(when, sizes))
            cause_out.append(np.full(int(sizes.sum()), k, dtype=np.int64))
            continue
        units = node_accelerators if comp.scope == "accelerator" else np.ones_like(span)
        counts = rng.poisson(rate * units * span)
        which = np.repeat(np.arange(span.size), counts)
        nodes_out.append(which.astype(np.int64))
        down_out.append(start[which] + rng.uniform(0.0, 1.0, which.size) * span[which])
        cause_out.append(np.full(which.size, k, dtype=np.int64))
    node = np.concatenate(nodes_out) if nodes_out else np.empty(0, np.int64)
    down = np.concatenate(down_out) if down_out else np.empty(0)
    cause = np.concatenate(cause_out) if cause_out else np.empty(0, np.int64)
    up = down.copy()
    for k, comp in enumerate(model.components):
        hit = cause == k
        if comp.repair is not None and hit.any():
            up[hit] = down[hit] + repair_draws(rng, comp.repair, int(hit.sum()))
    order = np.argsort(down, kind="stable")
    return Outages(node=node[order], down_s=down[order], up_s=up[order], cause=cause[order])
