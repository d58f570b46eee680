"""Simulation charts (Plotly), built from a scenario replay's tables: the columns of
``series.csv`` (`gigawatt.outputs.replay.series_columns`: ``time_s``, ``queue_length``,
``busy:<site>:<type>``, ``online:<site>:<type>``, ``tenant:<name>``) and the replay summary
(`gigawatt.sim.replay_summary.ReplaySummary` as a dict); for the queue by tenant, the
``tenant``, ``arrival_s`` and ``start_s`` columns of ``jobs.csv``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

DAY_S = 86_400.0

UTILIZATION_TITLE = "Utilization over time by site and accelerator type (busy / online, %)"
TENANT_USE_TITLE = "Accelerators in use by tenant over time"
QUEUE_TITLE = "Jobs waiting in the queue over time, by tenant"
WAIT_TITLE = "Waiting time by tenant: median, 95th and 99th percentile (hours)"


def _style(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    fig.update_layout(
        title={"text": title},
        xaxis_title=x_title,
        yaxis_title=y_title,
        template="plotly_white",
        height=420,
        margin={"l": 80, "r": 30, "t": 60, "b": 60},
        legend={"orientation": "h", "y": -0.22},
    )
    return fig


#: Qualitative colours; a tenant keeps its colour in every chart (`tenant_colors`).
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip


def tenant_colors(names: Sequence[str]) -> dict[str, str]:
    """One colour per tenant, by the tenants' sorted names, the same in every chart."""
    return {name: PALETTE[k % len(PALETTE)] for k, name in enumerate(sorted(set(names)))}


def series_tenants(series: dict[str, list[float]]) -> list[str]:
    """The tenants of a series table (its ``tenant:<name>`` columns)."""
    return [c.removeprefix("tenant:") for c in series if c.startswith("tenant:")]


def time_axis(
    series: dict[str, list[float]], start: dt.date | None = None
) -> tuple[list[Any], str]:
    """The x values of a series and their axis title: calendar dates from the program start
    when it is given (as the plan's charts, in calendar months), else days since the start."""
    if start is None:
        return [t / DAY_S for t in series["time_s"]], "Days since program start"
    origin = dt.datetime(start.year, start.month, start.day)
    return [
        (origin + dt.timedelta(seconds=t)).strftime("%Y-%m-%d %H:%M") for t in series["time_s"]
    ], "Date"


def utilization_figure(series: dict[str, list[float]], start: dt.date | None = None) -> go.Figure:
    """Per (site, type) group and for the fleet: busy / online accelerators at each sample,
    in percent; a group is left out until it has accelerators online."""
    days, x_title = time_axis(series, start)
    groups = [c.removeprefix("busy:") for c in series if c.startswith("busy:")]
    fig = go.Figure()
    busy_total = [0.0] * len(days)
    online_total = [0.0] * len(days)
    for group in groups:
        busy, online = series[f"busy:{group}"], series[f"online:{group}"]
        if not any(online):
            continue
        for k in range(len(days)):
            busy_total[k] += busy[k]
            online_total[k] += online[k]
        fig.add_trace(
            go.Scatter(
                x=days,
                y=[100 * b / o if o else None for b, o in zip(busy, online, strict=True)],
                name=group.replace(":", " "),
                mode="lines",
                hovertemplate="%{y:.1f}%",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=days,
            y=[100 * b / o if o else None for b, o in zip(busy_total, online_total, strict=True)],
            name="fleet",
            mode="lines",
            line={"color": "black", "width": 3},
            hovertemplate="%{y:.1f}%",
        )
    )
    fig.update_layout(hovermode="x unified")
    fig.update_yaxes(range=[0, 105])
    return _style(fig, UTILIZATION_TITLE, x_title, "Utilization (%)")


