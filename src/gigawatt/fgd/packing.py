"""Arrival-only packing: pods arrive one by one, are placed or fail, and never finish.

This is the experiment of the FGD paper (Weng et al., ATC'23, Sec. 6): the question is how much
of the cluster's GPU a policy manages to allocate as the arrived demand grows to 130% of it.
The engine is the shared scheduler steps of `gigawatt.fgd.placement` in a loop; it caches the
scores of node-local policies per (node, pod shape) and recomputes only the node a placement
changed, so an openb run takes about a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gigawatt.fgd.nodes import MAX_GPUS_PER_NODE, IntArray, NodeSpecs
from gigawatt.fgd.placement import (
    IntSource,
    PlacementPolicy,
    feasible_nodes,
    normalize_min_max,
    select_node,
)
from gigawatt.fgd.pods import PodSpecs, shape_table
from gigawatt.fgd.state import FleetState

NO_NODE = -1


@dataclass(frozen=True)
class PackingRecord:
    """One row per arrival attempt, in order (columnar).

    ``node`` is the chosen node or -1 (failed); ``gpus`` a bit mask of the GPUs taken;
    ``cpu_free_milli``/``gpu_free_milli`` the chosen node's free resources after the placement
    (for metrics that are functions of node states); cumulative GPU counters in milli-GPU.
    """

    nodes: NodeSpecs
    pods: PodSpecs
    node: IntArray
    gpus: IntArray
    cpu_free_milli: IntArray
    gpu_free_milli: IntArray  # (attempts, MAX_GPUS_PER_NODE)
    arrived_gpu_milli: IntArray
    allocated_gpu_milli: IntArray

    @property
    def attempts(self) -> int:
        return len(self.node)

    @property
    def failed(self) -> int:
        return int((self.node == NO_NODE).sum())


def pack_arrivals(
    nodes: NodeSpecs,
    pods: PodSpecs,
    policy: PlacementPolicy,
    accepts: NDArray[np.bool_],
    node_rank: IntArray,
    rng: IntSource,
    state: FleetState | None = None,
) -> PackingRecord:
    """Place ``pods`` in order on ``nodes`` with ``policy``; nothing ever leaves.

    ``node_rank`` breaks score ties (lowest wins); ``rng`` feeds randomized policies.
    """
    state = state or FleetState.empty(nodes)
    table = shape_table(pods)
    shapes = table.shapes
    shape_of_pod = table.shape_of_pod.tolist()
    cpu = pods.cpu_milli.tolist()
    memory = pods.memory_mib.tolist()

    attempts = pods.count
    chosen = np.full(attempts, NO_NODE, dtype=np.int64)
    gpu_mask = np.zeros(attempts, dtype=np.int64)
    cpu_after = np.zeros(attempts, dtype=np.int64)
    gpu_after = np.zeros((attempts, MAX_GPUS_PER_NODE), dtype=np.int64)
    arrived = np.zeros(attempts, dtype=np.int64)
    allocated = np.zeros(attempts, dtype=np.int64)

    cache = np.zeros((len(shapes), nodes.count), dtype=np.int64)
    cached = np.zeros((len(shapes), nodes.count), dtype=bool)
    arrived_milli = 0
    allocated_milli = state.allocated_gpu_milli()

    for i in range(attempts):
        k = shape_of_pod[i]
        shape = shapes[k]
        arrived_milli += shape.total_gpu_milli
        arrived[i] = arrived_milli
        allocated[i] = allocated_milli
        candidates = np.flatnonzero(feasible_nodes(state, cpu[i], memory[i], shape, accepts))
        if candidates.size == 0:
            continue
        if candidates.size == 1:
            node = int(candidates[0])  # the k8s scheduler skips scoring for a single feasible node
        else:
            if policy.node_local:
                stale = candidates[~cached[k, candidates]]
                if stale.size:
                    cache[k, stale] = policy.score(state, stale, shape, rng)
                    cached[k, stale] = True
                scores = cache[k, candidates]
            else:
                scores = policy.score(state, candidates, shape, rng)
            if policy.normalize:
                scores = normalize_min_max(scores)
            node = select_node(candidates, scores, node_rank)
        gpus = policy.pick_gpus(state, node, shape, rng)
        state.allocate(node, cpu[i], memory[i], shape.gpu_milli, gpus)
        cached[:, node] = False
        allocated_milli += shape.gpu_milli * len(gpus)
        allocated[i] = allocated_milli
        chosen[i] = node
        gpu_mask[i] = sum(1 << g for g in gpus)
        cpu_after[i] = state.cpu_free_milli[node]
        gpu_after[i] = state.gpu_free_milli[node]

    return PackingRecord(
        nodes=nodes,
        pods=pods,
        node=chosen,
        gpus=gpu_mask,
        cpu_free_milli=cpu_after,
        gpu_free_milli=gpu_after,
        arrived_gpu_milli=arrived,
        allocated_gpu_milli=allocated,
    )
