"""`gigawatt plan` end to end, as a user runs it (a subprocess, the bundled demo)."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "anthropic-fluidstack-2026.yaml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gigawatt", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("plan", "validate"):
        assert command in result.stdout


def test_plan_writes_tables_summary_and_an_offline_report(tmp_path: Path) -> None:
    result = run("plan", str(DEMO), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for name in ("timeline.csv", "capex.csv", "summary.json", "report.html"):
        assert (tmp_path / name).stat().st_size > 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary["regions"]) == {"tx", "ny"}
    # Every capex row adds up to the summary's total.
    with (tmp_path / "capex.csv").open() as handle:
        total = sum(float(row["usd"]) for row in csv.DictReader(handle))
    assert abs(total - summary["capex_total_usd"]) / summary["capex_total_usd"] < 1e-6
    html = (tmp_path / "report.html").read_text()
    assert "Plotly.newPlot" in html
    # Self-contained: every script is inline (plotly.js is embedded), none is loaded by URL.
    assert re.search(r"<script[^>]*\bsrc=", html) is None
    assert len(html) > 1_000_000  # the embedded plotly.js bundle
    # The terminal summary shows each phase's online date and the year-end capacity.
    for phase in summary["sites"][0]["phases"]:
        assert phase["online"] in result.stdout
    assert "2026-12" in result.stdout and "2027-12" in result.stdout


def test_plan_json_is_the_summary() -> None:
    result = run("plan", str(DEMO), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["name"].startswith("Anthropic")
    ends = {p["month"]: p for p in summary["year_end"]}
    assert ends["2027-12"]["owned"]["accelerators"] > ends["2026-12"]["owned"]["accelerators"] > 0


def test_several_programs_are_added_up_against_supply(tmp_path: Path) -> None:
    result = run("plan", str(DEMO), str(DEMO), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Can the industry build all of it" in result.stdout
    report = json.loads((tmp_path / "supply.json").read_text())
    assert len(report["programs"]) == 2
    assert report["years"], "demand rows expected"


def test_module_entry_point_matches_the_script() -> None:
    script = ROOT / ".venv" / "bin" / "gigawatt"
    if not script.exists():
        return
    a = subprocess.run(
        [str(script), "plan", str(DEMO), "--json"], capture_output=True, text=True, timeout=120
    )
    b = run("plan", str(DEMO), "--json")
    assert json.loads(a.stdout) == json.loads(b.stdout)


def test_catalog_lists_accelerators_and_shows_sources() -> None:
    table = run("catalog", "accelerators")
    assert table.returncode == 0 and "gb200-nvl72" in table.stdout and "tpu7x" in table.stdout
    cited = run("catalog", "cost", "--sources")
    assert cited.returncode == 0 and "Cushman" in cited.stdout
    bad = run("catalog", "nope")
    assert bad.returncode == 2 and "expected accelerators" in bad.stderr


def test_optimize_reports_its_choice_and_replans(tmp_path: Path) -> None:
    result = run("plan", str(DEMO), "--optimize", "--target", "2027-12", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    info = summary["optimization"]
    assert info["target"] == "2027-12" and info["h100e_months"] > 0
    assert {s["site_id"] for s in info["sites"]} == {"ny-1", "tx-1", "tx-2", "tx-3"}
    kinds = {f["kind"] for f in summary["findings"]}
    assert not kinds & {"power", "budget", "land"}
    bad = run("plan", str(DEMO), "--optimize", "--target", "next year")
    assert bad.returncode == 2 and "--target" in bad.stderr
