"""The placement policies written plainly, node by node and GPU by GPU.

This is the readable version of `gigawatt.fgd.policies` (and of `node_fragmentation`), kept as
the reference the vectorized code is tested against. It follows the artifact's Go code
(``pkg/simulator/plugin/*_score.go``, ``pkg/utils/frag.go``) statement by statement, including the
order of floating-point sums. It is far too slow for whole experiments; use it on small cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gigawatt.fgd.fragmentation import (
    NO_ACCESS,
    Q1_LACK_BOTH,
    Q2_LACK_GPU,
    Q3_SATISFIED,
    Q4_LACK_CPU,
    XL_SATISFIED,
    XR_LACK_CPU,
    TypicalShapes,
)
from gigawatt.fgd.nodes import MILLI_PER_GPU, IntArray
from gigawatt.fgd.placement import MAX_NODE_SCORE, IntSource, PolicyContext
from gigawatt.fgd.pods import PodShape
from gigawatt.fgd.policies import MAX_SPEC_CPU_MILLI, MAX_SPEC_GPU_MILLI, RandomFit
from gigawatt.fgd.state import FleetState


@dataclass(frozen=True)
class NodeView:
    """One node's free resources as plain Python values."""

    cpu_free: int
    gpu_free: list[int]  # one entry per GPU the node has
    model: int

    @classmethod
    def of(cls, state: FleetState, node: int) -> NodeView:
        count = int(state.nodes.gpu_count[node])
        return cls(
            int(state.cpu_free_milli[node]),
            [int(v) for v in state.gpu_free_milli[node, :count]],
            int(state.nodes.gpu_model[node]),
        )


def fragmentation_one(node: NodeView, typical: TypicalShapes, accepts: np.ndarray) -> float:
    """Fragmented milli-GPU of one node (``NodeGpuShareFragAmount`` then ``FragAmountSumExceptQ3``)."""
    data = [0.0] * 7
    total = sum(node.gpu_free)
    for s in range(typical.count):
        cpu, milli, count = (
            int(typical.cpu_milli[s]),
            int(typical.gpu_milli[s]),
            int(typical.num_gpu[s]),
        )
        weight = float(typical.weight[s])
        if milli == 0:
            klass = XL_SATISFIED if node.cpu_free >= cpu else XR_LACK_CPU
        elif not accepts[int(typical.gpu_spec[s]), node.model]:
            klass = NO_ACCESS
        else:
            fitting = sum(1 for free in node.gpu_free if free >= milli)
            if fitting >= count:
                klass = Q3_SATISFIED if node.cpu_free >= cpu else Q4_LACK_CPU
            else:
                klass = Q2_LACK_GPU if node.cpu_free >= cpu else Q1_LACK_BOTH
        if klass == Q3_SATISFIED:
            too_small = sum(free for free in node.gpu_free if free < milli)
            data[Q2_LACK_GPU] += weight * float(too_small)
            data[Q3_SATISFIED] += weight * float(total - too_small)
        else:
            data[klass] += weight * float(total)
    out = 0.0
    for klass in range(7):
        if klass != Q3_SATISFIED:
            out += data[klass]
    return out


def _sigmoid_score(frag_decrease: float) -> int:
    return int(1.0 / (1.0 + math.exp(-(frag_decrease / 1000))) * MAX_NODE_SCORE)


def _take_tightest(gpu_free: list[int], shape: PodShape) -> list[int]:
    """``NodeResource.Sub``: take from the fitting GPUs with least free milli first (stable)."""
    out = list(gpu_free)
    wanted = shape.num_gpu
    for gpu in sorted(range(len(out)), key=lambda g: out[g]):
        if wanted and shape.gpu_milli <= out[gpu]:
            out[gpu] -= shape.gpu_milli
            wanted -= 1
    return out


def fgd_gpu_scores(node: NodeView, shape: PodShape, context: PolicyContext) -> list[int]:
    """FGD score of a share pod on each GPU of the node (-1 where it does not fit)."""
    before = fragmentation_one(node, context.typical, context.accepts)
    scores = []
    for gpu, free in enumerate(node.gpu_free):
        if free < shape.gpu_milli:
            scores.append(-1)
            continue
        after_gpu = list(node.gpu_free)
        after_gpu[gpu] -= shape.gpu_milli
        after = fragmentation_one(
            NodeView(node.cpu_free - shape.cpu_milli, after_gpu, node.model),
            context.typical,
            context.accepts,
        )
        scores.append(_sigmoid_score(before - after))
    return scores


