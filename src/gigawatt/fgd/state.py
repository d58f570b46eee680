"""What is free on each node right now: CPU, memory and every GPU's milli-GPU.

The state is arrays so a policy can score all nodes at once; a placement changes one node.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gigawatt.fgd.nodes import MAX_GPUS_PER_NODE, MILLI_PER_GPU, IntArray, NodeSpecs

#: Columns of ``FleetState.affinity_pods``: column 0 counts GPU-sharing pods on the node,
#: column k (1..8) counts pods holding k whole GPUs (the artifact's "share-gpu" / "k-gpu" tags).
AFFINITY_SHARE = 0


@dataclass
class FleetState:
    """Free resources per node. Absent GPUs (a 2-GPU node's columns 2..7) hold 0 free milli."""

    nodes: NodeSpecs
    cpu_free_milli: IntArray
    memory_free_mib: IntArray
    gpu_free_milli: IntArray  # (nodes, MAX_GPUS_PER_NODE)
    affinity_pods: IntArray  # (nodes, MAX_GPUS_PER_NODE + 1)
    version: IntArray = field(init=False)  # bumped on every change of a node, for score caches
    gpu_free_max: IntArray = field(init=False)  # most free milli on any one GPU of the node
    gpu_fully_free: IntArray = field(init=False)  # GPUs of the node with nothing allocated

    def __post_init__(self) -> None:
        self.version = np.zeros(self.nodes.count, dtype=np.int64)
        self.gpu_free_max = self.gpu_free_milli.max(axis=1)
        self.gpu_fully_free = (self.gpu_free_milli == MILLI_PER_GPU).sum(axis=1)

    @classmethod
    def empty(cls, nodes: NodeSpecs) -> FleetState:
        """Every node idle."""
        columns = np.arange(MAX_GPUS_PER_NODE)
        gpu_free = np.where(columns[None, :] < nodes.gpu_count[:, None], MILLI_PER_GPU, 0)
        return cls(
            nodes=nodes,
            cpu_free_milli=nodes.cpu_milli.astype(np.int64).copy(),
            memory_free_mib=nodes.memory_mib.astype(np.int64).copy(),
            gpu_free_milli=gpu_free.astype(np.int64),
            affinity_pods=np.zeros((nodes.count, MAX_GPUS_PER_NODE + 1), dtype=np.int64),
        )

    def copy(self) -> FleetState:
        out = FleetState(
            nodes=self.nodes,
            cpu_free_milli=self.cpu_free_milli.copy(),
            memory_free_mib=self.memory_free_mib.copy(),
            gpu_free_milli=self.gpu_free_milli.copy(),
            affinity_pods=self.affinity_pods.copy(),
        )
        out.version = self.version.copy()
        return out

    def allocate(
        self,
        node: int,
        cpu_milli: int,
        memory_mib: int,
        gpu_milli: int,
        gpu_ids: tuple[int, ...],
    ) -> None:
        """Take a pod's CPU and memory on ``node`` and ``gpu_milli`` on each GPU in ``gpu_ids``.

        Raises ``ValueError`` (and changes nothing) if the node lacks any of it.
        """
        cpu_free = int(self.cpu_free_milli[node])
        memory_free = int(self.memory_free_mib[node])
        if cpu_free < cpu_milli or memory_free < memory_mib:
            raise ValueError(f"node {self.nodes.names[node]} lacks CPU or memory for the pod")
        row = self.gpu_free_milli[node]
        gpu_count = int(self.nodes.gpu_count[node])
        if len(set(gpu_ids)) != len(gpu_ids):
            raise ValueError("a pod cannot take the same GPU twice")
        for gpu in gpu_ids:
            if not 0 <= gpu < gpu_count or row[gpu] < gpu_milli:
                raise ValueError(
                    f"GPU {gpu} of node {self.nodes.names[node]} cannot give {gpu_milli} milli"
                )
        self.cpu_free_milli[node] = cpu_free - cpu_milli
        self.memory_free_mib[node] = memory_free - memory_mib
        if gpu_ids:
            for gpu in gpu_ids:
                row[gpu] -= gpu_milli
            self.gpu_free_max[node] = row.max()
            self.gpu_fully_free[node] = (row == MILLI_PER_GPU).sum()
            if gpu_milli > 0:
                column = AFFINITY_SHARE if gpu_milli < MILLI_PER_GPU else len(gpu_ids)
                self.affinity_pods[node, column] += 1
        self.version[node] += 1

    # Read-outs used by policies and metrics -------------------------------------------------

    def gpu_free_total(self) -> IntArray:
        """Free milli-GPU per node, summed over its GPUs."""
        return np.asarray(self.gpu_free_milli.sum(axis=1), dtype=np.int64)

    def allocated_gpu_milli(self) -> int:
        """Milli-GPU allocated across the fleet."""
        return int(self.nodes.gpu_count.sum()) * MILLI_PER_GPU - int(self.gpu_free_milli.sum())

    def affinity_kinds(self) -> IntArray:
        """How many different pod kinds (share, 1-GPU, 2-GPU, ...) hold GPUs on each node."""
        return np.asarray((self.affinity_pods > 0).sum(axis=1), dtype=np.int64)


def gpu_column_mask(nodes: NodeSpecs) -> NDArray[np.bool_]:
    """(nodes, MAX_GPUS_PER_NODE): true where the node has that GPU."""
    return np.arange(MAX_GPUS_PER_NODE)[None, :] < nodes.gpu_count[:, None]
