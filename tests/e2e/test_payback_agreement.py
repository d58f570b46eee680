"""One payback vocabulary: `gigawatt finance`, `sweep`, `run`, its report.html and summary.json
give the demo the same NPV, IRR and milestone months, in the same words."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from gigawatt.econ.payback import TERMS, month_text
from gigawatt.report.payback_text import distribution_line, verdict_line

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "anthropic-fluidstack-2026.yaml"


def _gigawatt(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "gigawatt", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "COLUMNS": "250"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _same_verdict(a: dict[str, Any], b: dict[str, Any]) -> None:
    for key in ("npv_usd", "irr", "wacc", "valuation_month", "horizon_end"):
        assert a[key] == b[key], key
    for term in TERMS:
        assert a[term.key] == b[term.key], term.key


def test_finance_sweep_run_report_and_summary_agree_on_every_payback_figure(
    tmp_path: Path,
) -> None:
    finance = json.loads(_gigawatt("finance", str(DEMO), "--json"))
    verdict = finance["verdict"]

    out = tmp_path / "run"
    sweep_text = _gigawatt(
        "sweep", str(DEMO), "--samples", "8", "--engine", "serial", "--out", str(out / "sweep")
    )
    sweep = json.loads((out / "sweep" / "sweep.json").read_text())
    _same_verdict(sweep["scenario_verdict"], verdict)

    run_text = _gigawatt("run", str(DEMO), "--no-simulate", "--out", str(out))
    summary = json.loads((out / "summary.json").read_text())
    _same_verdict(summary["finance"]["verdict"], verdict)
    by_key = {h["key"]: h for h in summary["headlines"]}
    for term in TERMS:
        assert by_key[term.key]["value"] == verdict[term.key]
        assert by_key[term.key]["label"] == term.label
        assert by_key[term.key]["display"] == month_text(verdict[term.key], verdict["horizon_end"])

    # The same words everywhere: finance and sweep print the verdict line, the report
    # carries it and each headline; the sweep's distributions read the same in both.
    line = verdict_line(verdict)
    finance_text = _gigawatt("finance", str(DEMO))
    assert line in " ".join(finance_text.split())
    assert line in " ".join(sweep_text.split())
    page = html.unescape((out / "report.html").read_text())
    assert line in page
    for term in TERMS:
        shown = month_text(verdict[term.key], verdict["horizon_end"])
        assert f"{shown}</b><span>{term.label}</span>" in page
        dist_line = distribution_line(term.label, sweep["milestones"][term.key])
        assert dist_line in page and dist_line in " ".join(sweep_text.split())
    for term in TERMS:
        assert term.label in run_text
