"""Pods (jobs) as arrays, and the resource *shape* policies score them by.

A shape is what a placement policy looks at: CPU, per-GPU milli, GPU count and allowed GPU models.
Memory only decides whether a pod fits, so two pods differing only in memory share a shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gigawatt.fgd.nodes import MILLI_PER_GPU, IntArray

#: ``gpu_specs[0]`` is always the empty spec: any GPU model will do.
ANY_GPU_SPEC = ""


@dataclass(frozen=True)
class PodSpecs:
    """Requests of each pod. ``gpu_milli`` is per GPU (1000 for whole GPUs, <1000 for a share of one).

    ``gpu_spec[i]`` indexes ``gpu_specs``: "" (any model) or models joined by "|", e.g. "V100M16|V100M32".
    """

    names: tuple[str, ...]
    cpu_milli: IntArray
    memory_mib: IntArray
    num_gpu: IntArray
    gpu_milli: IntArray
    gpu_spec: IntArray
    gpu_specs: tuple[str, ...]

    def __post_init__(self) -> None:
        count = len(self.names)
        for field in ("cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "gpu_spec"):
            if getattr(self, field).shape != (count,):
                raise ValueError(f"PodSpecs.{field} must have one entry per pod ({count})")
        if not self.gpu_specs or self.gpu_specs[0] != ANY_GPU_SPEC:
            raise ValueError('gpu_specs[0] must be "" (no model constraint)')
        share = self.gpu_milli < MILLI_PER_GPU
        if np.any((self.num_gpu > 1) & share):
            raise ValueError("a pod asking for several GPUs must take them whole (gpu_milli 1000)")
        if np.any((self.num_gpu == 0) != (self.gpu_milli == 0)):
            raise ValueError("gpu_milli must be 0 exactly when num_gpu is 0")

    @property
    def count(self) -> int:
        return len(self.names)

    def total_gpu_milli(self) -> IntArray:
        """GPU requested by each pod, in milli-GPU (num_gpu x gpu_milli)."""
        return self.num_gpu * self.gpu_milli

    def take(self, index: IntArray | list[int]) -> PodSpecs:
        """The pods at ``index``, in that order (repeats allowed)."""
        idx = np.asarray(index, dtype=np.int64)
        return PodSpecs(
            names=tuple(self.names[i] for i in idx),
            cpu_milli=self.cpu_milli[idx],
            memory_mib=self.memory_mib[idx],
            num_gpu=self.num_gpu[idx],
            gpu_milli=self.gpu_milli[idx],
            gpu_spec=self.gpu_spec[idx],
            gpu_specs=self.gpu_specs,
        )

    def with_names(self, names: tuple[str, ...]) -> PodSpecs:
        return PodSpecs(
            names,
            self.cpu_milli,
            self.memory_mib,
            self.num_gpu,
            self.gpu_milli,
            self.gpu_spec,
            self.gpu_specs,
        )


@dataclass(frozen=True)
class PodShape:
    """What a policy scores: CPU milli, per-GPU milli, GPU count and the allowed-model spec index."""

    cpu_milli: int
    gpu_milli: int
    num_gpu: int
    gpu_spec: int

    @property
    def is_gpu_share(self) -> bool:
        """One GPU, partly (the artifact's "share-gpu" pods)."""
        return self.num_gpu == 1 and 0 < self.gpu_milli < MILLI_PER_GPU

    @property
    def total_gpu_milli(self) -> int:
        return self.num_gpu * self.gpu_milli


@dataclass(frozen=True)
class ShapeTable:
    """The distinct shapes of a pod list, and which shape each pod has."""

    shapes: tuple[PodShape, ...]
    shape_of_pod: IntArray


def shape_table(pods: PodSpecs) -> ShapeTable:
    """Group pods by shape (first appearance order)."""
    keys = np.stack([pods.cpu_milli, pods.gpu_milli, pods.num_gpu, pods.gpu_spec], axis=1)
    unique, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    remap = np.empty(len(order), dtype=np.int64)
    remap[order] = np.arange(len(order))
    shapes = tuple(PodShape(*(int(v) for v in unique[i])) for i in order)
    return ShapeTable(shapes=shapes, shape_of_pod=remap[inverse.reshape(-1)])


def spec_accepts(gpu_specs: tuple[str, ...], gpu_models: tuple[str, ...]) -> NDArray[np.bool_]:
    """(specs, models + 1): may a pod with spec i run on a GPU of model j? Last column: no GPU.

    Follows the artifact's ``IsNodeAccessibleToPodByType``: an empty spec accepts every node; a spec
    naming models accepts only those (and never a node without GPUs).
    """
    out = np.zeros((len(gpu_specs), len(gpu_models) + 1), dtype=bool)
    for i, spec in enumerate(gpu_specs):
        wanted = {part for part in spec.split("|") if part}
        if not wanted:
            out[i, :] = True
            continue
        for j, model in enumerate(gpu_models):
            out[i, j] = model in wanted
    return out
