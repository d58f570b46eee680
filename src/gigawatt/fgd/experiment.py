"""One FGD-paper experiment: a trace workload, a placement policy, a seed -> the paper's curves."""

from __future__ import annotations

from dataclasses import dataclass

from gigawatt.fgd import policies as _policies  # noqa: F401  (registers the six policies)
from gigawatt.fgd.arrivals import PAPER_TUNE_RATIO, artifact_arrivals
from gigawatt.fgd.curves import Curves, fragmentation_series, paper_curves
from gigawatt.fgd.fragmentation import DEFAULT_POPULARITY_PERCENT, typical_shapes
from gigawatt.fgd.nodes import NodeSpecs
from gigawatt.fgd.packing import PackingRecord, pack_arrivals
from gigawatt.fgd.placement import PolicyContext, make_policy
from gigawatt.fgd.pods import PodSpecs, spec_accepts

#: The paper's policies in its figure order, with the artifact's folder labels.
PAPER_POLICIES = {
    "random": "01-Random",
    "dotprod": "02-DotProd",
    "gpu-clustering": "03-GpuClustering",
    "gpu-packing": "04-GpuPacking",
    "bestfit": "05-BestFit",
    "fgd": "06-FGD",
}
PAPER_SEEDS = tuple(range(42, 52))


@dataclass(frozen=True)
class ExperimentResult:
    """Curves of one run plus its per-attempt record."""

    policy: str
    seed: int
    curves: Curves
    record: PackingRecord

    @property
    def allocation_at(self) -> dict[int, float]:
        """Allocation % at 100% and 130% arrived load, the paper's headline points."""
        return {p: float(self.curves.allocation_percent[p]) for p in (100, 130)}


def run_packing_experiment(
    nodes: NodeSpecs,
    pods: PodSpecs,
    policy: str,
    seed: int,
    tune: float = PAPER_TUNE_RATIO,
    popularity_percent: int = DEFAULT_POPULARITY_PERCENT,
) -> ExperimentResult:
    """Shuffle and inflate ``pods`` for ``seed`` as the artifact does, pack them with ``policy``
    and measure allocation and fragmentation against arrived load."""
    typical = typical_shapes(pods, popularity_percent)
    accepts = spec_accepts(pods.gpu_specs, nodes.gpu_models)
    arrivals = artifact_arrivals(nodes, pods, seed, tune)
    placement = make_policy(policy, PolicyContext(nodes=nodes, typical=typical, accepts=accepts))
    record = pack_arrivals(
        nodes, arrivals.pods, placement, accepts, arrivals.node_rank, arrivals.rng
    )
    curves = paper_curves(record, fragmentation_series(record, typical, accepts))
    return ExperimentResult(policy=policy, seed=seed, curves=curves, record=record)
