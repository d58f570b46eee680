"""Pod by pod, our FGD run of seed 42 is the FGD artifact's run.

``data/traces/fgd_reference_run/placements.csv`` lists the artifact's 10,866 scheduling attempts
for the default openb workload, FGD, tune 1.3, seed 42 (Weng et al., ATC'23 artifact,
github.com/hkust-adsl/kubernetes-scheduler-simulator); node names carry the artifact's random
4-digit prefix, which is our tie-break rank.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from gigawatt.fgd.arrivals import artifact_arrivals
from gigawatt.fgd.experiment import run_packing_experiment
from gigawatt.traces import get_trace, traces_dir


def reference_placements() -> list[tuple[str, str]]:
    path = Path(traces_dir()) / "fgd_reference_run" / "placements.csv"
    with path.open(newline="") as handle:
        return [(row["pod"].split("/", 1)[1], row["node"]) for row in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def openb():  # type: ignore[no-untyped-def]
    return get_trace("openb").load("default")


def test_arrival_order_and_node_ranks_are_the_artifacts(openb) -> None:  # type: ignore[no-untyped-def]
    reference = reference_placements()
    arrivals = artifact_arrivals(openb.nodes, openb.pods, 42)
    assert list(arrivals.pods.names) == [pod for pod, _ in reference]
    assert arrivals.tuned_pods == 10_866 - 8_152
    prefix = {node[5:]: int(node[:4]) for _, node in reference if node != "FAILED"}
    ours = {name: int(arrivals.node_rank[i]) for i, name in enumerate(openb.nodes.names)}
    assert all(ours[name] == rank for name, rank in prefix.items())


def test_fgd_seed_42_places_every_pod_where_the_artifact_did(openb) -> None:  # type: ignore[no-untyped-def]
    reference = reference_placements()
    result = run_packing_experiment(openb.nodes, openb.pods, "fgd", 42)
    rank = artifact_arrivals(openb.nodes, openb.pods, 42).node_rank
    ours = [
        "FAILED" if node < 0 else f"{int(rank[node]):04d}-{openb.nodes.names[node]}"
        for node in result.record.node.tolist()
    ]
    mismatches = [
        i
        for i, (mine, (_, theirs)) in enumerate(zip(ours, reference, strict=True))
        if mine != theirs
    ]
    assert mismatches == []
    # End state logged by the artifact: GPU 99.6% allocated (6189/6212), 95.3% of milli-GPU; 2,532 failed.
    assert result.record.failed == 2532
    assert round(100 * int(result.record.allocated_gpu_milli[-1]) / 6_212_000, 1) == 95.3
