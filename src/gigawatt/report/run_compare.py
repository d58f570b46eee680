"""Two runs side by side (``gigawatt compare A B``): the headline numbers of each with the
change from A to B, and the charts both runs can draw overlaid (capacity online, utilization,
queue, cumulative free cash flow, waits by tenant). Input: what `gigawatt run` or `gigawatt
simulate --out` wrote, already read into `RunOutputs` (``summary.json``, ``timeline.csv``,
``simulate/series.csv`` or ``series.csv``, ``finance_monthly.csv``); nothing is re-simulated.
One self-contained page: plotly.js embedded once, nothing fetched over the network."""

from __future__ import annotations

import datetime as dt
import html
import math
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from gigawatt.outputs.run_folder import RunOutputs
from gigawatt.report.plan_report import REPORT_CSS, figure_html
from gigawatt.report.simulate_charts import DAY_S, _style

CAPACITY_TITLE = "Accelerators online by month, owned + contracted: A vs B"
UTILIZATION_TITLE = "Fleet utilization over time (busy / online, %): A vs B"
QUEUE_TITLE = "Jobs waiting in the queue over time: A vs B"
CASH_TITLE = "Cumulative free cash flow (USD billions): A vs B"
WAIT_TITLE = "Waiting time by tenant, 95th percentile (hours): A vs B"

_COLORS = ("#1f77b4", "#d62728")


@dataclass(frozen=True)
class Metric:
    """One compared number: its value in A and B (None: that run lacks it), how it reads."""

    key: str
    label: str
    a: float | str | None
    b: float | str | None
    unit: str  # "count", "share", "usd", "hours", "month", "usd_per_hour", "number"

    @property
    def delta(self) -> float | None:
        """B - A: in months for months, in percentage points for shares, else in the unit."""
        if isinstance(self.a, str) and isinstance(self.b, str) and self.unit == "month":
            (ya, ma), (yb, mb) = (map(int, v.split("-")[:2]) for v in (self.a, self.b))
            return float((yb - ya) * 12 + mb - ma)
        if _number(self.a) and _number(self.b):
            assert isinstance(self.a, float | int) and isinstance(self.b, float | int)
            return float(self.b - self.a)
        return None

    def as_dict(self) -> dict[str, Any]:
        change = self.delta
        relative = None
        if change is not None and _number(self.a) and self.unit not in ("month", "share"):
            assert isinstance(self.a, float | int)
            relative = change / abs(self.a) if self.a else None
        return {
            "key": self.key,
            "label": self.label,
            "a": self.a,
            "b": self.b,
            "unit": self.unit,
            "delta": change,
            "delta_relative": relative,
        }


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _simulation(summary: dict[str, Any], kind: str) -> dict[str, Any] | None:
    sim = summary if kind == "simulate" else summary.get("simulate")
    return sim if isinstance(sim, dict) and "utilization" in sim else None


_UNITS = {
    "capex_total_usd": "usd",
    "npv_usd": "usd",
    "incentives_taken_npv_usd": "usd",
    "incentives_not_taken_npv_usd": "usd",
    "cost_per_accelerator_hour_usd": "usd_per_hour",
    "cost_per_used_accelerator_hour_usd": "usd_per_hour",
    "irr": "share",
    "operating_profit_month": "month",
    "payback_month": "month",
    "carried_by": "text",
    "simulated_utilization": "share",
    "mean_queue_length": "number",
    "failure_interruptions": "count",
    "lost_accelerator_h": "number",
    "worst_wait_p95_h": "hours",
}


