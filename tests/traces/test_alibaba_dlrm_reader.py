"""The Alibaba v2025 DLRM instances: GPU instances replayed as jobs on a stand-in cluster."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from gigawatt.traces import TraceError, job_trace_reader
from gigawatt.traces.alibaba_dlrm import (
    TRACE_FILE,
    AlibabaDlrmReader,
    peak_concurrent,
    read_dlrm_instances,
)

FOLDER = AlibabaDlrmReader().folder


def test_rows_parse_with_empty_times_as_nan() -> None:
    cols = read_dlrm_instances(FOLDER / TRACE_FILE)
    assert len(cols["role"]) == 23_871
    assert int((cols["role"] == "HN").sum()) == 7_386
    # Row 2: instance_0, HN, app_0, 12 vCPU, 1 GPU, 120 GiB, no times (alive all along).
    assert (cols["role"][0], cols["app"][0], cols["cpu"][0], cols["gpu"][0]) == (
        "HN",
        "app_0",
        12.0,
        1,
    )
    assert cols["memory_gib"][0] == 120.0 and np.isnan(cols["creation_s"][0])
    assert np.all(cols["gpu"][cols["role"] == "CN"] == 0)


def test_gpu_instances_become_jobs_that_fit_the_stand_in_cluster() -> None:
    loaded = job_trace_reader("alibaba-v2025-dlrm").load_jobs()
    jobs = loaded.jobs
    assert jobs.count == 7_386
    assert np.all(jobs.duration_s >= 0)
    assert np.all(jobs.arrival_s + jobs.duration_s <= loaded.horizon_s + 1e-6)
    peak = peak_concurrent(jobs.arrival_s, jobs.arrival_s + jobs.duration_s, jobs.accelerators)
    assert loaded.fleet.total_accelerators >= peak > loaded.fleet.total_accelerators - 8
    assert jobs.tenants[-1] == "other" and len(jobs.tenants) == 10
    assert jobs.cpu_milli[0] > 0 and jobs.memory_mib[0] > 0


def test_peak_concurrent_counts_overlaps_only() -> None:
    start = np.array([0.0, 5.0, 10.0])
    end = np.array([10.0, 20.0, 30.0])
    assert (
        peak_concurrent(start, end, np.array([1, 1, 1])) == 2
    )  # the first ends as the third starts


def test_malformed_row_names_file_and_line(tmp_path: Path) -> None:
    lines = (FOLDER / TRACE_FILE).read_text().splitlines()[:3]
    bad = tmp_path / TRACE_FILE
    bad.write_text("\n".join([*lines, lines[2].replace(",1,1,", ",one,1,", 1)]) + "\n")
    with pytest.raises(TraceError, match=rf"{TRACE_FILE}:4: cpu, gpu and memory requests"):
        read_dlrm_instances(bad)
    with pytest.raises(TraceError, match="no workload 'nope'"):
        AlibabaDlrmReader().load_jobs("nope")
    with pytest.raises(TraceError, match="all@F"):
        AlibabaDlrmReader().load_jobs("all@lots")


def test_a_smaller_cluster_than_the_peak_makes_instances_wait() -> None:
    import gigawatt.sched.topology  # noqa: F401  (registers the placements)
    from gigawatt.sched.queue import make_queue_policy
    from gigawatt.sim.replay import replay

    full = AlibabaDlrmReader().load_jobs("all")
    tight = AlibabaDlrmReader().load_jobs("all@0.9")
    assert tight.workload == "all@0.9"
    assert tight.fleet.total_accelerators == 8 * math.ceil(0.9 * 3_414 / 8)  # 0.9 x the peak
    assert tight.jobs.count == full.jobs.count
    waits = []
    for loaded in (full, tight):
        result = replay(loaded.fleet, loaded.jobs, make_queue_policy("fifo", "topology"),
                        loaded.horizon_s, 86_400.0)  # fmt: skip
        waits.append(np.nansum(result.records.wait_s(loaded.jobs)))
    assert waits[0] == 0.0 < waits[1]
