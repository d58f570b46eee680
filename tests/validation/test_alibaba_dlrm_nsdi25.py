"""Alibaba v2025 DLRM trace against the counts its release publishes.

Source: Yang et al., "GPU-Disaggregated Serving for Deep Learning Recommendation Models at
Scale", USENIX NSDI'25, and the trace's README (github.com/alibaba/clusterdata
``cluster-trace-v2025``, kept as ``data/traces/alibaba-v2025-dlrm/README-upstream.md``): 156
inference services, 23,871 instances, of which 16,485 CPU-node (CN) and 7,386 GPU-node (HN).
"""

from __future__ import annotations

import numpy as np

from gigawatt.traces.alibaba_dlrm import TRACE_FILE, AlibabaDlrmReader, read_dlrm_instances


def test_instance_and_service_counts_match_the_release() -> None:
    cols = read_dlrm_instances(AlibabaDlrmReader().folder / TRACE_FILE)
    assert len(cols["role"]) == 23_871
    assert int((cols["role"] == "CN").sum()) == 16_485
    assert int((cols["role"] == "HN").sum()) == 7_386
    assert len(np.unique(cols["app"])) == 156


def test_every_gpu_instance_is_replayed_as_one_job() -> None:
    loaded = AlibabaDlrmReader().load_jobs()
    assert loaded.jobs.count == 7_386
    assert int(loaded.jobs.accelerators.sum()) == 7_386  # one GPU each, as the file has it
