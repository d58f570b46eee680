"""compare.html in real headless Chromium: every overlaid chart drawn with its title and both
runs' traces, the headline table's changes shown, no console errors; a screenshot."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from gigawatt.report.run_compare import QUEUE_TITLE, UTILIZATION_TITLE, WAIT_TITLE

ROOT = Path(__file__).resolve().parents[2]


def _simulate_folder(path: Path, utilization: float, wait_h: float) -> Path:
    """A folder shaped like `gigawatt simulate SCENARIO --out`: summary.json, series.csv."""
    path.mkdir(parents=True)
    tenants = [
        {"tenant": name, "jobs": 5, "wait_p95_h": wait_h * k}
        for k, name in enumerate(("training", "inference"), start=1)
    ]
    summary = {"utilization": utilization, "mean_queue_length": 1.0, "jain_fairness": 0.9,
               "jobs": 10, "tenants": tenants, "groups": [], "failures": None}  # fmt: skip
    (path / "summary.json").write_text(json.dumps(summary))
    with (path / "series.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["time_s", "queue_length", "busy:tx-1:gb200", "online:tx-1:gb200"])
        for day in range(30):
            busy = 100 * utilization * (0.8 + 0.2 * (day % 5) / 4)
            writer.writerow([day * 86_400, day % 7, busy, 100])
    return path


def test_compare_page_draws_both_runs_in_every_chart(
    page: tuple[Any, Any], tmp_path: Path, artifacts: Path
) -> None:
    fifo = _simulate_folder(tmp_path / "fifo", 0.5, 10.0)
    drf = _simulate_folder(tmp_path / "drf", 0.75, 4.0)
    result = subprocess.run(
        [sys.executable, "-m", "gigawatt", "compare", str(fifo), str(drf), "--out",
         str(tmp_path / "out")],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    tab, log = page
    tab.goto((tmp_path / "out" / "compare.html").as_uri())
    tab.wait_for_function(
        "() => Array.from(document.querySelectorAll('.plotly-graph-div'))"
        ".every(el => el.querySelector('svg.main-svg'))",
        timeout=30_000,
    )
    charts = tab.evaluate(
        "() => Array.from(document.querySelectorAll('.plotly-graph-div')).map(el => ({"
        "title: el.querySelector('.gtitle').textContent, names: el.data.map(t => t.name)}))"
    )
    assert [c["title"] for c in charts] == [UTILIZATION_TITLE, QUEUE_TITLE, WAIT_TITLE]
    for chart in charts:
        assert chart["names"] == ["A: fifo", "B: drf"], chart
    change = tab.inner_text("tr[data-key='simulated_utilization'] td:nth-child(4)")
    assert change == "+25.0 pp"
    assert log.errors == []
    tab.screenshot(path=str(artifacts / "compare.png"), full_page=True)