def score_one(policy: str, node: NodeView, shape: PodShape, context: PolicyContext) -> int:
    """The (unnormalized) score of ``policy`` for a pod shape on one node that can take it."""
    gpu_total = sum(node.gpu_free)
    if policy == "dotprod":
        node_vec = [node.cpu_free / MAX_SPEC_CPU_MILLI, gpu_total / MAX_SPEC_GPU_MILLI]
        pod_vec = [shape.cpu_milli / MAX_SPEC_CPU_MILLI, shape.total_gpu_milli / MAX_SPEC_GPU_MILLI]
        dot = 0.0
        for a, b in zip(node_vec, pod_vec, strict=True):
            dot += a * b
        return int(float(MAX_NODE_SCORE) * (1 - dot / 2))
    if policy == "bestfit":
        waste = 0.0
        waste += (node.cpu_free - shape.cpu_milli) / MAX_SPEC_CPU_MILLI * 0.5
        waste += (gpu_total - shape.total_gpu_milli) / MAX_SPEC_GPU_MILLI * 0.5
        return int((1.0 - waste) * MAX_NODE_SCORE)
    if policy == "fgd":
        if shape.is_gpu_share:
            return max(fgd_gpu_scores(node, shape, context))
        before = fragmentation_one(node, context.typical, context.accepts)
        after = fragmentation_one(
            NodeView(
                node.cpu_free - shape.cpu_milli, _take_tightest(node.gpu_free, shape), node.model
            ),
            context.typical,
            context.accepts,
        )
        return _sigmoid_score(before - after)
    if policy == "gpu-packing":
        if shape.num_gpu == 0:
            return 0
        fully_free = sum(1 for free in node.gpu_free if free == MILLI_PER_GPU)
        if fully_free == len(node.gpu_free):
            return max(MAX_NODE_SCORE // 3 - fully_free, fully_free)
        wanted, free_taken, taken = shape.num_gpu, 0, []
        for gpu in sorted(range(len(node.gpu_free)), key=lambda g: node.gpu_free[g]):
            if wanted and shape.gpu_milli <= node.gpu_free[gpu]:
                wanted -= 1
                taken.append(gpu)
                free_taken += node.gpu_free[gpu] == MILLI_PER_GPU
        if free_taken:
            return max(MAX_NODE_SCORE // 2 - free_taken, MAX_NODE_SCORE // 3)
        ratio = sum(node.gpu_free[g] * 100 // MILLI_PER_GPU for g in taken)
        return max(MAX_NODE_SCORE - ratio // 10, MAX_NODE_SCORE // 2)
    raise ValueError(f"no plain score for {policy!r}")


@dataclass
class ReferencePolicy:
    """A placement policy evaluated node by node with the plain functions above."""

    context: PolicyContext
    name: str
    node_local: bool = True
    normalize: bool = False

    def score(
        self, state: FleetState, nodes: IntArray, shape: PodShape, rng: IntSource
    ) -> IntArray:
        if self.name == "gpu-clustering":
            return np.array([self._clustering(state, int(n), shape) for n in nodes], dtype=np.int64)
        return np.array(
            [score_one(self.name, NodeView.of(state, int(n)), shape, self.context) for n in nodes],
            dtype=np.int64,
        )

    @staticmethod
    def _clustering(state: FleetState, node: int, shape: PodShape) -> int:
        if shape.num_gpu == 0:
            return 0
        kinds = {k for k in range(state.affinity_pods.shape[1]) if state.affinity_pods[node, k] > 0}
        mine = 0 if shape.is_gpu_share else shape.num_gpu
        used = MAX_SPEC_GPU_MILLI - int(state.gpu_free_milli[node].sum())
        fullness = MAX_NODE_SCORE // 4 * used // MAX_SPEC_GPU_MILLI
        if mine in kinds:
            return fullness + (
                MAX_NODE_SCORE * 3 // 4 if len(kinds) == 1 else MAX_NODE_SCORE * 2 // 4
            )
        return fullness + (MAX_NODE_SCORE // 4 if not kinds else 0)

    def pick_gpus(
        self, state: FleetState, node: int, shape: PodShape, rng: IntSource
    ) -> tuple[int, ...]:
        view = NodeView.of(state, node)
        if shape.num_gpu == 0:
            return ()
        if not shape.is_gpu_share:
            idle = [g for g, v in enumerate(view.gpu_free) if v == MILLI_PER_GPU]
            return tuple(idle[: shape.num_gpu])
        if self.name == "fgd":
            scores = fgd_gpu_scores(view, shape, self.context)
            best = max(scores)
            return (scores.index(best),)
        best_gpu = -1
        for gpu, free in enumerate(view.gpu_free):
            if free >= shape.gpu_milli and (best_gpu == -1 or free < view.gpu_free[best_gpu]):
                best_gpu = gpu
        return (best_gpu,)


def reference_policy(name: str, context: PolicyContext) -> ReferencePolicy | RandomFit:
    """The plain counterpart of the registered policy ``name`` (Random is plain already)."""
    if name == "random":
        return RandomFit(context)
    return ReferencePolicy(context, name, normalize=name == "bestfit")
