"""The six placement policies of the FGD paper, vectorized across nodes.

Each reproduces the score plugin of the paper's artifact (github.com/hkust-adsl/
kubernetes-scheduler-simulator, ``pkg/simulator/plugin/*_score.go``) with the configuration its
experiments used (``experiments/run_scripts/generate_run_scripts.py``): the formulas, the integer
truncations and the GPU selection. `gigawatt.fgd.reference` holds the same policies written
node by node; tests check both agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gigawatt.fgd.fragmentation import FloatArray, node_fragmentation
from gigawatt.fgd.nodes import MAX_GPUS_PER_NODE, MILLI_PER_GPU, IntArray
from gigawatt.fgd.placement import (
    MAX_NODE_SCORE,
    IntSource,
    PolicyContext,
    best_fit_gpus,
    first_free_gpus,
    register_policy,
)
from gigawatt.fgd.pods import PodShape
from gigawatt.fgd.state import AFFINITY_SHARE, FleetState

#: Largest node of the openb cluster, used by the artifact to put CPU and GPU on one scale
#: (``MaxSpecCpu``, ``MaxSpecGpu`` in ``pkg/type/open-gpu-share/utils/const.go``).
MAX_SPEC_CPU_MILLI = 128_000
MAX_SPEC_GPU_MILLI = 8_000


def _trunc(values: FloatArray) -> IntArray:
    """Go's float64 -> int64 conversion (toward zero)."""
    return np.trunc(values).astype(np.int64)


@dataclass
class RandomFit:
    """Random: a uniformly random feasible node, a random fitting GPU (``random_score.go``)."""

    context: PolicyContext
    name: str = "random"
    node_local: bool = False
    normalize: bool = False

    def score(
        self, state: FleetState, nodes: IntArray, shape: PodShape, rng: IntSource
    ) -> IntArray:
        scores = np.zeros(len(nodes), dtype=np.int64)
        scores[rng.intn(len(nodes))] = MAX_NODE_SCORE
        return scores

    def pick_gpus(
        self, state: FleetState, node: int, shape: PodShape, rng: IntSource
    ) -> tuple[int, ...]:
        if not shape.is_gpu_share:
            return best_fit_gpus(state, node, shape)
        chosen, fitting = -1, 0
        for gpu in range(int(state.nodes.gpu_count[node])):
            if state.gpu_free_milli[node, gpu] >= shape.gpu_milli:
                fitting += 1
                if rng.intn(fitting) == 0:  # reservoir sampling, as allocateGpuIdBasedOnRandomFit
                    chosen = gpu
        return (chosen,)


@dataclass
class DotProduct:
    """DotProd (Tetris): prefer the node whose free (CPU, GPU) vector is least aligned with the pod's.

    ``dot_product_score.go`` with dimExtMethod "merge" (all GPUs of a node as one dimension) and
    normMethod "max": score = 100 * (1 - (free . request) / 2), both scaled by the largest node.
    GPU selection "best".
    """

    context: PolicyContext
    name: str = "dotprod"
    node_local: bool = True
    normalize: bool = False

    def score(
        self, state: FleetState, nodes: IntArray, shape: PodShape, rng: IntSource
    ) -> IntArray:
        cpu_free = state.cpu_free_milli[nodes].astype(np.float64) / MAX_SPEC_CPU_MILLI
        gpu_free = state.gpu_free_milli[nodes].sum(axis=1).astype(np.float64) / MAX_SPEC_GPU_MILLI
        cpu_req = float(shape.cpu_milli) / MAX_SPEC_CPU_MILLI
        gpu_req = float(shape.total_gpu_milli) / MAX_SPEC_GPU_MILLI
        dot = cpu_free * cpu_req + gpu_free * gpu_req
        return _trunc(MAX_NODE_SCORE * (1 - dot / 2))

    def pick_gpus(
        self, state: FleetState, node: int, shape: PodShape, rng: IntSource
    ) -> tuple[int, ...]:
        return best_fit_gpus(state, node, shape)


