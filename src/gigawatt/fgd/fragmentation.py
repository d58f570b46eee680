"""GPU fragmentation measured against a workload's pod-shape distribution (Weng et al., ATC'23).

The FGD paper (Sec. 4, "Beware of Fragmentation", USENIX ATC'23) calls a node's free GPU capacity
*fragmented* for a pod shape when that shape cannot use it: the node lacks CPU or GPU for the shape
(then all its free GPU counts), or the shape fits but some GPUs are individually too small for it
(then those GPUs count). The node's fragmentation is the expectation over the *typical* shapes of
the workload: the most popular shapes covering 95% of pods, weighted by popularity.

Class names follow the artifact (``pkg/utils/frag.go``): Q1 lacks both, Q2 lacks GPU, Q3 satisfied,
Q4 lacks CPU, XL/XR a CPU-only shape that fits / lacks CPU, NA the GPU model is not allowed.
Every class except Q3 counts as fragment. We accumulate per class in typical-shape order and add
the classes in the artifact's order so the floating-point result is bit-identical to the artifact's;
FGD's integer node score depends on it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gigawatt.fgd.nodes import IntArray
from gigawatt.fgd.pods import PodSpecs

FloatArray = NDArray[np.float64]

Q1_LACK_BOTH, Q2_LACK_GPU, Q3_SATISFIED, Q4_LACK_CPU, XL_SATISFIED, XR_LACK_CPU, NO_ACCESS = range(
    7
)
FRAGMENT_CLASSES = (Q1_LACK_BOTH, Q2_LACK_GPU, Q4_LACK_CPU, XL_SATISFIED, XR_LACK_CPU, NO_ACCESS)
_FRAGMENT_CLASS_ROW = np.array(FRAGMENT_CLASSES)[None, None, :]

#: The artifact's typicalPodsConfig for the paper's runs (podPopularityThreshold 95, step 1).
DEFAULT_POPULARITY_PERCENT = 95


@dataclass(frozen=True)
class TypicalShapes:
    """The workload's popular shapes and their weights (summing to 1), most popular first."""

    cpu_milli: IntArray
    gpu_milli: IntArray
    num_gpu: IntArray
    gpu_spec: IntArray
    weight: FloatArray

    @property
    def count(self) -> int:
        return len(self.weight)


def typical_shapes(
    pods: PodSpecs, popularity_percent: int = DEFAULT_POPULARITY_PERCENT
) -> TypicalShapes:
    """The most popular pod shapes covering ``popularity_percent`` % of the pods (artifact ``GetTypicalPods``).

    Shapes are (CPU milli, GPU milli, GPU count, GPU spec); ties in popularity are ordered by
    larger CPU, then larger GPU milli, count and spec first, as the artifact's sort does. Weights are
    renormalized over the chosen shapes.
    """
    keys = list(
        zip(
            pods.cpu_milli.tolist(),
            pods.gpu_milli.tolist(),
            pods.num_gpu.tolist(),
            [pods.gpu_specs[s] for s in pods.gpu_spec.tolist()],
            strict=True,
        )
    )
    counts = Counter(keys)
    ranked = sorted(counts.items(), key=lambda item: (item[1], *item[0]), reverse=True)
    total = float(pods.count)
    expected = float(popularity_percent) * total / 100.0
    chosen = 0
    cumulative = 0.0
    while cumulative < expected and chosen < len(ranked):
        cumulative += float(ranked[chosen][1])
        chosen += 1
    shares = [count / total for _, count in ranked[:chosen]]
    if chosen < len(ranked):
        shares = [share / (cumulative / total) for share in shares]
    spec_index = {spec: i for i, spec in enumerate(pods.gpu_specs)}
    top = [key for key, _ in ranked[:chosen]]
    return TypicalShapes(
        cpu_milli=np.array([k[0] for k in top], dtype=np.int64),
        gpu_milli=np.array([k[1] for k in top], dtype=np.int64),
        num_gpu=np.array([k[2] for k in top], dtype=np.int64),
        gpu_spec=np.array([spec_index[k[3]] for k in top], dtype=np.int64),
        weight=np.array(shares, dtype=np.float64),
    )


def node_fragmentation(
    cpu_free_milli: IntArray,
    gpu_free_milli: IntArray,
    model_accessible: NDArray[np.bool_],
    typical: TypicalShapes,
) -> FloatArray:
    """Expected fragmented milli-GPU of each node state (the artifact's ``NodeGpuShareFragAmountScore``).

    ``cpu_free_milli`` (M,), ``gpu_free_milli`` (M, G) with absent GPUs as 0 and
    ``model_accessible`` (S, M): may typical shape s use the node's GPU model.
    Returns (M,) milli-GPU.
    """
    free = gpu_free_milli[None, :, :]  # (1, M, G)
    fits = free >= typical.gpu_milli[:, None, None]  # (S, M, G)
    total = gpu_free_milli.sum(axis=1)  # (M,)
    too_small = total - (free * fits).sum(axis=2)  # (S, M) milli on GPUs too small for the shape
    cpu_ok = cpu_free_milli[None, :] >= typical.cpu_milli[:, None]
    gpu_ok = fits.sum(axis=2) >= typical.num_gpu[:, None]
    gpu_shape = typical.gpu_milli[:, None] > 0
    # Class codes as arithmetic on the two tests: Q1 0, Q2 1, Q4 3; satisfied (Q3) is counted
    # in Q2 for the GPUs too small for the shape, so it gets code 1 as well.
    lacking = gpu_ok & ~cpu_ok
    klass = np.where(
        gpu_shape,
        np.where(model_accessible, cpu_ok + 3 * lacking, NO_ACCESS),
        XR_LACK_CPU - cpu_ok,
    )
    satisfied = gpu_shape & model_accessible & gpu_ok & cpu_ok
    amount = typical.weight[:, None] * np.where(satisfied, too_small, total)
    # Per class, add the typical shapes' amounts in order, then the classes in the artifact's
    # order. Both sums below are sequential in numpy (an outer-axis reduction, and a 6-element
    # inner one), matching the artifact's float results bit for bit; tests check this.
    per_class = np.where(klass[:, :, None] == _FRAGMENT_CLASS_ROW, amount[:, :, None], 0.0).sum(
        axis=0
    )
    return np.asarray(per_class.sum(axis=1), dtype=np.float64)


def idle_weight_sum(typical: TypicalShapes) -> float:
    """Sum of the typical weights (1 up to rounding); idle GPU as the artifact counts it is this x free."""
    acc = 0.0
    for w in typical.weight.tolist():
        acc += w
    return acc
