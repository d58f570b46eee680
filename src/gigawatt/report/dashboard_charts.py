"""The live dashboard's charts (Plotly), built from the dashboard payload of
`gigawatt.service.dashboard.dashboard_state`: per (site, type) capacity, the recent history of
utilization and queue (samples kept by the service), per-tenant usage and reservations. The
payload is already aggregated (one row per site and type, per tenant, per reservation), so a
fleet of a million accelerators draws as fast as one of a hundred."""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go

FLEET_TITLE = "Fleet map: sites and accelerator types, box size = planned, color = % online now"
CAPACITY_TITLE = "Capacity by site: planned, online, busy and down now (accelerators)"
UTILIZATION_TITLE = "Live utilization by accelerator type (busy / online, %)"
QUEUE_TITLE = "Live queue of the whole fleet: jobs waiting and running"
USAGE_TITLE = "Accelerators held by running jobs, per tenant and type"
RESERVATIONS_TITLE = "Reservations calendar: accelerators held per site, by dates"


def _style(fig: go.Figure, title: str, x_title: str, y_title: str, height: int = 340) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        xaxis_title=x_title,
        yaxis_title=y_title,
        template="plotly_white",
        height=height,
        margin={"l": 70, "r": 20, "t": 50, "b": 50},
        legend={"orientation": "h", "y": -0.25},
        uirevision="keep",  # polling keeps the user's zoom and hidden traces
    )
    return fig


def fleet_figure(sites: list[dict[str, Any]]) -> go.Figure:
    """Treemap: fleet > site > accelerator type; area = planned accelerators, color = share
    online now (%), hover: planned, online, busy, down."""
    ids, labels, parents = ["fleet"], ["fleet"], [""]
    values: list[int] = [0]
    colors: list[float] = [0.0]
    custom: list[list[int]] = [[]]
    by_site: dict[str, list[dict[str, Any]]] = {}
    for row in sites:
        by_site.setdefault(row["site"], []).append(row)
    totals = {"planned": 0, "online": 0, "busy": 0, "down": 0}
    for site, rows in by_site.items():
        sums = {k: sum(r[k] for r in rows) for k in totals}
        for k in totals:
            totals[k] += sums[k]
        ids.append(site)
        labels.append(site)
        parents.append("fleet")
        values.append(sums["planned"])
        colors.append(100 * sums["online"] / sums["planned"] if sums["planned"] else 0.0)
        custom.append([sums["planned"], sums["online"], sums["busy"], sums["down"]])
        for r in rows:
            ids.append(f"{site}/{r['accelerator']}")
            labels.append(r["accelerator"])
            parents.append(site)
            values.append(r["planned"])
            colors.append(100 * r["online"] / r["planned"] if r["planned"] else 0.0)
            custom.append([r["planned"], r["online"], r["busy"], r["down"]])
    values[0] = totals["planned"]
    colors[0] = 100 * totals["online"] / totals["planned"] if totals["planned"] else 0.0
    custom[0] = [totals["planned"], totals["online"], totals["busy"], totals["down"]]
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            labels=labels,
            parents=parents,
            values=values,
            branchvalues="total",
            marker={
                "colors": colors,
                "colorscale": "Blues",
                "cmin": 0,
                "cmax": 100,
                "colorbar": {"title": {"text": "% online"}, "thickness": 12},
            },
            customdata=custom,
            texttemplate="%{label}<br>%{customdata[1]:,} of %{customdata[0]:,} online",
            hovertemplate=(
                "%{label}<br>planned %{customdata[0]:,} accelerators<br>online "
                "%{customdata[1]:,}<br>busy %{customdata[2]:,}<br>down %{customdata[3]:,}"
                "<extra></extra>"
            ),
        )
    )
    fig = _style(fig, FLEET_TITLE, "", "", height=380)
    # A label too big for its box is hidden (hover still shows it), never shrunk unreadable.
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 50, "b": 10}, uniformtext={"minsize": 11, "mode": "hide"}
    )
    return fig


def capacity_figure(sites: list[dict[str, Any]]) -> go.Figure:
    """Grouped bars per site: planned, online, busy and down accelerators now."""
    names = list(dict.fromkeys(r["site"] for r in sites))
    fig = go.Figure()
    for key, label in (
        ("planned", "planned"),
        ("online", "online"),
        ("busy", "busy"),
        ("down", "down"),
    ):
        fig.add_bar(
            x=names,
            y=[sum(r[key] for r in sites if r["site"] == s) for s in names],
            name=label,
            hovertemplate=f"%{{x}}: %{{y:,}} accelerators {label}<extra></extra>",
        )
    fig.update_layout(barmode="group")
    return _style(fig, CAPACITY_TITLE, "Site", "Accelerators")