def _metrics_of(run: RunOutputs) -> dict[str, tuple[str, float | str | None, str]]:
    """key -> (label, value, unit), from the run's headlines and its simulation summary."""
    out: dict[str, tuple[str, float | str | None, str]] = {}
    for h in run.summary.get("headlines", []):
        key = h["key"]
        unit = _UNITS.get(key, "share" if key.startswith("goodput_") else "count")
        label = h["label"]
        if key.startswith("capacity_"):
            label = f"Accelerators online at {key.removeprefix('capacity_')}"
        elif key in ("simulated_utilization", "npv_usd", "cost_per_used_accelerator_hour_usd"):
            label = label.split(" (")[0]
        out[key] = (label, h["value"], unit)
    sim = _simulation(run.summary, run.kind)
    if sim is not None:
        out.setdefault(
            "simulated_utilization", ("Simulated utilization", sim["utilization"], "share")
        )
        out.setdefault(
            "mean_queue_length", ("Mean jobs waiting", sim["mean_queue_length"], "number")
        )
        out["jain_fairness"] = (
            "Jain fairness of share / entitlement",
            sim["jain_fairness"],
            "number",
        )
        out["jobs"] = ("Jobs in the replay", sim["jobs"], "count")
        for t in sim["tenants"]:
            out[f"wait_p95_h_{t['tenant']}"] = (
                f"Wait p95 of {t['tenant']}",
                t["wait_p95_h"],
                "hours",
            )
        failures = sim.get("failures")
        if failures:
            out.setdefault("failure_interruptions", ("Job interruptions by failures",
                                                     failures["interruptions"], "count"))  # fmt: skip
            out["goodput"] = ("Goodput, all jobs", failures["goodput"], "share")
            for tenant, value in failures["tenant_goodput"].items():
                out.setdefault(f"goodput_{tenant}", (f"Goodput of {tenant}", value, "share"))
    return out


def compare_metrics(a: RunOutputs, b: RunOutputs) -> list[Metric]:
    """Every number either run has, A's order first; a number only one run has shows "-"
    for the other and no change."""
    ma, mb = _metrics_of(a), _metrics_of(b)
    keys = list(dict.fromkeys([*ma, *mb]))
    out = []
    for key in keys:
        if key in ma:
            label, value_a, unit = ma[key]
        else:
            label, _, unit = mb[key]
            value_a = None
        value_b = mb[key][1] if key in mb else None
        out.append(Metric(key, label, value_a, value_b, unit))
    return out


