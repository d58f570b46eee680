"""Static node specs of a trace's GPU cluster (openb), one array element per node."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: A GPU is shared in thousandths ("milli-GPU"), as in Alibaba's GPU-sharing scheduler.
MILLI_PER_GPU = 1000
#: Widest node in the openb trace; per-GPU arrays are padded to this many columns.
MAX_GPUS_PER_NODE = 8

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class NodeSpecs:
    """Capacity of each node. ``gpu_model[i]`` indexes ``gpu_models`` (-1: no GPU)."""

    names: tuple[str, ...]
    cpu_milli: IntArray
    memory_mib: IntArray
    gpu_count: IntArray
    gpu_model: IntArray
    gpu_models: tuple[str, ...]

    def __post_init__(self) -> None:
        count = len(self.names)
        for field in ("cpu_milli", "memory_mib", "gpu_count", "gpu_model"):
            if getattr(self, field).shape != (count,):
                raise ValueError(f"NodeSpecs.{field} must have one entry per node ({count})")
        if count and int(self.gpu_count.max()) > MAX_GPUS_PER_NODE:
            raise ValueError(f"a node has more than {MAX_GPUS_PER_NODE} GPUs")

    @property
    def count(self) -> int:
        return len(self.names)

    @property
    def total_gpus(self) -> int:
        return int(self.gpu_count.sum())

    def subset(self, mask: NDArray[np.bool_]) -> NodeSpecs:
        """The nodes where ``mask`` is true, in the same order."""
        index = np.flatnonzero(mask)
        return NodeSpecs(
            names=tuple(self.names[i] for i in index),
            cpu_milli=self.cpu_milli[index],
            memory_mib=self.memory_mib[index],
            gpu_count=self.gpu_count[index],
            gpu_model=self.gpu_model[index],
            gpu_models=self.gpu_models,
        )