@dataclass
class GpuClustering:
    """GpuClustering: put pods of one kind (share, 1-GPU, 2-GPU...) together (``gpu_clustering_score.go``).

    Bands: (75,100] only pods of the same kind on the node, (50,75] mixed kinds including this one,
    (25,50] no GPU pods yet, [0,25] other kinds only; within a band, fuller nodes score higher.
    CPU-only pods score 0 everywhere. GPU selection "best".
    """

    context: PolicyContext
    name: str = "gpu-clustering"
    node_local: bool = True
    normalize: bool = False

    def score(
        self, state: FleetState, nodes: IntArray, shape: PodShape, rng: IntSource
    ) -> IntArray:
        if shape.num_gpu == 0:
            return np.zeros(len(nodes), dtype=np.int64)
        column = AFFINITY_SHARE if shape.is_gpu_share else shape.num_gpu
        affinity = state.affinity_pods[nodes]
        kinds = (affinity > 0).sum(axis=1)
        same = affinity[:, column] > 0
        used = MAX_SPEC_GPU_MILLI - state.gpu_free_milli[nodes].sum(axis=1)
        fullness = MAX_NODE_SCORE // 4 * used // MAX_SPEC_GPU_MILLI
        band = np.where(same, np.where(kinds == 1, 3, 2), np.where(kinds == 0, 1, 0))
        return np.asarray(fullness + MAX_NODE_SCORE * band // 4, dtype=np.int64)

    def pick_gpus(
        self, state: FleetState, node: int, shape: PodShape, rng: IntSource
    ) -> tuple[int, ...]:
        return best_fit_gpus(state, node, shape)


@dataclass
class GpuPacking:
    """GpuPacking: use partly used GPUs first, then free GPUs of used nodes, then idle nodes
    (``gpu_packing_score.go``). CPU-only pods score 0 everywhere. GPU selection "best"."""

    context: PolicyContext
    name: str = "gpu-packing"
    node_local: bool = True
    normalize: bool = False

    def score(
        self, state: FleetState, nodes: IntArray, shape: PodShape, rng: IntSource
    ) -> IntArray:
        if shape.num_gpu == 0:
            return np.zeros(len(nodes), dtype=np.int64)
        free = state.gpu_free_milli[nodes]
        gpu_count = state.nodes.gpu_count[nodes]
        fully_free = state.gpu_fully_free[nodes]
        idle_node = np.maximum(MAX_NODE_SCORE // 3 - fully_free, fully_free)
        # The pod would take the fitting GPUs with the least free milli first.
        ordered = np.sort(free, axis=1)
        fits = ordered >= shape.gpu_milli
        taken = fits & (np.cumsum(fits, axis=1) <= shape.num_gpu)
        free_taken = (taken & (ordered == MILLI_PER_GPU)).sum(axis=1)
        uses_free_gpus = np.maximum(MAX_NODE_SCORE // 2 - free_taken, MAX_NODE_SCORE // 3)
        free_ratio = np.where(taken, ordered * 100 // MILLI_PER_GPU, 0).sum(axis=1)
        shares_gpus = np.maximum(MAX_NODE_SCORE - free_ratio // 10, MAX_NODE_SCORE // 2)
        return np.where(
            fully_free == gpu_count,
            idle_node,
            np.where(free_taken > 0, uses_free_gpus, shares_gpus),
        )

    def pick_gpus(
        self, state: FleetState, node: int, shape: PodShape, rng: IntSource
    ) -> tuple[int, ...]:
        return best_fit_gpus(state, node, shape)


@dataclass
class BestFit:
    """BestFit: least CPU and GPU left after placing, weighted 1/2 each, min-max normalized
    (``best_fit_score.go``). GPU selection "best"."""

    context: PolicyContext
    name: str = "bestfit"
    node_local: bool = True
    normalize: bool = True

    def score(
        self, state: FleetState, nodes: IntArray, shape: PodShape, rng: IntSource
    ) -> IntArray:
        cpu_left = (state.cpu_free_milli[nodes] - shape.cpu_milli).astype(np.float64)
        gpu_left = (state.gpu_free_milli[nodes].sum(axis=1) - shape.total_gpu_milli).astype(
            np.float64
        )
        waste = cpu_left / MAX_SPEC_CPU_MILLI * 0.5 + gpu_left / MAX_SPEC_GPU_MILLI * 0.5
        return _trunc((1.0 - waste) * MAX_NODE_SCORE)

    def pick_gpus(
        self, state: FleetState, node: int, shape: PodShape, rng: IntSource
    ) -> tuple[int, ...]:
        return best_fit_gpus(state, node, shape)


@dataclass
class FragmentationGradientDescent:
    """FGD: place where the node's expected fragmentation grows least (Weng et al., ATC'23, Alg. 1).

    Score = 100 * sigmoid((frag before - frag after) / 1000), truncated (``fgd_score.go``), with
    fragmentation measured against the workload's typical shapes (`node_fragmentation`). For a
    share pod every GPU that fits is tried and the best one is kept; that GPU is also the one
    reserved (gpuSelMethod FGDScore). Whole-GPU pods take the first free GPUs.

    The fragmentation of each node's current state is cached by ``FleetState.version``. Scoring a
    node computes the fragmentation of the state the pod would leave; `pick_gpus` passes that
    value on as the node's next fragmentation (allocate bumps the version by one), so the placed
    node is not recomputed.
    """

    context: PolicyContext
    name: str = "fgd"
    node_local: bool = True
    normalize: bool = False
    _frag: FloatArray = field(init=False, repr=False)
    _frag_version: IntArray = field(init=False, repr=False)
    _choice: dict[PodShape, _Choice] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        count = self.context.nodes.count
        self._frag = np.zeros(count, dtype=np.float64)
        self._frag_version = np.full(count, -1, dtype=np.int64)
        self._choice = {}

    def _model_access(self, state: FleetState, nodes: IntArray) -> np.ndarray:
        typical = self.context.typical
        return self.context.accepts[typical.gpu_spec][:, state.nodes.gpu_model[nodes]]

    def _stale(self, state: FleetState, nodes: IntArray) -> IntArray:
        return np.asarray(nodes[self._frag_version[nodes] != state.version[nodes]], dtype=np.int64)

    def _frag_with(
        self,
        state: FleetState,
        nodes: IntArray,
        stale: IntArray,
        cpu_after: IntArray,
        gpu_after: IntArray,
        after_nodes: IntArray,
    ) -> tuple[FloatArray, FloatArray]:
        """Fragmentation now of ``nodes`` and of the ``after`` states, in one vectorized call."""
        if stale.size:
            cpu = np.concatenate([state.cpu_free_milli[stale], cpu_after])
            gpu = np.concatenate([state.gpu_free_milli[stale], gpu_after])
            which = np.concatenate([stale, after_nodes])
        else:
            cpu, gpu, which = cpu_after, gpu_after, after_nodes
        frag = self._node_fragmentation(state, cpu, gpu, which)
        if stale.size:
            self._frag[stale] = frag[: stale.size]
            self._frag_version[stale] = state.version[stale]
        return self._frag[nodes], frag[stale.size :]

    def _node_fragmentation(
        self, state: FleetState, cpu: IntArray, gpu: IntArray, nodes: IntArray
    ) -> FloatArray:
        """`node_fragmentation` of states (cpu, gpu) on ``nodes``; many identical states (the first
        pods of a run see mostly idle nodes) are computed once."""
        if len(nodes) < _DEDUPLICATE_FROM:
            return node_fragmentation(
                cpu, gpu, self._model_access(state, nodes), self.context.typical
            )
        keys = np.column_stack([cpu, gpu, state.nodes.gpu_model[nodes]])
        _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        unique_frag = node_fragmentation(
            cpu[first], gpu[first], self._model_access(state, nodes[first]), self.context.typical
        )
        return unique_frag[inverse.reshape(-1)]

    def fragmentation(self, state: FleetState, nodes: IntArray) -> FloatArray:
        """Fragmented milli-GPU of the current state of ``nodes``."""
        empty = np.zeros(0, dtype=np.int64)
        before, _ = self._frag_with(
            state,
            nodes,
            self._stale(state, nodes),
            empty,
            np.zeros((0, MAX_GPUS_PER_NODE), dtype=np.int64),
            empty,
        )
        return before

    def _remember(
        self,
        state: FleetState,
        shape: PodShape,
        nodes: IntArray,
        gpu: IntArray,
        frag_after: FloatArray,
    ) -> None:
        choice = self._choice.get(shape)
        if choice is None:
            choice = self._choice[shape] = _Choice.empty(state.nodes.count)
        choice.gpu[nodes] = gpu
        choice.frag_after[nodes] = frag_after
        choice.version[nodes] = state.version[nodes]

    def gpu_scores(
        self, state: FleetState, nodes: IntArray, shape: PodShape
    ) -> tuple[IntArray, FloatArray]:
        """(nodes, GPUs): FGD score of putting a share pod on each GPU (-1 where it does not fit),
        and the fragmentation each placement would leave.

        GPUs with the same free milli as a lower-numbered GPU of the node give the same state and
        score, so only the first of them is tried (the others stay -1; ties go to it anyway).
        """
        free = state.gpu_free_milli[nodes]  # (M, G)
        same_as_earlier = ((free[:, :, None] == free[:, None, :]) & _EARLIER).any(axis=2)
        row, gpu = np.nonzero((free >= shape.gpu_milli) & ~same_as_earlier)
        after_free = free[row]
        after_free[np.arange(len(row)), gpu] -= shape.gpu_milli
        candidate_nodes = nodes[row]
        before, after = self._frag_with(
            state,
            nodes,
            self._stale(state, nodes),
            state.cpu_free_milli[candidate_nodes] - shape.cpu_milli,
            after_free,
            candidate_nodes,
        )
        scores = np.full(free.shape, -1, dtype=np.int64)
        scores[row, gpu] = _sigmoid_score(before[row] - after)
        frag_after = np.zeros(free.shape, dtype=np.float64)
        frag_after[row, gpu] = after
        return scores, frag_after

    def score(
        self, state: FleetState, nodes: IntArray, shape: PodShape, rng: IntSource
    ) -> IntArray:
        if shape.is_gpu_share:
            per_gpu, frag_after = self.gpu_scores(state, nodes, shape)
            best = np.argmax(per_gpu, axis=1)
            self._remember(state, shape, nodes, best, frag_after[np.arange(len(nodes)), best])
            return np.asarray(per_gpu.max(axis=1), dtype=np.int64)
        free = state.gpu_free_milli[nodes]
        before, after = self._frag_with(
            state,
            nodes,
            self._stale(state, nodes),
            state.cpu_free_milli[nodes] - shape.cpu_milli,
            _take_tightest(free, shape),
            nodes,
        )
        self._remember(state, shape, nodes, np.zeros(len(nodes), dtype=np.int64), after)
        return _sigmoid_score(before - after)

    def pick_gpus(
        self, state: FleetState, node: int, shape: PodShape, rng: IntSource
    ) -> tuple[int, ...]:
        choice = self._choice.get(shape)
        if choice is not None and choice.version[node] == state.version[node]:
            # The pod goes here: the node's next state is the one we scored (version + 1).
            self._frag[node] = choice.frag_after[node]
            self._frag_version[node] = state.version[node] + 1
            gpu = int(choice.gpu[node])
        else:
            gpu = (
                int(np.argmax(self.gpu_scores(state, np.array([node]), shape)[0][0]))
                if shape.is_gpu_share
                else 0
            )
        if shape.num_gpu == 0:
            return ()
        if shape.is_gpu_share:
            return (gpu,)
        return first_free_gpus(
            state.gpu_free_milli[node, : state.nodes.gpu_count[node]], shape.num_gpu
        )


@dataclass
class _Choice:
    """Per pod shape and node: the GPU FGD would use, the fragmentation it would leave, and the
    node version both were computed for."""

    gpu: IntArray
    frag_after: FloatArray
    version: IntArray

    @classmethod
    def empty(cls, count: int) -> _Choice:
        return cls(
            np.zeros(count, dtype=np.int64),
            np.zeros(count, dtype=np.float64),
            np.full(count, -1, dtype=np.int64),
        )


#: From this many states on, identical ones are computed once.
_DEDUPLICATE_FROM = 64
#: (1, G, G): entry [g, h] is true when GPU h comes before GPU g.
_EARLIER = np.tril(np.ones((MAX_GPUS_PER_NODE, MAX_GPUS_PER_NODE), dtype=bool), k=-1)[None, :, :]


def _sigmoid_score(frag_decrease: FloatArray) -> IntArray:
    """int64(100 * sigmoid(x / 1000)), the artifact's mapping of a fragmentation change to 0..100."""
    return _trunc(1.0 / (1.0 + np.exp(-(frag_decrease / 1000))) * MAX_NODE_SCORE)


def _take_tightest(free: IntArray, shape: PodShape) -> IntArray:
    """Free milli after the pod takes its GPUs from the fitting GPUs with least free milli first
    (artifact ``NodeResource.Sub``, used by FGD for non-share pods)."""
    if shape.num_gpu == 0:
        return free
    if shape.gpu_milli == MILLI_PER_GPU:  # only idle GPUs fit; which ones does not change the state
        idle = free == MILLI_PER_GPU
        return free - np.where(idle & (np.cumsum(idle, axis=1) <= shape.num_gpu), MILLI_PER_GPU, 0)
    order = np.argsort(free, axis=1, kind="stable")
    ordered = np.take_along_axis(free, order, axis=1)
    fits = ordered >= shape.gpu_milli
    taken = fits & (np.cumsum(fits, axis=1) <= shape.num_gpu)
    after_ordered = ordered - np.where(taken, shape.gpu_milli, 0)
    after = np.empty_like(free)
    np.put_along_axis(after, order, after_ordered, axis=1)
    return after


register_policy("random")(RandomFit)
register_policy("dotprod")(DotProduct)
register_policy("gpu-clustering")(GpuClustering)
register_policy("gpu-packing")(GpuPacking)
register_policy("bestfit")(BestFit)
register_policy("fgd")(FragmentationGradientDescent)