def _times(history: list[dict[str, Any]]) -> list[str]:
    return [h["at"] for h in history]


def utilization_figure(history: list[dict[str, Any]], types: list[str]) -> go.Figure:
    """One line per accelerator type: busy / online in percent at each sample."""
    fig = go.Figure()
    for accelerator in types:
        fig.add_trace(
            go.Scatter(
                x=_times(history),
                y=[100 * h["utilization"].get(accelerator, 0.0) for h in history],
                name=accelerator,
                mode="lines+markers",
                hovertemplate="%{y:.1f}%",
            )
        )
    fig.update_layout(hovermode="x unified")
    fig.update_yaxes(range=[0, 105])
    return _style(fig, UTILIZATION_TITLE, "Time (UTC)", "Utilization (%)")


def queue_figure(history: list[dict[str, Any]]) -> go.Figure:
    """Jobs queued and running at each sample."""
    fig = go.Figure()
    for key, label in (("queued_jobs", "waiting"), ("running_jobs", "running")):
        fig.add_trace(
            go.Scatter(
                x=_times(history),
                y=[h[key] for h in history],
                name=label,
                mode="lines+markers",
                line={"shape": "hv"},
                hovertemplate=f"%{{y:,}} jobs {label}",
            )
        )
    fig.update_layout(hovermode="x unified")
    fig.update_yaxes(rangemode="tozero")
    return _style(fig, QUEUE_TITLE, "Time (UTC)", "Jobs")


def usage_figure(usage: dict[str, dict[str, int]]) -> go.Figure:
    """Stacked bars per tenant: accelerators its running jobs hold, by type."""
    tenants = sorted(usage)
    types = sorted({t for held in usage.values() for t in held})
    fig = go.Figure()
    for accelerator in types:
        fig.add_bar(
            x=tenants,
            y=[usage[t].get(accelerator, 0) for t in tenants],
            name=accelerator,
            hovertemplate=f"%{{x}}: %{{y:,}} {accelerator} held<extra></extra>",
        )
    if not types:
        fig.add_bar(
            x=tenants or ["(none)"],
            y=[0] * max(1, len(tenants)),
            name="nothing running",
            hovertemplate="%{x}: %{y} accelerators held<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    return _style(fig, USAGE_TITLE, "Tenant", "Accelerators held")


def reservations_figure(reservations: list[dict[str, Any]], now: str) -> go.Figure:
    """A calendar: one horizontal bar per active reservation from its start to its end date,
    one row per tenant and site; hover: accelerators and dates; a line marks now."""
    fig = go.Figure()
    for r in reservations:
        start = dt.date.fromisoformat(r["start_date"])
        end = dt.date.fromisoformat(r["end_date"])
        row = f"{r.get('tenant', '')} {r['site']}".strip()
        fig.add_trace(
            go.Bar(
                y=[row],
                x=[(end - start).days * 86_400_000],
                base=[start.isoformat()],
                orientation="h",
                name=f"{r['accelerators']:,} {r['accelerator']}",
                showlegend=False,
                customdata=[[r["accelerators"], r["accelerator"], r["start_date"], r["end_date"]]],
                hovertemplate=(
                    "%{y}: %{customdata[0]:,} %{customdata[1]}<br>%{customdata[2]} to "
                    "%{customdata[3]}<extra></extra>"
                ),
            )
        )
    if not reservations:
        fig.add_trace(
            go.Scatter(
                x=[now[:10]],
                y=["(no reservations)"],
                mode="markers",
                name="no reservations",
                hovertemplate="%{x}: no reservations<extra></extra>",
            )
        )
    today = dt.date.fromisoformat(now[:10])
    first = min(
        [
            today - dt.timedelta(days=7),
            *(dt.date.fromisoformat(r["start_date"]) for r in reservations),
        ]
    )
    last = max(
        [
            today + dt.timedelta(days=30),
            *(dt.date.fromisoformat(r["end_date"]) for r in reservations),
        ]
    )
    fig.add_vline(x=now[:10], line={"color": "#b00020", "dash": "dot"})
    fig.update_xaxes(type="date", range=[first.isoformat(), last.isoformat()])
    return _style(fig, RESERVATIONS_TITLE, "Date", "Tenant and site")


def build_dashboard_figures(state: dict[str, Any]) -> dict[str, go.Figure]:
    """Every dashboard chart from one payload, by the id of the element it draws into."""
    types = list(state["utilization"])
    return {
        "fleet": fleet_figure(state["sites"]),
        "capacity": capacity_figure(state["sites"]),
        "utilization": utilization_figure(state["history"], types),
        "queue": queue_figure(state["history"]),
        "usage": usage_figure(state["usage"]),
        "reservations": reservations_figure(state["reservations"], state["at"]),
    }
