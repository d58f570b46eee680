"""Failure, goodput and fragmentation charts (Plotly), built from a replay's tables: the
failures section of the replay summary (`gigawatt.sim.replay_summary.FailureSummary` as a dict:
``causes[]``, ``tenant_goodput``...), the ``repair_accelerators`` and ``online:<site>:<type>``
columns of ``series.csv``, and the per-tenant gang spans of the summary (``tenants[]``:
``mean_domains``, ``max_domains``, ``max_halls``, ``max_sites``). Nothing is recomputed beyond
sums and ratios of those columns."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import plotly.graph_objects as go

from gigawatt.report.simulate_charts import _style, tenant_colors, time_axis

#: Titles, in report order; the e2e and browser tests look for each in report.html.
INTERRUPTIONS_TITLE = "Job interruptions and node outages by failure cause (count)"
LOST_HOURS_TITLE = "Accelerator-hours lost to failures, by cause (rolled back + restart)"
GOODPUT_TITLE = "Goodput by tenant: useful time / time held while running (%)"
OUT_OF_SERVICE_TITLE = (
    "Nodes in repair, spares standing in for them, and capacity out of service (not covered "
    "by a spare) over time"
)
GANG_SPREAD_TITLE = "Gang spread by tenant: scale-up domains, halls and sites one job spans"


def _causes(failures: dict[str, Any]) -> list[dict[str, Any]]:
    """Causes with at least one outage, most interruptions first."""
    causes = [c for c in failures["causes"] if c["node_outages"] or c["interruptions"]]
    return sorted(causes, key=lambda c: (-c["interruptions"], -c["node_outages"]))


def interruptions_figure(failures: dict[str, Any]) -> go.Figure:
    """Grouped horizontal bars per cause: job interruptions and node outages (counts)."""
    causes = list(reversed(_causes(failures)))
    names = [c["cause"].replace("_", " ") for c in causes]
    fig = go.Figure()
    fig.add_bar(
        y=names,
        x=[c["interruptions"] for c in causes],
        name="job interruptions",
        orientation="h",
        hovertemplate="%{y}: %{x:,} job interruptions<extra></extra>",
    )
    fig.add_bar(
        y=names,
        x=[c["node_outages"] for c in causes],
        name="node outages",
        orientation="h",
        hovertemplate="%{y}: %{x:,} node outages<extra></extra>",
    )
    fig.update_layout(barmode="group")
    fig = _style(fig, INTERRUPTIONS_TITLE, "Count over the simulated months", "Failure cause")
    fig.update_layout(height=max(360, 120 + 34 * len(names)), margin={"l": 160})
    return fig


def lost_hours_figure(failures: dict[str, Any]) -> go.Figure:
    """Horizontal bars per cause, most hours on top: accelerator-hours lost (work rolled back
    to the last checkpoint plus restart time), with the total in the legend."""
    causes = sorted(_causes(failures), key=lambda c: c["lost_accelerator_h"])
    fig = go.Figure()
    fig.add_bar(
        y=[c["cause"].replace("_", " ") for c in causes],
        x=[c["lost_accelerator_h"] for c in causes],
        name=f"total {failures['lost_accelerator_h']:,.0f} accelerator-hours",
        orientation="h",
        showlegend=True,
        hovertemplate="%{y}: %{x:,.0f} accelerator-hours lost<extra></extra>",
    )
    fig = _style(fig, LOST_HOURS_TITLE, "Accelerator-hours lost", "Failure cause")
    fig.update_layout(height=max(360, 120 + 28 * len(causes)), margin={"l": 160})
    return fig


def goodput_figure(failures: dict[str, Any], tenant_kinds: dict[str, str]) -> go.Figure:
    """Bars per tenant that ran: goodput in percent; the bar's name says the tenant's kind of
    work (`tenant_kinds`: name -> e.g. "frontier_training"); the fleet's goodput as a line."""
    goodput = {
        t: v for t, v in failures["tenant_goodput"].items() if v is not None and math.isfinite(v)
    }
    names = list(goodput)
    colors = tenant_colors([*names, *tenant_kinds])
    fig = go.Figure()
    fig.add_bar(
        x=[_tenant_label(n, tenant_kinds.get(n, "")) for n in names],
        marker_color=[colors[n] for n in names],
        y=[100 * goodput[n] for n in names],
        name="tenant goodput",
        text=[f"{100 * goodput[n]:.1f}%" for n in names],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{x}: %{y:.2f}% goodput<extra></extra>",
    )
    if names and failures["goodput"] is not None and math.isfinite(failures["goodput"]):
        fig.add_hline(
            y=100 * failures["goodput"],
            line={"color": "black", "dash": "dot"},
            annotation_text=f"all jobs {100 * failures['goodput']:.1f}%",
            annotation_position="top left",
        )
    lowest = min((100 * v for v in goodput.values()), default=90.0)
    fig.update_yaxes(range=[max(0.0, math.floor(lowest / 5) * 5 - 5), 108])
    return _style(fig, GOODPUT_TITLE, "Tenant (kind of work)", "Goodput (%)")


