"""Sweep charts (Plotly), built from ``sweep.json`` (`gigawatt sweep --out DIR`, the summary
of `gigawatt.sweep.summary.summarize_sweep`): quantile fans of NPV, IRR and cost per
accelerator-hour, each payback milestone's distribution over the years, and the NPV tornado.
Nothing is recomputed: the quantiles are the sweep's own."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from gigawatt.econ.payback import TERMS, PaybackTerm, month_text
from gigawatt.report.simulate_charts import _style

#: Titles, in report order.
FAN_TITLE = "Sweep: spread of outcomes over the samples (bands p5-p95, p10-p90, p25-p75; median)"
TORNADO_TITLE = "Sweep: NPV swing when one input moves from its p10 to its p90 (USD billions)"

_BANDS = (("p5", "p95", 0.18), ("p10", "p90", 0.3), ("p25", "p75", 0.5))
#: (summary key, label, scale to display units, unit, hover format)
_METRICS = (
    ("npv_usd", "NPV (USD billions)", 1e-9, "$B", ",.1f"),
    ("irr", "IRR (%)", 100.0, "%", ".1f"),
    ("cost_per_accelerator_hour_usd", "Cost per accelerator-hour (USD)", 1.0, "USD", ".2f"),
)


def fan_figure(sweep: dict[str, Any]) -> go.Figure:
    """One row per outcome (NPV, IRR, cost per accelerator-hour), each on its own x axis in
    its own unit: nested quantile bands as horizontal bars and the median as a marker."""
    from plotly.subplots import make_subplots

    metrics = [m for m in _METRICS if sweep.get(m[0], {}).get("p50") is not None]
    fig = make_subplots(
        rows=max(1, len(metrics)),
        cols=1,
        subplot_titles=[m[1] for m in metrics],
        vertical_spacing=0.22,
    )
    for row, (key, label, scale, unit, fmt) in enumerate(metrics, start=1):
        q = sweep[key]
        for lo, hi, opacity in _BANDS:
            if q.get(lo) is None or q.get(hi) is None:
                continue
            low, high = q[lo] * scale, q[hi] * scale
            fig.add_trace(
                go.Bar(
                    y=[label],
                    x=[high - low],
                    base=[low],
                    orientation="h",
                    name=f"{lo}-{hi}",
                    legendgroup=f"{lo}-{hi}",
                    showlegend=row == 1,
                    marker={"color": f"rgba(31,119,180,{opacity})"},
                    customdata=[[low, high]],
                    hovertemplate=(
                        f"{lo}: %{{customdata[0]:{fmt}}} {unit}<br>{hi}: %{{customdata[1]:{fmt}}} "
                        f"{unit}<extra>{label}</extra>"
                    ),
                ),
                row=row,
                col=1,
            )
        fig.add_trace(
            go.Scatter(
                y=[label],
                x=[q["p50"] * scale],
                mode="markers",
                name="median",
                legendgroup="median",
                showlegend=row == 1,
                marker={"color": "black", "symbol": "line-ns-open", "size": 22},
                hovertemplate=f"median: %{{x:{fmt}}} {unit}<extra>{label}</extra>",
            ),
            row=row,
            col=1,
        )
        fig.update_yaxes(showticklabels=False, row=row, col=1)
        fig.update_xaxes(title_text=label, row=row, col=1)
    fig.update_layout(barmode="overlay")
    fig = _style(fig, FAN_TITLE, "", "")
    for row, metric in enumerate(metrics, start=1):  # _style cleared the first axis' title
        fig.update_xaxes(title_text=metric[1], row=row, col=1)
    fig.update_layout(height=160 + 150 * max(1, len(metrics)), legend={"y": -0.12})
    return fig


def milestone_figure(sweep: dict[str, Any], term: PaybackTerm) -> go.Figure:
    """Bars: share of samples whose milestone (`gigawatt.econ.payback`) falls in each year;
    line: cumulative share by each year end; the share that never gets there within the
    horizon in the legend (the quantiles count it: a median is never when > 50% never do)."""
    distribution = sweep["milestones"][term.key]
    by_year = distribution["share_by_year"]
    years = list(by_year)
    shares = [100 * by_year[y] for y in years]
    cumulative: list[float] = []
    running = 0.0
    for share in shares:
        running += share
        cumulative.append(running)
    label = term.label.lower()
    median = month_text(distribution["quantiles"]["p50"], distribution.get("horizon_end"))
    fig = go.Figure()
    fig.add_bar(x=years, y=shares, name=f"{label} in the year", hovertemplate="%{x}: %{y:.1f}%")
    fig.add_trace(
        go.Scatter(
            x=years,
            y=cumulative,
            name=(
                f"{label} by the year end (never: {100 * distribution['share_never']:.0f}%; "
                f"median {median})"
            ),
            mode="lines+markers",
            line={"color": "black"},
            hovertemplate="by end of %{x}: %{y:.1f}%",
        )
    )
    fig.update_layout(hovermode="x unified")
    fig.update_yaxes(range=[0, 105])
    fig.update_xaxes(type="category")
    return _style(fig, milestone_title(term), "Year", "Samples (%)")


def milestone_title(term: PaybackTerm) -> str:
    """The title of a milestone's sweep chart."""
    return f"Sweep: share of samples reaching '{term.label}' by each year end (cumulative %)"


def tornado_figure(sweep: dict[str, Any]) -> go.Figure:
    """Horizontal bars per input: NPV change from the median sample's NPV with the input at
    its p10 and at its p90 (others at their medians); largest swing on top."""
    rows = list(reversed(sweep["tornado_npv"]))
    base = sweep.get("median_sample_npv_usd") or 0.0
    names = [str(r["input"]) for r in rows]
    fig = go.Figure()
    for key, label in (("npv_at_low_usd", "input at p10"), ("npv_at_high_usd", "input at p90")):
        fig.add_bar(
            y=names,
            x=[(r[key] - base) / 1e9 for r in rows],
            name=label,
            orientation="h",
            hovertemplate=f"%{{y}} {label}: %{{x:+,.2f}} $B NPV<extra></extra>",
        )
    fig.update_layout(barmode="overlay")
    fig = _style(fig, TORNADO_TITLE, "NPV change vs the median sample (USD billions)", "Input")
    fig.update_layout(height=max(360, 120 + 30 * len(names)), margin={"l": 220})
    return fig


def build_sweep_figures(sweep: dict[str, Any]) -> list[go.Figure]:
    """The sweep's charts in report order (the tornado only when the sweep has one)."""
    figures = [fan_figure(sweep), *(milestone_figure(sweep, term) for term in TERMS)]
    if sweep.get("tornado_npv"):
        figures.append(tornado_figure(sweep))
    return figures
