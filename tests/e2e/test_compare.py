"""`gigawatt compare A B` as a user runs it: two run folders side by side in compare.html and
compare.json, changes computed B - A, clear one-line errors for a missing or wrong folder."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gigawatt.report.run_compare import (
    CAPACITY_TITLE,
    CASH_TITLE,
    QUEUE_TITLE,
    UTILIZATION_TITLE,
    WAIT_TITLE,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "anthropic-fluidstack-2026.yaml"
RAINIER = ROOT / "scenarios" / "project-rainier.yaml"


def gigawatt(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gigawatt", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Plan + finance runs of two bundled scenarios (no simulation: quick)."""
    base = tmp_path_factory.mktemp("compare")
    for scenario, name in ((DEMO, "demo"), (RAINIER, "rainier")):
        result = gigawatt("run", str(scenario), "--out", str(base / name), "--no-simulate")
        assert result.returncode == 0, result.stderr
    return base / "demo", base / "rainier"


def _simulate_folder(path: Path, utilization: float, wait_h: float) -> Path:
    """A folder shaped like `gigawatt simulate SCENARIO --out`: summary.json and series.csv."""
    path.mkdir(parents=True)
    tenant = {"tenant": "training", "jobs": 5, "wait_p95_h": wait_h}
    summary = {
        "utilization": utilization,
        "mean_queue_length": 1.0,
        "jain_fairness": 0.9,
        "jobs": 5,
        "tenants": [tenant],
        "groups": [],
        "failures": None,
    }
    (path / "summary.json").write_text(json.dumps(summary))
    with (path / "series.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["time_s", "queue_length", "busy:tx-1:gb200", "online:tx-1:gb200"])
        writer.writerows([[0, 2, 10 * utilization, 10], [86_400, 0, 10 * utilization, 10]])
    return path


def _metrics(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["key"]: m for m in data["metrics"]}


def test_compare_writes_page_and_json_with_changes_b_minus_a(
    two_runs: tuple[Path, Path], tmp_path: Path
) -> None:
    a, b = two_runs
    result = gigawatt("compare", str(a), str(b), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "demo vs rainier" in result.stdout
    data = json.loads((tmp_path / "compare.json").read_text())
    assert (data["a"]["kind"], data["b"]["kind"]) == ("run", "run")
    summary_a = json.loads((a / "summary.json").read_text())
    summary_b = json.loads((b / "summary.json").read_text())
    capex = _metrics(data)["capex_total_usd"]
    assert capex["a"] == summary_a["plan"]["capex_total_usd"]
    assert capex["b"] == summary_b["plan"]["capex_total_usd"]
    assert capex["delta"] == pytest.approx(capex["b"] - capex["a"])
    assert capex["delta_relative"] == pytest.approx((capex["b"] - capex["a"]) / capex["a"])
    irr = _metrics(data)["irr"]
    if irr["a"] is not None and irr["b"] is not None:
        assert irr["delta"] == pytest.approx(irr["b"] - irr["a"])
    assert data["charts"] == [CAPACITY_TITLE, CASH_TITLE]
    page = (tmp_path / "compare.html").read_text()
    assert re.search(r"<script[^>]*\bsrc=", page) is None
    assert page.count("window.PlotlyConfig") == 1
    assert "has no simulation" in page
    # The page shows the same change as the JSON, formatted.
    row = re.search(r"<tr data-key='capex_total_usd'>(.*?)</tr>", page)
    assert row is not None and f"{capex['delta'] / 1e9:+,.2f}".lstrip("+-") in row.group(1)


def test_compare_overlays_simulations_and_says_which_tables_are_missing(
    two_runs: tuple[Path, Path], tmp_path: Path
) -> None:
    fifo = _simulate_folder(tmp_path / "fifo", 0.5, 10.0)
    drf = _simulate_folder(tmp_path / "drf", 0.75, 4.0)
    result = gigawatt("compare", str(fifo), str(drf), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "out" / "compare.json").read_text())
    assert data["charts"] == [UTILIZATION_TITLE, QUEUE_TITLE, WAIT_TITLE]
    metrics = _metrics(data)
    assert metrics["simulated_utilization"]["delta"] == pytest.approx(0.25)
    assert metrics["wait_p95_h_training"]["delta"] == pytest.approx(-6.0)
    page = (tmp_path / "out" / "compare.html").read_text()
    assert "has no plan timeline" in page and "+25.0 pp" in page
    # A run folder against a simulate folder: the charts either can draw.
    mixed = gigawatt("compare", str(two_runs[0]), str(drf), "--out", str(tmp_path / "mixed"))
    assert mixed.returncode == 0, mixed.stderr
    charts = json.loads((tmp_path / "mixed" / "compare.json").read_text())["charts"]
    assert charts == [CAPACITY_TITLE, UTILIZATION_TITLE, QUEUE_TITLE, CASH_TITLE, WAIT_TITLE]


def test_default_output_folder_sits_beside_a(two_runs: tuple[Path, Path]) -> None:
    a, b = two_runs
    result = gigawatt("compare", str(a), str(b))
    assert result.returncode == 0, result.stderr
    assert (a.parent / "compare-demo-vs-rainier" / "compare.html").is_file()


def _wrong_folder(base: Path, case: str) -> Path:
    """A path that is not a run folder, of the kind `case` names."""
    path = base / case
    if case == "file":
        path.write_text("x")
    elif case != "missing":
        path.mkdir()
        if case != "empty":
            path.joinpath("summary.json").write_text("{" if case == "bad-json" else "{}")
    return path


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "no such folder"),
        ("empty", "no summary.json here"),
        ("file", "not a folder"),
        ("bad-json", "not readable JSON"),
        ("other-json", "not the summary of `gigawatt run`"),
    ],
)
def test_a_wrong_folder_is_one_line_and_exit_2(
    two_runs: tuple[Path, Path], tmp_path: Path, case: str, message: str
) -> None:
    wrong = _wrong_folder(tmp_path, case)
    result = gigawatt("compare", str(two_runs[0]), str(wrong), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
