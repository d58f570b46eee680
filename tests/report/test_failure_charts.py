"""Failure, goodput, fragmentation and sweep charts: titles, axes, hover values, and the
numbers they draw are the summary's own."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import plotly.graph_objects as go

from gigawatt.report.failure_charts import (
    gang_spread_figure,
    goodput_figure,
    interruptions_figure,
    lost_hours_figure,
    out_of_service_figure,
)
from gigawatt.report.simulate_charts import queue_figure, tenant_use_figure
from gigawatt.report.sweep_charts import build_sweep_figures


def _failures() -> dict[str, Any]:
    causes = [
        {
            "cause": "faulty_gpu",
            "node_outages": 30,
            "interruptions": 20,
            "lost_accelerator_h": 900.0,
        },
        {"cause": "nic", "node_outages": 5, "interruptions": 4, "lost_accelerator_h": 100.0},
        {"cause": "cpu", "node_outages": 0, "interruptions": 0, "lost_accelerator_h": 0.0},
    ]
    return {
        "causes": causes,
        "interruptions": 24,
        "node_outages": 35,
        "lost_accelerator_h": 1000.0,
        "goodput": 0.9,
        "tenant_goodput": {"training": 0.85, "inference": 0.97, "idle": math.nan},
    }


def _check(fig: go.Figure) -> None:
    assert fig.layout.title.text
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text, fig.layout.title.text
    for trace in fig.data:
        assert trace.hovertemplate, (fig.layout.title.text, trace.name)


def test_interruptions_leave_out_causes_that_never_struck_and_sort_by_count() -> None:
    fig = interruptions_figure(_failures())
    _check(fig)
    jobs = fig.data[0]
    # Horizontal bars draw bottom-up: the most frequent cause is last, on top.
    assert list(jobs.y) == ["nic", "faulty gpu"] and list(jobs.x) == [4, 20]
    assert list(fig.data[1].x) == [5, 30]


def test_lost_hours_per_cause_and_total_in_the_legend() -> None:
    fig = lost_hours_figure(_failures())
    _check(fig)
    assert list(fig.data[0].x) == [100.0, 900.0]
    assert "1,000" in fig.data[0].name


def test_goodput_in_percent_per_tenant_that_ran_with_its_kind() -> None:
    fig = goodput_figure(_failures(), {"training": "frontier_training"})
    _check(fig)
    bars = fig.data[0]
    assert list(bars.x) == ["training (frontier training)", "inference"]
    assert list(bars.y) == [85.0, 97.0]


def test_out_of_service_share_counts_repair_against_online_plus_repair() -> None:
    series = {
        "time_s": [0.0, 86_400.0],
        "online:a:x": [90.0, 0.0],
        "online:b:y": [0.0, 0.0],
        "repair_accelerators": [10.0, 0.0],
    }
    fig = out_of_service_figure(series)
    _check(fig)
    assert list(fig.data[0].y) == [10.0, None]  # 10 / (90 + 10); nothing online: no share


def test_nodes_in_repair_are_plotted_even_when_spares_cover_them() -> None:
    # The caption's "nodes in repair: mean N" must be visible although no capacity is out of
    # service: the spares stand in (the report once plotted a flat 0 under that caption).
    series = {
        "time_s": [0.0, 86_400.0, 172_800.0],
        "online:a:x": [100.0, 100.0, 100.0],
        "repair_accelerators": [0.0, 0.0, 0.0],
        "repair_nodes": [3.0, 5.0, 1.0],
        "spares_in_use": [3.0, 5.0, 1.0],
    }
    fig = out_of_service_figure(series, dt.date(2026, 1, 1))
    _check(fig)
    nodes, spares, share = fig.data
    assert list(nodes.y) == [3.0, 5.0, 1.0] and list(spares.y) == [3.0, 5.0, 1.0]
    assert list(share.y) == [0.0, 0.0, 0.0]
    assert list(nodes.x)[:2] == ["2026-01-01 00:00", "2026-01-02 00:00"]
    assert fig.layout.xaxis.title.text == "Date"


def test_a_tenant_keeps_its_colour_across_charts() -> None:
    series = {
        "time_s": [0.0, 3600.0],
        "tenant:research": [1.0, 2.0],
        "tenant:training": [3.0, 4.0],
        "queue_length": [0.0, 1.0],
    }
    use = tenant_use_figure(series)
    queue = queue_figure(series, {"training": [0, 1], "research": [0, 0]})
    goodput = goodput_figure(
        {"tenant_goodput": {"training": 0.9, "research": 0.95}, "goodput": 0.92}, {}
    )
    colour = {t.name: t.line.color for t in use.data}
    assert colour == {t.name: t.line.color for t in queue.data}
    assert len(set(colour.values())) == 2
    bars = goodput.data[0]
    assert dict(zip(bars.x, bars.marker.color, strict=True)) == colour


def test_gang_spread_only_for_tenants_that_started_jobs() -> None:
    tenant = {"mean_domains": 2.5, "max_domains": 40, "max_halls": 2, "max_sites": 1}
    summary = {
        "tenants": [
            {"tenant": "training", "started": 3, **tenant},
            {"tenant": "idle", "started": 0, **tenant},
        ]
    }
    fig = gang_spread_figure(summary)
    _check(fig)
    assert [list(t.x) for t in fig.data] == [["training"]] * 4
    assert 50 in fig.layout.yaxis.tickvals


def test_sweep_fan_bands_are_the_sweep_quantiles() -> None:
    def quantiles(scale: float) -> dict[str, float]:
        return {f"p{p}": p * scale for p in (5, 10, 25, 50, 75, 90, 95)}

    sweep = {
        "samples": 10,
        "npv_usd": quantiles(1e9),
        "irr": quantiles(0.01),
        "cost_per_accelerator_hour_usd": quantiles(0.1),
        "milestones": {
            key: {
                "share_by_year": {"2028": 0.25, "2029": 0.5},
                "share_never": 0.25,
                "quantiles": {"p10": "2028-02", "p50": "2029-01", "p90": None},
                "horizon_end": "2030-12",
            }
            for key in ("operating_profit_month", "payback_month")
        },
        "tornado_npv": [
            {"input": "price", "npv_at_low_usd": -1e9, "npv_at_high_usd": 3e9},
        ],
        "median_sample_npv_usd": 1e9,
    }
    fan, operating, payback, tornado = build_sweep_figures(sweep)
    npv_bands = [t for t in fan.data if t.type == "bar" and t.y[0].startswith("NPV")]
    assert [(t.base[0], t.base[0] + t.x[0]) for t in npv_bands] == [(5, 95), (10, 90), (25, 75)]
    assert list(payback.data[1].y) == [25.0, 75.0]
    assert "never: 25%" in payback.data[1].name and "median 2029-01" in payback.data[1].name
    assert "First operating profit" in operating.layout.title.text
    assert list(tornado.data[0].x) == [-2.0] and list(tornado.data[1].x) == [2.0]
