"""The Philly-derived Gavel traces: real rows parsed, steps turned into V100 seconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gigawatt.traces import TraceError, get_trace, job_trace_reader
from gigawatt.traces.gavel_philly import (
    GavelPhillyReader,
    read_cluster_spec,
    read_gavel_trace,
    read_throughputs,
)

FOLDER = GavelPhillyReader().folder


def test_first_rows_of_a_vc_read_as_gavel_writes_them() -> None:
    throughputs = read_throughputs(FOLDER / "v100_throughputs.csv")
    arrival, duration, gpus = read_gavel_trace(FOLDER / "seed0" / "23dbec.trace", throughputs)
    # Line 3: "Transformer (batch size 256) ... 19178  182095.000000  8": 8 GPUs, steps / the
    # V100 throughput of that job type on 8 GPUs.
    assert len(arrival) == 9
    assert arrival[2] == 182_095.0 and gpus[2] == 8
    assert duration[2] == pytest.approx(19_178 / throughputs[("Transformer (batch size 256)", 8)])
    assert arrival[0] == 0.0 and gpus[0] == 1


def test_all_vcs_replay_on_gavels_500_v100s() -> None:
    loaded = job_trace_reader("philly").load_jobs("all")
    assert read_cluster_spec(FOLDER / "cluster_specs.json") == {"v100": 500, "p100": 0, "k80": 0}
    assert loaded.fleet.accelerators_by_type() == {"v100": 500}
    assert loaded.jobs.count == 15_264 and len(loaded.jobs.tenants) == 15
    assert np.all(np.diff(loaded.jobs.arrival_s) >= 0)
    assert np.all(loaded.jobs.duration_s > 0)
    ends = loaded.jobs.arrival_s + loaded.jobs.duration_s
    assert loaded.horizon_s > ends.max()
    one = job_trace_reader("philly").load_jobs("23dbec")
    assert one.jobs.count == 9 and one.jobs.tenants == ("23dbec",)


def test_heterogeneous_cluster_spec_gives_three_types() -> None:
    reader = GavelPhillyReader(cluster_spec="cluster_specs_heterogeneous.json")
    assert reader.load_jobs("23dbec").fleet.accelerators_by_type() == {
        "v100": 300, "p100": 300, "k80": 300,
    }  # fmt: skip


def test_malformed_trace_line_names_file_and_line(tmp_path: Path) -> None:
    good = (FOLDER / "seed0" / "795a4c.trace").read_text().splitlines()
    bad = tmp_path / "bad.trace"
    bad.write_text("\n".join([good[0], good[1].replace("\t", " ", 2)]) + "\n")
    throughputs = read_throughputs(FOLDER / "v100_throughputs.csv")
    with pytest.raises(TraceError, match=r"bad\.trace:2: expected 7 tab-separated fields"):
        read_gavel_trace(bad, throughputs)
    fields = good[0].split("\t")
    fields[6] = "two"
    bad.write_text("\t".join(fields) + "\n")
    with pytest.raises(TraceError, match=r"bad\.trace:1: .*integers"):
        read_gavel_trace(bad, throughputs)


def test_unknown_vc_and_packing_are_clear_errors() -> None:
    with pytest.raises(TraceError, match="philly has no VC 'nope'"):
        job_trace_reader("philly").load_jobs("nope")
    with pytest.raises(TraceError, match="replayed in time"):
        get_trace("philly").load("default")
    with pytest.raises(TraceError, match="no job arrivals and run times"):
        job_trace_reader("openb")
