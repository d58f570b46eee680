"""The report's chart builders: each figure has a title, axis titles and non-empty traces
with hover values."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest

from gigawatt.econ.financials import monthly_rows, site_month_rows
from gigawatt.pipeline import Pipeline
from gigawatt.plan import plan_scenario, summarize
from gigawatt.plan.buildout import Buildout
from gigawatt.report.finance_charts import build_finance_figures
from gigawatt.report.plan_report import build_figures, render_plan_report
from gigawatt.report.run_report import RunTables, render_run_report, run_headlines
from gigawatt.report.simulate_charts import build_simulate_figures, queue_by_tenant
from gigawatt.scenario import load_scenario, scenario_catalog
from gigawatt.scenario.finance import FinanceSettings

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "anthropic-fluidstack-2026.yaml"


@cache
def _demo() -> tuple[Buildout, dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    loaded = load_scenario(DEMO)
    # Through 2029-12 (a shorter horizon keeps the test quick).
    program = loaded.program.model_copy(update={"horizon_months": 50})
    # TPU7x hours priced at ~2.3 H100-hours (the price before sourced TPU prices), so the
    # demo reaches payback within the shorter horizon and the chart has both markers.
    revenue = {"price_per_accelerator_hour_usd": {"tpu7x": 5.0}}
    finance = FinanceSettings.model_validate({"revenue": revenue})
    scenario = loaded.model_copy(update={"program": program, "finance": finance})
    buildout = plan_scenario(scenario, scenario_catalog(scenario))
    financed = Pipeline(scenario, plan=buildout).finance
    fin, summary = financed.financials, financed.summary
    return buildout, summary, monthly_rows(fin), site_month_rows(fin)


def _series() -> tuple[dict[str, list[float]], dict[str, Any]]:
    """A small replay table in series.csv's columns, and a replay summary."""
    times = [k * 21_600.0 for k in range(8)]
    series = {
        "time_s": times,
        "queue_length": [0, 0, 3, 5, 2, 0, 0, 1],
        "busy:tx-1:gb300": [0, 0, 10, 20, 30, 30, 25, 20],
        "online:tx-1:gb300": [0, 0, 40, 40, 40, 40, 40, 40],
        "busy:ny-1:tpu": [0] * 8,
        "online:ny-1:tpu": [0] * 8,
        "tenant:training": [0, 0, 8, 15, 20, 20, 20, 15],
        "tenant:inference": [0, 0, 2, 5, 10, 10, 5, 5],
    }
    tenant = {
        "wait_p50_h": 0.1,
        "wait_p95_h": 2.0,
        "wait_p99_h": 4.0,
        "jobs": 3,
        "started": 3,
        "mean_domains": 1.5,
        "max_domains": 2,
        "max_halls": 1,
        "max_sites": 1,
    }
    summary = {
        "tenants": [{"tenant": "training", **tenant}, {"tenant": "inference", **tenant}],
    }
    return {k: [float(v) for v in vs] for k, vs in series.items()}, summary


def _check(fig: go.Figure) -> None:
    layout = fig.layout
    assert layout.title.text, "every chart says what it shows"
    assert layout.xaxis.title.text and layout.yaxis.title.text, layout.title.text
    assert fig.data, layout.title.text
    for trace in fig.data:
        values = trace.y if trace.orientation != "h" else trace.x
        assert values is not None and len(values) > 0, (layout.title.text, trace.name)
        assert trace.hovertemplate, (layout.title.text, trace.name)


def test_plan_figures_have_titles_axes_and_hover() -> None:
    for fig in build_figures(_demo()[0]):
        _check(fig)


def test_finance_figures_have_titles_axes_and_hover() -> None:
    _, summary, monthly, sites = _demo()
    figures = build_finance_figures(monthly, sites, summary)
    assert len(figures) == 6  # the demo has incentives and a break-even-by year
    for fig in figures:
        _check(fig)


def test_finance_figures_skip_absent_items() -> None:
    _, summary, monthly, sites = _demo()
    bare = {**summary, "incentives": [], "revenue_needed_to_break_even": []}
    assert len(build_finance_figures(monthly, sites, bare)) == 4


def test_cumulative_cash_marks_the_payback_milestones() -> None:
    _, summary, monthly, sites = _demo()
    cash = build_finance_figures(monthly, sites, summary)[3]
    names = [t.name for t in cash.data]
    verdict = summary["verdict"]
    assert f"first operating profit {verdict['operating_profit_month']}" in names
    assert f"payback {verdict['payback_month']}" in names
    # The cumulative line is the running sum of the monthly free cash flow rows.
    total = sum(r["free_cash_flow_usd"] for r in monthly) / 1e9
    assert cash.data[0].y[-1] == pytest.approx(total)


def test_simulate_figures_have_titles_axes_and_hover() -> None:
    series, summary = _series()
    figures = build_simulate_figures(series, summary)
    assert len(figures) == 4
    for fig in figures:
        _check(fig)
    utilization = figures[0]
    # A group with nothing online is left out; the fleet line is busy / online in percent.
    assert [t.name for t in utilization.data] == ["tx-1 gb300", "fleet"]
    assert utilization.data[1].y[3] == pytest.approx(50.0)


def test_run_report_embeds_plotly_once_and_leads_with_the_overview() -> None:
    buildout, summary, monthly, sites = _demo()
    series, sim = _series()
    sim = {
        **sim,
        "utilization": 0.5,
        "horizon_s": 8 * 21_600.0,
        "mean_queue_length": 1.4,
        "max_queue_length": 5,
        "jobs": 6,
        "policy": "easy-backfill",
        "placement": "topology",
        "jain_fairness": 0.9,
    }
    plan = summarize(buildout)
    headlines = run_headlines(plan, summary, sim)
    page = render_run_report(
        RunTables(buildout, plan, summary, monthly, sites, sim, series), headlines
    )
    assert page.count("window.PlotlyConfig") == 1
    assert "<script src" not in page
    assert page.index("Simulated utilization") < page.index("Plotly.newPlot")


def test_plan_report_still_renders() -> None:
    buildout = _demo()[0]
    page = render_plan_report(buildout, summarize(buildout))
    assert page.count("window.PlotlyConfig") == 1


def test_queue_by_tenant_counts_arrived_not_started_jobs() -> None:
    waiting = queue_by_tenant(
        [0.0, 10.0, 20.0, 30.0],
        ["a", "a", "b"],
        [0.0, 5.0, 15.0],
        [10.0, float("nan"), 25.0],  # a's second job never starts: it keeps waiting
    )
    assert waiting == {"a": [1, 1, 1, 1], "b": [0, 0, 1, 0]}


def test_simulate_queue_is_stacked_by_tenant_given_the_jobs_table() -> None:
    series, summary = _series()
    jobs = {"tenant": ["training", "inference"], "arrival_s": [0.0, 0.0], "start_s": [1.0, 2.0]}
    queue = build_simulate_figures(series, summary, jobs)[2]
    assert [t.name for t in queue.data] == ["training", "inference"]
    _check(queue)