def tenant_use_figure(series: dict[str, list[float]], start: dt.date | None = None) -> go.Figure:
    """Stacked: accelerators busy with each tenant's jobs at each sample."""
    days, x_title = time_axis(series, start)
    colors = tenant_colors(series_tenants(series))
    fig = go.Figure()
    for name in series_tenants(series):
        fig.add_trace(
            go.Scatter(
                x=days,
                y=series[f"tenant:{name}"],
                name=name,
                stackgroup="tenants",
                mode="lines",
                line={"color": colors[name]},
                hovertemplate="%{y:,.0f} accelerators",
            )
        )
    fig.update_layout(hovermode="x unified")
    return _style(fig, TENANT_USE_TITLE, x_title, "Accelerators busy")


def queue_by_tenant(
    time_s: Sequence[float],
    tenant: Sequence[str],
    arrival_s: Sequence[float],
    start_s: Sequence[float],
) -> dict[str, list[int]]:
    """Jobs waiting per tenant at each sample time: arrived by then and not yet started
    (never started counts as waiting). Summed over tenants this is the series' queue_length."""
    times = np.asarray(time_s, dtype=float)
    names = np.asarray(tenant)
    arrival = np.asarray(arrival_s, dtype=float)
    start = np.asarray(start_s, dtype=float)
    start = np.where(np.isnan(start), np.inf, start)
    waiting: dict[str, list[int]] = {}
    for name in dict.fromkeys(names.tolist()):
        mine = names == name
        arrived = np.searchsorted(np.sort(arrival[mine]), times, side="right")
        started = np.searchsorted(np.sort(start[mine]), times, side="right")
        waiting[str(name)] = (arrived - started).tolist()
    return waiting


def queue_figure(
    series: dict[str, list[float]],
    by_tenant: dict[str, list[int]] | None = None,
    start: dt.date | None = None,
) -> go.Figure:
    """Jobs waiting at each sample: stacked by tenant when the jobs table is given, else the
    series' total."""
    days, x_title = time_axis(series, start)
    fig = go.Figure()
    if by_tenant:
        colors = tenant_colors([*series_tenants(series), *by_tenant])
        for name, values in by_tenant.items():
            fig.add_trace(
                go.Scatter(
                    x=days,
                    y=values,
                    name=name,
                    stackgroup="queue",
                    mode="lines",
                    line={"color": colors[name]},
                    hovertemplate="%{y:,.0f} jobs waiting",
                )
            )
    else:
        fig.add_trace(
            go.Scatter(
                x=days,
                y=series["queue_length"],
                name="all tenants",
                mode="lines",
                hovertemplate="%{y:,.0f} jobs waiting",
            )
        )
    fig.update_layout(hovermode="x unified")
    return _style(fig, QUEUE_TITLE, x_title, "Jobs waiting")


def wait_figure(summary: dict[str, Any]) -> go.Figure:
    """Grouped bars per tenant: wait p50, p95, p99 in hours (from the replay summary)."""
    tenants = summary["tenants"]
    names = [t["tenant"] for t in tenants]
    fig = go.Figure()
    for key, label in (("wait_p50_h", "median"), ("wait_p95_h", "p95"), ("wait_p99_h", "p99")):
        fig.add_bar(
            x=names,
            y=[t[key] for t in tenants],
            name=label,
            hovertemplate=f"%{{x}} {label}: %{{y:,.1f}} h<extra></extra>",
        )
    fig.update_layout(barmode="group")
    return _style(fig, WAIT_TITLE, "Tenant", "Waiting time (hours)")


def build_simulate_figures(
    series: dict[str, list[float]],
    summary: dict[str, Any],
    jobs: dict[str, Sequence[Any]] | None = None,
    start: dt.date | None = None,
) -> list[go.Figure]:
    """The simulation charts in report order; `jobs` (columns of jobs.csv) splits the queue
    by tenant; `start` (the program start) puts calendar dates on the time axes."""
    by_tenant = (
        queue_by_tenant(series["time_s"], jobs["tenant"], jobs["arrival_s"], jobs["start_s"])
        if jobs is not None
        else None
    )
    return [
        utilization_figure(series, start),
        tenant_use_figure(series, start),
        queue_figure(series, by_tenant, start),
        wait_figure(summary),
    ]
