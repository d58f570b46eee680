"""The arrival order of the FGD paper's experiments, drawn exactly as its artifact draws it.

The artifact (``pkg/simulator/core.go`` ``Simulate``, ``simulator.go``) seeds Go's global
``math/rand`` with the experiment seed (42..51), then:

1. draws one ``Int()`` (an argument of a debug log line, evaluated even when not printed);
2. sorts the pods by name and ``Shuffle``s them;
3. *tunes* the workload to ``tune`` x the cluster's GPUs: while below, it appends a pod drawn with
   ``Intn`` from the name-sorted original list (named ``<pod>-tuned-<i>``); it stops at the first
   draw whose *per-GPU* milli would pass the target (the artifact compares ``gpu_milli``, not
   ``num_gpu x gpu_milli``; we keep that). Above the target it removes random pods instead;
4. starts the scheduler, whose informers draw from the same global generator (client-go's
   reflector picks a random watch timeout with ``rand.Float64``, one draw each): 10 draws, found by
   matching the artifact's reference run (`INFORMER_DRAWS`);
5. sorts the nodes by name and prefixes each with ``rand.Perm``'s number; the scheduler breaks
   score ties by the smallest node name, i.e. by that number: our ``node_rank``.

The same generator then serves the Random policy's draws during the run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigawatt.fgd.gorand import GoRand
from gigawatt.fgd.nodes import MILLI_PER_GPU, IntArray, NodeSpecs
from gigawatt.fgd.pods import PodSpecs

#: The paper's workload inflation: arrived GPU requests reach 1.3 x the cluster's GPUs.
PAPER_TUNE_RATIO = 1.3
#: Draws the artifact's scheduler informers take between tuning and the node permutation. With 10,
#: our node prefixes equal all 1,213 of the seed-42 reference run (data/traces/fgd_reference_run).
INFORMER_DRAWS = 10


@dataclass(frozen=True)
class Arrivals:
    """Pods in arrival order, the node tie-break ranks and the generator, ready for the run."""

    pods: PodSpecs
    node_rank: IntArray
    rng: GoRand
    tuned_pods: int  # pods appended (positive) or removed (negative) by tuning


def artifact_arrivals(
    nodes: NodeSpecs, pods: PodSpecs, seed: int, tune: float = PAPER_TUNE_RATIO
) -> Arrivals:
    """Shuffle, tune and rank as the artifact does for ``seed`` (see module docstring)."""
    rng = GoRand(seed)
    rng.int_()
    by_name = sorted(range(pods.count), key=lambda i: pods.names[i])
    order = [by_name[j] for j in rng.shuffle_indices(pods.count)]
    names = [pods.names[i] for i in order]

    total = int(pods.total_gpu_milli().sum())
    target = tune * float(nodes.total_gpus * MILLI_PER_GPU)
    tuned = 0
    if tune > 0 and float(total) < target:
        per_gpu = pods.gpu_milli.tolist()
        whole = pods.total_gpu_milli().tolist()
        while True:
            pick = by_name[rng.intn(pods.count)]
            if float(total + per_gpu[pick]) > target:
                break
            total += whole[pick]
            order.append(pick)
            names.append(f"{pods.names[pick]}-tuned-{tuned}")
            tuned += 1
    elif tune > 0 and float(total) > target:
        whole = pods.total_gpu_milli().tolist()
        while float(total) > target:
            gone = rng.intn(len(order))
            total -= whole[order[gone]]
            del order[gone]
            del names[gone]
            tuned -= 1

    for _ in range(INFORMER_DRAWS):
        rng.int63()
    node_by_name = sorted(range(nodes.count), key=lambda i: nodes.names[i])
    rank = np.empty(nodes.count, dtype=np.int64)
    rank[node_by_name] = rng.perm(nodes.count)
    return Arrivals(
        pods=pods.take(order).with_names(tuple(names)), node_rank=rank, rng=rng, tuned_pods=tuned
    )
