"""A replay's files: what is written reads back as the tables in memory."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from gigawatt.outputs.replay import read_series, series_table, write_replay
from gigawatt.pipeline import Pipeline, Simulation, SimulationOptions

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "anthropic-fluidstack-2026.yaml"


@pytest.fixture(scope="module")
def simulation() -> Simulation:
    return Pipeline(DEMO, SimulationOptions(months=3, failures="llama3-2024")).simulation


def _same(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(a, b, strict=True)
    )


def test_series_read_back_equals_the_series_in_memory(
    simulation: Simulation, tmp_path: Path
) -> None:
    written = write_replay(tmp_path, simulation.result, simulation.summary, 1.5)
    assert {p.name for p in written} >= {"jobs.csv", "series.csv", "summary.json"}
    memory = series_table(simulation.result)
    read = read_series(tmp_path / "series.csv")
    assert list(read) == list(memory)
    assert "repair_nodes" in read  # replayed with failures
    assert all(_same(read[k], memory[k]) for k in memory)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["replay_seconds"] == 1.5
    assert summary["utilization"] == simulation.summary.utilization
    header = (tmp_path / "jobs.csv").read_text().splitlines()[0].split(",")
    assert header[:2] == ["job", "tenant"] and "goodput" in header


def test_read_series_reads_empty_cells_as_nan_and_refuses_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "series.csv"
    path.write_text("time_s,queue_length\n0,\n3600,2\n")
    series = read_series(path)
    assert series["time_s"] == [0.0, 3600.0]
    assert math.isnan(series["queue_length"][0]) and series["queue_length"][1] == 2.0
    path.write_text("")
    with pytest.raises(ValueError, match="empty"):
        read_series(path)
