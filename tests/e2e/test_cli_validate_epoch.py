"""`gigawatt validate epoch DIR [--json]` as a user runs it: the bundled download compared, and
every bad input (missing file, wrong columns, unknown chip, a bad --as-of) one line on stderr
starting with ``error:``, exit code 2. Also `gigawatt plan --strict` and `--ramp`."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "data" / "validation"
FILES = ("data_centers.csv", "data_center_timelines.csv", "data_center_chip_quantities.csv")
DEMO = ROOT / "scenarios" / "anthropic-fluidstack-2026.yaml"


def gigawatt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80"}
    return subprocess.run(
        [sys.executable, "-m", "gigawatt", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def download(tmp_path: Path) -> Path:
    folder = tmp_path / "epoch"
    folder.mkdir()
    for name in FILES:
        shutil.copy(BUNDLED / name, folder / name)
    return folder


def test_the_bundled_download_as_json() -> None:
    result = gigawatt("validate", "epoch", str(BUNDLED), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["sites"]) >= 45
    assert {"sites", "median_abs_error_pct", "skipped"} <= set(data)
    site = data["sites"][0]
    assert {"ours", "epoch", "error_pct"} == set(site["facility_mw"])


def test_the_table_names_the_medians() -> None:
    result = gigawatt("validate", "epoch", str(BUNDLED))
    assert result.returncode == 0, result.stderr
    assert "Median absolute error, facility power" in result.stdout
    assert "Capital cost, Trainium sites only" in result.stdout


def test_a_missing_file(download: Path) -> None:
    (download / "data_center_chip_quantities.csv").unlink()
    one_line_error(gigawatt("validate", "epoch", str(download)), "data_center_chip_quantities.csv")


def test_a_missing_folder(tmp_path: Path) -> None:
    one_line_error(gigawatt("validate", "epoch", str(tmp_path / "nope")), "not a folder")


def test_wrong_columns(download: Path) -> None:
    path = download / "data_center_timelines.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[0] = ["Site" if c == "Data center" else c for c in rows[0]]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    one_line_error(
        gigawatt("validate", "epoch", str(download)), "data_center_timelines.csv", "'Data center'"
    )


def test_an_unknown_chip(download: Path) -> None:
    path = download / "data_centers.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    rows[0]["All chip types"] = "B200,Q-9"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    one_line_error(gigawatt("validate", "epoch", str(download)), "data_centers.csv: line", "Q-9")


def test_a_bad_as_of() -> None:
    one_line_error(gigawatt("validate", "epoch", str(BUNDLED), "--as-of", "soon"), "--as-of")


def test_plan_strict_exits_1_on_error_findings() -> None:
    result = gigawatt("plan", str(DEMO), "--strict")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: --strict:")
    relaxed = gigawatt("plan", str(DEMO))
    assert relaxed.returncode == 0


def test_plan_on_the_feasible_ramp_and_a_bad_ramp() -> None:
    feasible = json.loads(gigawatt("plan", str(DEMO), "--ramp", "feasible", "--json").stdout)
    assert feasible["ramp"]["used"] == "feasible"
    one_line_error(gigawatt("plan", str(DEMO), "--ramp", "maybe"), "--ramp")
