"""The run report in real headless Chromium: every chart drawn (SVG present, its title shown),
hover labels come up with values, no console errors, nothing fetched over the network; and
screenshots at 1280x800 into tests/artifacts/ for a person to look at."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from gigawatt.report.failure_charts import (
    GANG_SPREAD_TITLE,
    GOODPUT_TITLE,
    INTERRUPTIONS_TITLE,
    LOST_HOURS_TITLE,
    OUT_OF_SERVICE_TITLE,
)
from gigawatt.report.finance_charts import CASH_TITLE, COST_BY_SITE_TITLE, PNL_TITLE
from gigawatt.report.simulate_charts import QUEUE_TITLE, UTILIZATION_TITLE

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "anthropic-fluidstack-2026.yaml"

#: Waits until each chart div holds its SVG; returns per chart: title text, SVG count, traces.
CHARTS_JS = """
() => Array.from(document.querySelectorAll('.plotly-graph-div')).map(el => ({
  id: el.id,
  title: (el.querySelector('.gtitle') || {}).textContent || '',
  svgs: el.querySelectorAll('svg.main-svg').length,
  traces: (el.data || []).length,
  points: (el.data || []).map(t => (t.y || t.x || []).length),
}))
"""

#: Shows the hover label of the first trace's middle point of one chart; returns its text.
HOVER_JS = """
(id) => {
  const el = document.getElementById(id);
  const values = t => (t.orientation === 'h' ? t.x : t.y) || [];
  for (let k = 0; k < el.data.length; k++) {
    const v = values(el.data[k]);
    for (let p = Math.floor(v.length / 2); p < v.length; p++) {
      if (v[p] === null || v[p] === undefined) continue;
      Plotly.Fx.hover(el, [{curveNumber: k, pointNumber: p}]);
      const layer = el.querySelector('.hoverlayer');
      if (layer && layer.textContent) return layer.textContent;
    }
  }
  return '';
}
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo-like report from a short run: three simulated months (the first accelerators
    come online in the third), with failures, so every section has data."""
    out = tmp_path_factory.mktemp("browser-run")
    result = subprocess.run(
        [sys.executable, "-m", "gigawatt", "run", str(DEMO), "--out", str(out), "--months", "3"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return out / "report.html"


def _open(page: Any, path: Path) -> float:
    started = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.plotly-graph-div'))"
        ".every(el => el.querySelector('svg.main-svg'))",
        timeout=30_000,
    )
    return time.perf_counter() - started


def test_every_chart_of_the_report_is_drawn_with_its_title(
    page: tuple[Any, Any], report: Path, artifacts: Path
) -> None:
    tab, log = page
    _open(tab, report)
    html = report.read_text(encoding="utf-8")
    charts = tab.evaluate(CHARTS_JS)
    assert len(charts) == html.count("type='application/json' data-chart=") >= 20
    for chart in charts:
        assert chart["svgs"] >= 1, chart
        assert chart["title"], f"chart {chart['id']} shows no title"
        assert chart["traces"] and max(chart["points"]) > 0, chart
    titles = {c["title"] for c in charts}
    for expected in (
        UTILIZATION_TITLE,
        QUEUE_TITLE,
        INTERRUPTIONS_TITLE,
        LOST_HOURS_TITLE,
        GOODPUT_TITLE,
        OUT_OF_SERVICE_TITLE,
        GANG_SPREAD_TITLE,
        COST_BY_SITE_TITLE,
        PNL_TITLE,
        CASH_TITLE,
    ):
        assert expected in titles, expected
    assert log.errors == []
    tab.screenshot(path=str(artifacts / "report-top.png"))
    for k, chart in enumerate(charts):
        shot = artifacts / f"report-chart-{k:02d}.png"
        tab.locator(f"[id='{chart['id']}']").screenshot(path=str(shot))


def test_hovering_a_chart_shows_its_values(page: tuple[Any, Any], report: Path) -> None:
    tab, log = page
    _open(tab, report)
    charts = tab.evaluate(CHARTS_JS)
    for chart in charts:
        text = tab.evaluate(HOVER_JS, chart["id"])
        assert any(ch.isdigit() for ch in text), (chart["title"], text)
    assert log.errors == []


def test_failures_section_names_the_model_and_goodput(page: tuple[Any, Any], report: Path) -> None:
    tab, _ = page
    _open(tab, report)
    section = tab.locator("h2", has_text="Failures and goodput")
    assert section.count() == 1
    note = section.locator("xpath=following-sibling::p[1]").inner_text()
    assert "llama3-2024" in note and "goodput" in note
    cards = tab.locator(".card").all_inner_texts()
    assert any("Goodput, training tenant" in c for c in cards), cards
