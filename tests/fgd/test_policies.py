"""Each vectorized policy places pods exactly as its plain node-by-node reference does."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.fgd import experiment as _experiment  # noqa: F401  (registers the policies)
from gigawatt.fgd.arrivals import artifact_arrivals
from gigawatt.fgd.experiment import PAPER_POLICIES
from gigawatt.fgd.fragmentation import typical_shapes
from gigawatt.fgd.gorand import GoRand
from gigawatt.fgd.packing import pack_arrivals
from gigawatt.fgd.placement import PolicyContext, make_policy
from gigawatt.fgd.pods import spec_accepts
from gigawatt.fgd.reference import reference_policy
from gigawatt.traces import get_trace

PODS = 300


@pytest.fixture(scope="module")
def small_cluster():  # type: ignore[no-untyped-def]
    """Every 30th openb GPU node (41 nodes, ~200 GPUs) and the seed-42 arrival order of the default pods."""
    trace = get_trace("openb").load("default")
    nodes = trace.nodes.subset(np.arange(trace.nodes.count) % 30 == 0)
    arrivals = artifact_arrivals(trace.nodes, trace.pods, 42)
    typical = typical_shapes(trace.pods)
    accepts = spec_accepts(trace.pods.gpu_specs, nodes.gpu_models)
    pods = arrivals.pods.take(np.arange(PODS))
    rank = np.array(GoRand(1).perm(nodes.count))
    return nodes, pods, PolicyContext(nodes, typical, accepts), rank


@pytest.mark.parametrize("policy", list(PAPER_POLICIES))
def test_fast_policy_places_like_the_plain_reference(small_cluster, policy: str) -> None:  # type: ignore[no-untyped-def]
    nodes, pods, context, rank = small_cluster
    fast = pack_arrivals(
        nodes, pods, make_policy(policy, context), context.accepts, rank, GoRand(5)
    )
    plain = pack_arrivals(
        nodes, pods, reference_policy(policy, context), context.accepts, rank, GoRand(5)
    )
    assert fast.node.tolist() == plain.node.tolist()
    assert fast.gpus.tolist() == plain.gpus.tolist()
    assert (
        0 < fast.failed < PODS
    )  # the small cluster fills up: both placing and failing are covered
