"""Allocation and fragmentation against arrived load, as the FGD paper reports them.

Per attempt the artifact logs the allocated milli-GPU, the arrived (requested so far) milli-GPU
and the cluster's fragmentation (amount in milli-GPU and ratio to idle GPU, printed with two
decimals). Its analysis (``experiments/analysis/merge_*_discrete.py``) then buckets attempts by
arrived load rounded to whole percent of the cluster's GPUs (0..130) and averages each bucket;
an empty bucket borrows the attempts within one percent. We do the same, so our curves are
comparable number for number with ``data/traces/fgd_expected``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigawatt.fgd.fragmentation import (
    FloatArray,
    TypicalShapes,
    idle_weight_sum,
    node_fragmentation,
)
from gigawatt.fgd.nodes import MILLI_PER_GPU
from gigawatt.fgd.packing import NO_NODE, PackingRecord
from gigawatt.fgd.state import FleetState

#: The paper's x axis: arrived GPU requests as % of the cluster's GPUs, 0..130.
ARRIVED_PERCENT = np.arange(0, 131)


@dataclass(frozen=True)
class FragmentationSeries:
    """Per attempt: fragmented milli-GPU of the cluster and its % of idle GPU."""

    frag_gpu_milli: FloatArray
    frag_ratio_percent: FloatArray


def fragmentation_series(
    record: PackingRecord, typical: TypicalShapes, accepts: np.ndarray
) -> FragmentationSeries:
    """Cluster fragmentation after every attempt (the artifact's "origin" frag report)."""
    nodes = record.nodes
    start = FleetState.empty(nodes)
    access = accepts[typical.gpu_spec][:, nodes.gpu_model]
    node_frag = node_fragmentation(start.cpu_free_milli, start.gpu_free_milli, access, typical)
    placed = np.flatnonzero(record.node != NO_NODE)
    placed_nodes = record.node[placed]
    new_frag = node_fragmentation(
        record.cpu_free_milli[placed],
        record.gpu_free_milli[placed],
        access[:, placed_nodes],
        typical,
    )
    delta = np.zeros(record.attempts, dtype=np.float64)
    current = node_frag.copy()
    for row, node, value in zip(
        placed.tolist(), placed_nodes.tolist(), new_frag.tolist(), strict=True
    ):
        delta[row] = value - current[node]
        current[node] = value
    frag = float(node_frag.sum()) + np.cumsum(delta)
    idle = (nodes.total_gpus * MILLI_PER_GPU - record.allocated_gpu_milli) * idle_weight_sum(
        typical
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(idle > 0, 100 * frag / idle, 0.0)
    return FragmentationSeries(frag_gpu_milli=frag, frag_ratio_percent=ratio)


def _round(values: FloatArray, digits: int) -> FloatArray:
    """Python's correctly rounded ``round`` (what the artifact's pandas ``apply(round)`` uses)."""
    return np.array([round(v, digits) for v in values.tolist()], dtype=np.float64)


def by_arrived_percent(
    values: FloatArray, arrived_gpu_milli: np.ndarray, total_gpus: int
) -> FloatArray:
    """Mean of ``values`` per arrived-load bucket 0..130 (NaN where no attempt is within 1%)."""
    arrived = _round(arrived_gpu_milli / total_gpus / 10, 0)
    out = np.full(len(ARRIVED_PERCENT), np.nan)
    for i, percent in enumerate(ARRIVED_PERCENT.tolist()):
        bucket = values[arrived == percent]
        if bucket.size == 0:
            bucket = values[(arrived >= percent - 1) & (arrived <= percent + 1)]
        if bucket.size:
            out[i] = bucket.sum() / bucket.size  # numpy's pairwise sum, as pandas' mean
    return out


@dataclass(frozen=True)
class Curves:
    """The paper's three curves against arrived load 0..130% (index = percent)."""

    allocation_percent: FloatArray  # % of cluster GPUs allocated
    frag_amount_percent: FloatArray  # fragmented GPU, % of cluster GPUs
    frag_ratio_percent: FloatArray  # fragmented GPU, % of idle GPU


def paper_curves(record: PackingRecord, series: FragmentationSeries) -> Curves:
    """Allocation and fragmentation curves computed as the artifact's analysis scripts do.

    Rounding follows them too: per attempt, Python's correctly rounded ``round`` (pandas
    ``apply``) or Go's ``%.2f`` (same result); per bucket, ``round`` of a numpy float, which is
    numpy's scale-and-round-half-even (a mean of 90.605 gives 90.6). Seed-by-seed equality with
    the artifact depends on it.
    """
    total = record.nodes.total_gpus
    allocation = _round(record.allocated_gpu_milli / total / 10, 2)
    frag_milli = _round(series.frag_gpu_milli, 2)  # logged with %.2f
    frag_ratio = _round(series.frag_ratio_percent, 2)
    amount = by_arrived_percent(frag_milli, record.arrived_gpu_milli, total)
    return Curves(
        allocation_percent=np.round(
            by_arrived_percent(allocation, record.arrived_gpu_milli, total), 2
        ),
        frag_amount_percent=np.round(100 * amount / 1000 / total, 2),
        frag_ratio_percent=by_arrived_percent(frag_ratio, record.arrived_gpu_milli, total),
    )
