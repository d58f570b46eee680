"""The openb reader turns the trace CSVs into the pods the FGD artifact schedules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gigawatt.traces import TraceError, get_trace, trace_names
from gigawatt.traces.openb import OpenbReader, read_openb_pods


def test_openb_is_registered_and_loads_the_gpu_cluster() -> None:
    assert "openb" in trace_names()
    trace = get_trace("openb").load("default")
    assert trace.nodes.count == 1213
    assert trace.nodes.total_gpus == 6212
    assert trace.pods.count == 8152
    # The artifact's log: "Total milli cpu of all nodes: 107018000, milli gpu: 6212000".
    assert int(trace.nodes.cpu_milli.sum()) == 107_018_000
    # ... and "milli gpu request: 6086800" for the default pods.
    assert int(trace.pods.total_gpu_milli().sum()) == 6_086_800


def test_workload_variants_are_listed_by_name() -> None:
    workloads = get_trace("openb").workloads()  # type: ignore[attr-defined]
    assert workloads[0] == "default"
    assert {"cpu050", "gpushare40", "multigpu50", "gpuspec33"} <= set(workloads)


def test_unknown_trace_or_workload_is_a_trace_error() -> None:
    with pytest.raises(TraceError, match="unknown trace"):
        get_trace("nope")
    with pytest.raises(TraceError, match="no workload"):
        get_trace("openb").load("nope")


def test_pods_follow_the_artifact_request_semantics(tmp_path: Path) -> None:
    csv = tmp_path / "openb_pod_list_x.csv"
    csv.write_text(
        "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\n"
        "p0,4000,1024.7,0,500,T4\n"  # no GPU: gpu_milli and spec are ignored, memory truncated
        "p1,8000,2048,1,230,\n"  # a share of one GPU
        "p2,16000,4096,2,1000,V100M16||V100M32\n"  # empty spec parts dropped
        "p3,1000,10,1,1500,\n"  # capped to a whole GPU
    )
    pods = read_openb_pods(csv)
    assert pods.num_gpu.tolist() == [0, 1, 2, 1]
    assert pods.gpu_milli.tolist() == [0, 230, 1000, 1000]
    assert pods.memory_mib.tolist() == [1024, 2048, 4096, 10]
    assert [pods.gpu_specs[s] for s in pods.gpu_spec] == ["", "", "V100M16|V100M32", ""]


def test_gpuspec_workload_keeps_model_constraints() -> None:
    pods = get_trace("openb").load("gpuspec33").pods
    constrained = pods.gpu_spec != 0
    assert 0.2 < constrained[pods.num_gpu > 0].mean() < 0.4
    assert "V100M16|V100M32" in pods.gpu_specs


def test_info_summarizes_the_trace() -> None:
    info = OpenbReader().info()
    assert info.name == "openb"
    assert "Apache-2.0" in info.license
    assert info.facts["GPUs"] == "6,212"
    assert np.all([w for w in info.workloads])