def show_value(value: float | str | None, unit: str) -> str:
    """A metric's value for people, in its unit ("-" when the run lacks it)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, str):
        return value
    if unit == "usd":
        return f"${value / 1e9:,.2f}B"
    if unit == "usd_per_hour":
        return f"${value:,.3f}"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


def show_delta(metric: Metric) -> str:
    """B - A for people: months, percentage points, or the unit with the relative change."""
    change = metric.delta
    if change is None:
        return "-"
    if metric.unit == "month":
        return f"{change:+.0f} months"
    if metric.unit == "share":
        return f"{100 * change:+.1f} pp"
    text = show_value(abs(change), metric.unit)
    sign = "+" if change > 0 else "-" if change < 0 else "±"
    relative = metric.as_dict()["delta_relative"]
    return f"{sign}{text}" + (f" ({100 * relative:+.1f}%)" if relative is not None else "")


def metrics_table_html(metrics: list[Metric], a: str, b: str) -> str:
    rows = "".join(
        f"<tr data-key='{html.escape(m.key)}'><td>{html.escape(m.label)}</td>"
        f"<td>{html.escape(show_value(m.a, m.unit))}</td><td>{html.escape(show_value(m.b, m.unit))}</td>"
        f"<td>{html.escape(show_delta(m))}</td></tr>"
        for m in metrics
    )
    return (
        f"<table class='compare'><tr><th>Number</th><th>A: {html.escape(a)}</th>"
        f"<th>B: {html.escape(b)}</th><th>Change B - A</th></tr>{rows}</table>"
    )


def _fleet_utilization(series: dict[str, list[float]]) -> list[float | None]:
    busy = [0.0] * len(series["time_s"])
    online = [0.0] * len(series["time_s"])
    for column, values in series.items():
        if column.startswith("busy:"):
            busy = [x + y for x, y in zip(busy, values, strict=True)]
        elif column.startswith("online:"):
            online = [x + y for x, y in zip(online, values, strict=True)]
    return [100 * x / y if y else None for x, y in zip(busy, online, strict=True)]


def _line(fig: go.Figure, k: int, label: str, x: list[Any], y: list[Any], hover: str) -> None:
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            name=f"{'AB'[k]}: {label}",
            mode="lines",
            line={"color": _COLORS[k], "dash": "solid" if k == 0 else "dash"},
            hovertemplate=hover,
        )
    )


def compare_figures(a: RunOutputs, b: RunOutputs) -> list[go.Figure]:
    """The overlaid charts both (or at least one) of the runs can draw, in page order."""
    runs = (a, b)
    figures: list[go.Figure] = []
    if any(r.capacity for r in runs):
        fig = go.Figure()
        for k, r in enumerate(runs):
            if r.capacity:
                _line(fig, k, r.label, list(r.capacity), list(r.capacity.values()),
                      "%{y:,.0f} accelerators")  # fmt: skip
        fig.update_layout(hovermode="x unified")
        figures.append(_style(fig, CAPACITY_TITLE, "Month", "Accelerators online"))
    if any(r.series for r in runs):
        fig = go.Figure()
        queue = go.Figure()
        for k, r in enumerate(runs):
            if r.series:
                days = [t / DAY_S for t in r.series["time_s"]]
                _line(fig, k, r.label, days, _fleet_utilization(r.series), "%{y:.1f}%")
                _line(queue, k, r.label, days, r.series["queue_length"], "%{y:,.0f} jobs waiting")
        fig.update_layout(hovermode="x unified")
        fig.update_yaxes(range=[0, 105])
        queue.update_layout(hovermode="x unified")
        figures.append(
            _style(fig, UTILIZATION_TITLE, "Days since program start", "Utilization (%)")
        )
        figures.append(_style(queue, QUEUE_TITLE, "Days since program start", "Jobs waiting"))
    if any(r.cash for r in runs):
        fig = go.Figure()
        for k, r in enumerate(runs):
            if r.cash:
                running, cumulative = 0.0, []
                for value in r.cash.values():
                    running += value / 1e9
                    cumulative.append(running)
                _line(fig, k, r.label, list(r.cash), cumulative, "$%{y:,.2f}B")
        fig.add_hline(y=0, line={"color": "#888", "width": 1})
        fig.update_layout(hovermode="x unified")
        figures.append(_style(fig, CASH_TITLE, "Month", "Cumulative free cash flow (USD billions)"))
    sims = [(k, _simulation(r.summary, r.kind)) for k, r in enumerate(runs)]
    if any(s is not None for _, s in sims):
        fig = go.Figure()
        for k, sim in sims:
            if sim is None:
                continue
            tenants = [t for t in sim["tenants"] if t["jobs"]]
            fig.add_bar(
                x=[t["tenant"] for t in tenants],
                y=[t["wait_p95_h"] for t in tenants],
                name=f"{'AB'[k]}: {runs[k].label}",
                marker={"color": _COLORS[k]},
                hovertemplate="%{x}: %{y:,.1f} h p95 wait<extra>" + "AB"[k] + "</extra>",
            )
        fig.update_layout(barmode="group")
        figures.append(_style(fig, WAIT_TITLE, "Tenant", "Waiting time, p95 (hours)"))
    return figures


def compare_json(a: RunOutputs, b: RunOutputs, paths: tuple[str, str]) -> dict[str, Any]:
    """``compare.json``: both runs' labels, kinds and folders, every metric with its change,
    and the titles of the charts drawn."""
    return {
        "a": {"label": a.label, "kind": a.kind, "path": paths[0]},
        "b": {"label": b.label, "kind": b.kind, "path": paths[1]},
        "metrics": [m.as_dict() for m in compare_metrics(a, b)],
        "charts": [f.layout.title.text for f in compare_figures(a, b)],
    }


def render_run_compare(a: RunOutputs, b: RunOutputs, paths: tuple[str, str]) -> str:
    """The whole ``compare.html`` page."""
    metrics = compare_metrics(a, b)
    charts = "".join(
        figure_html(fig, include_plotlyjs=k == 0) for k, fig in enumerate(compare_figures(a, b))
    )
    generated = dt.date.today().isoformat()
    missing = [
        f"{'AB'[k]} ({html.escape(r.label)}) has no {what}"
        for k, r in enumerate((a, b))
        for what, table in (
            ("plan timeline", r.capacity),
            ("simulation", r.series),
            ("finance", r.cash),
        )
        if table is None
    ]
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>gigawatt compare: {html.escape(a.label)} vs {html.escape(b.label)}</title>"
        f"<style>{REPORT_CSS}.compare td:nth-child(4){{font-weight:600}}</style></head><body>"
        f"<h1>{html.escape(a.label)} vs {html.escape(b.label)}</h1>"
        f"<p class='muted'>gigawatt compare {html.escape(paths[0])} {html.escape(paths[1])} "
        f"({a.kind} vs {b.kind}); generated {generated}. Money in nominal USD; changes are "
        "B minus A (shares in percentage points). Every number is in compare.json.</p>"
        + (f"<p class='muted'>{'; '.join(missing)}.</p>" if missing else "")
        + f"<h2>Headline numbers</h2>{metrics_table_html(metrics, a.label, b.label)}"
        f"<h2>Side by side</h2>{charts}</body></html>"
    )
