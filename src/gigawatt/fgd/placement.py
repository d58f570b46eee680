"""Placement: which node and which GPUs a pod gets. One small interface, policies by name.

A placement policy scores the nodes that can take a pod (0..100, higher is better, as a Kubernetes
score plugin does) and picks the GPUs on the chosen node. The scheduler around it is shared:

1. *filter*: `feasible_nodes` keeps nodes with enough CPU, memory and GPU of an allowed model;
2. *score*: ``policy.score`` (cached per node by the engine when ``policy.node_local``);
3. *normalize*: min-max to 0..100 when ``policy.normalize`` (the k8s ``NormalizeScore`` step);
4. *select*: `select_node`, highest score, ties to the node of lowest ``rank``;
5. *reserve*: ``policy.pick_gpus`` on the chosen node.

This mirrors the scheduler of the FGD paper's artifact (Kubernetes 1.20 framework, its fork
breaking score ties by the smallest node name, names prefixed by a seeded random permutation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from gigawatt.fgd.fragmentation import TypicalShapes
from gigawatt.fgd.nodes import MILLI_PER_GPU, IntArray, NodeSpecs
from gigawatt.fgd.pods import PodShape
from gigawatt.fgd.state import FleetState

MIN_NODE_SCORE = 0
MAX_NODE_SCORE = 100


class UnknownPolicyError(KeyError):
    """No placement policy is registered under that name."""


class IntSource(Protocol):
    """Where a randomized policy draws from (`gigawatt.fgd.gorand.GoRand` in simulations)."""

    def intn(self, n: int) -> int: ...


@dataclass(frozen=True)
class PolicyContext:
    """What a policy may know besides the fleet state: the nodes, the workload's typical shapes
    (for fragmentation-aware policies) and which GPU spec accepts which model."""

    nodes: NodeSpecs
    typical: TypicalShapes
    accepts: NDArray[np.bool_]  # (gpu specs, gpu models + 1); last column: node without GPU


class PlacementPolicy(Protocol):
    """Scores nodes for a pod shape and picks GPUs on the chosen node."""

    name: str
    #: The score of a node depends only on that node's state and the pod shape (cacheable).
    node_local: bool
    #: Min-max normalize scores over the feasible nodes before selecting.
    normalize: bool

    def score(
        self, state: FleetState, nodes: IntArray, shape: PodShape, rng: IntSource
    ) -> IntArray:
        """Score (int, 0..100) of each node in ``nodes``; every node there can take the pod."""
        ...

    def pick_gpus(
        self, state: FleetState, node: int, shape: PodShape, rng: IntSource
    ) -> tuple[int, ...]:
        """GPU indices on ``node`` for the pod (empty for a CPU-only pod)."""
        ...


PolicyFactory = Callable[[PolicyContext], PlacementPolicy]
_POLICIES: dict[str, PolicyFactory] = {}


def register_policy(name: str) -> Callable[[PolicyFactory], PolicyFactory]:
    """Decorator: make a policy available as ``--policy <name>``."""

    def add(factory: PolicyFactory) -> PolicyFactory:
        _POLICIES[name] = factory
        return factory

    return add


def policy_names() -> tuple[str, ...]:
    """Registered placement policies, in registration order."""
    return tuple(_POLICIES)


def make_policy(name: str, context: PolicyContext) -> PlacementPolicy:
    """A new policy object of the registered kind ``name``."""
    try:
        factory = _POLICIES[name]
    except KeyError:
        raise UnknownPolicyError(
            f"unknown policy {name!r} (known: {', '.join(_POLICIES)})"
        ) from None
    return factory(context)


# Shared scheduler steps --------------------------------------------------------------------------


def feasible_nodes(
    state: FleetState,
    cpu_milli: int,
    memory_mib: int,
    shape: PodShape,
    accepts: NDArray[np.bool_],
) -> NDArray[np.bool_]:
    """Nodes with room for the pod: CPU, memory, and for GPU pods an allowed model with enough GPU.

    A share pod needs one GPU with ``gpu_milli`` free; a pod of n GPUs needs n placements of
    ``gpu_milli`` (the artifact's greedy fill; n whole free GPUs for the pods of the traces).
    """
    ok = (state.cpu_free_milli >= cpu_milli) & (state.memory_free_mib >= memory_mib)
    if shape.num_gpu == 0:
        return ok
    if shape.gpu_spec != 0:  # spec 0 accepts every model
        ok &= accepts[shape.gpu_spec][state.nodes.gpu_model]
    if shape.num_gpu == 1:
        return ok & (state.gpu_free_max >= shape.gpu_milli)
    if shape.gpu_milli == MILLI_PER_GPU:
        return ok & (state.gpu_fully_free >= shape.num_gpu)
    slots = (state.gpu_free_milli // shape.gpu_milli).sum(axis=1)
    return np.asarray(ok & (slots >= shape.num_gpu), dtype=bool)


def normalize_min_max(scores: IntArray) -> IntArray:
    """The k8s ``NormalizeScore`` of the artifact: (s - low) * 100 // (high - low); all 0 if flat."""
    high = int(scores.max())
    low = int(scores.min())
    if high == low:
        return np.zeros_like(scores)
    return (scores - low) * (MAX_NODE_SCORE - MIN_NODE_SCORE) // (high - low) + MIN_NODE_SCORE


def select_node(nodes: IntArray, scores: IntArray, rank: IntArray) -> int:
    """The node with the highest score; among ties the one with the lowest ``rank``."""
    # One pass: score dominates, then lower rank (ranks are < 2**32, scores <= 100).
    return int(nodes[np.argmax((scores << 32) - rank[nodes])])


# GPU choice on the chosen node -------------------------------------------------------------------


def first_free_gpus(free_milli: IntArray, count: int) -> tuple[int, ...]:
    """The first ``count`` fully free GPUs by index (artifact ``AllocateExclusiveGpuId``)."""
    free = np.flatnonzero(free_milli == MILLI_PER_GPU)[:count]
    if len(free) < count:
        raise ValueError("not enough free GPUs on the node")
    return tuple(int(g) for g in free)


def tightest_gpu(free_milli: IntArray, gpu_milli: int) -> int:
    """The GPU with the least free milli that still fits, lowest index on ties ("best" fit)."""
    fits = free_milli >= gpu_milli
    if not fits.any():
        raise ValueError("no GPU on the node fits the pod")
    candidates = np.where(fits, free_milli, np.iinfo(np.int64).max)
    return int(np.argmin(candidates))


def best_fit_gpus(state: FleetState, node: int, shape: PodShape) -> tuple[int, ...]:
    """The artifact's default GPU selection ("best"): tightest GPU for a share, first free GPUs else."""
    if shape.num_gpu == 0:
        return ()
    free = state.gpu_free_milli[node, : state.nodes.gpu_count[node]]
    if shape.is_gpu_share:
        return (tightest_gpu(free, shape.gpu_milli),)
    return first_free_gpus(free, shape.num_gpu)