def _tenant_label(name: str, kind: str) -> str:
    """A tenant with its kind of work, e.g. training (frontier training); just the name when
    the kind says nothing more."""
    kind = kind.replace("_", " ")
    return name if not kind or kind == name else f"{name} ({kind})"


def out_of_service_figure(
    series: dict[str, list[float]], start: dt.date | None = None
) -> go.Figure:
    """At each sample: nodes in repair and the spare nodes standing in for them (left axis),
    and the share of capacity out of service, i.e. accelerators of failed nodes no spare
    covers, over online + those (right axis, %). With enough spares the share stays at 0
    while nodes are in repair: the caption's mean nodes in repair is the first line."""
    x, x_title = time_axis(series, start)
    repair = series["repair_accelerators"]
    online = [0.0] * len(x)
    for column, values in series.items():
        if column.startswith("online:"):
            online = [a + b for a, b in zip(online, values, strict=True)]
    share = [100 * r / (o + r) if o + r > 0 else None for r, o in zip(repair, online, strict=True)]
    fig = go.Figure()
    if "repair_nodes" in series:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=series["repair_nodes"],
                name="nodes in repair",
                mode="lines",
                fill="tozeroy",
                hovertemplate="%{y:,.0f} nodes in repair",
            )
        )
    if "spares_in_use" in series:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=series["spares_in_use"],
                name="spare nodes standing in",
                mode="lines",
                line={"dash": "dash"},
                hovertemplate="%{y:,.0f} spares in use",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=share,
            name="% of capacity out of service",
            mode="lines",
            yaxis="y2",
            line={"color": "black", "width": 1},
            hovertemplate="%{y:.2f}% of capacity out of service",
        )
    )
    fig.update_layout(
        hovermode="x unified",
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "title": "Out of service (% of capacity)",
            "rangemode": "tozero",
            "tickmode": "auto",
            "tickformat": ".2f",
            "showgrid": False,
        },
    )
    return _style(fig, OUT_OF_SERVICE_TITLE, x_title, "Nodes")


def gang_spread_figure(summary: dict[str, Any]) -> go.Figure:
    """Grouped bars per tenant: mean and max scale-up domains a job spans, max halls and
    sites (from the replay summary's tenants)."""
    tenants = [t for t in summary["tenants"] if t["started"]]
    names = [t["tenant"] for t in tenants]
    fig = go.Figure()
    for key, label, unit in (
        ("mean_domains", "mean domains (multi-node jobs)", "domains"),
        ("max_domains", "max domains", "domains"),
        ("max_halls", "max halls", "halls"),
        ("max_sites", "max sites", "sites"),
    ):
        fig.add_bar(
            x=names,
            y=[t[key] for t in tenants],
            name=label,
            hovertemplate=f"%{{x}} {label}: %{{y:,.1f}} {unit}<extra></extra>",
        )
    fig.update_layout(barmode="group")
    top = max((t["max_domains"] for t in tenants), default=1)
    ticks = [m * 10**e for e in range(len(str(int(top))) + 1) for m in (1, 2, 5)]
    fig.update_yaxes(type="log", tickvals=[v for v in ticks if v <= 2 * top], tickformat=",d")
    return _style(fig, GANG_SPREAD_TITLE, "Tenant", "Spanned by one job (log scale)")
