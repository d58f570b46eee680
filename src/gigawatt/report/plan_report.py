"""A self-contained HTML report of a plan (Plotly, with its JavaScript embedded: works offline)."""

from __future__ import annotations

import datetime as dt
import html
import uuid
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from gigawatt.plan.buildout import CAPEX_CATEGORIES, Buildout

REPORT_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;
color:#1d2330;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.card{background:#f4f6fa;border-radius:8px;padding:.7rem 1rem;min-width:150px}
.card b{display:block;font-size:1.3rem} .card span{font-size:.8rem;color:#555}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0} td,th{padding:.25rem .6rem;
border-bottom:1px solid #eee;text-align:right} th{background:#f4f6fa} td:first-child,th:first-child{text-align:left}
.error{color:#b00020} .warning{color:#8a5a00} .muted{color:#666;font-size:.85rem}
"""


def _fmt_usd(value: float) -> str:
    return f"${value / 1e9:,.1f}B" if abs(value) >= 1e9 else f"${value / 1e6:,.0f}M"


def _layout(fig: go.Figure, title: str, y_title: str) -> go.Figure:
    fig.update_layout(
        title={"text": title},
        xaxis_title="Month",
        yaxis_title=y_title,
        hovermode="x unified",
        template="plotly_white",
        height=420,
        margin={"l": 70, "r": 20, "t": 60, "b": 50},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def _month_series(
    buildout: Buildout, key: str, value: str
) -> tuple[list[str], dict[str, list[float]]]:
    months = [m.strftime("%Y-%m") for m in buildout.months]
    index = {m: k for k, m in enumerate(buildout.months)}
    series: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(months))
    for row in buildout.timeline:
        series[str(getattr(row, key))][index[row.month]] += float(getattr(row, value))
    return months, dict(sorted(series.items()))


def stacked_area(x: list[str], series: dict[str, list[float]], hover: str) -> go.Figure:
    """One stacked-area trace per named series (capacity ramps), with `hover` as the template."""
    fig = go.Figure()
    for name, values in series.items():
        fig.add_trace(
            go.Scatter(
                x=x, y=values, name=name, stackgroup="stack", mode="lines", hovertemplate=hover
            )
        )
    return fig


def build_figures(buildout: Buildout) -> list[go.Figure]:
    """The planner's charts, built from the buildout's tables."""
    figures: list[go.Figure] = []
    months, by_site = _month_series(buildout, "source_id", "it_mw")
    figures.append(
        _layout(
            stacked_area(months, by_site, "%{y:,.0f} MW"),
            "IT capacity online by site and contract (MW)",
            "IT power (MW)",
        )
    )
    _, by_type = _month_series(buildout, "accelerator", "accelerators")
    figures.append(
        _layout(
            stacked_area(months, by_type, "%{y:,.0f}"),
            "Accelerators online by type (owned + contracted)",
            "Accelerators",
        )
    )
    _, h100e = _month_series(buildout, "ownership", "h100e")
    figures.append(
        _layout(
            stacked_area(months, h100e, "%{y:,.0f} H100e"),
            "Compute online in H100-equivalents (8-bit OP/s basis)",
            "H100e",
        )
    )

    capex_months = sorted({e.month for e in buildout.capex})
    labels = [m.strftime("%Y-%m") for m in capex_months]
    pos = {m: k for k, m in enumerate(capex_months)}
    per_cat: dict[str, list[float]] = {c: [0.0] * len(labels) for c in CAPEX_CATEGORIES}
    for e in buildout.capex:
        per_cat[e.category][pos[e.month]] += e.usd / 1e9
    fig = go.Figure()
    for cat, values in per_cat.items():
        fig.add_trace(go.Bar(x=labels, y=values, name=cat, hovertemplate="$%{y:,.2f}B"))
    # The line is what counts against the budget, by the budget's own rules: IT hardware only
    # when it covers accelerators, contract payments when it covers contracts (the bars are
    # every capex category, the budget's or not).
    counted = dict.fromkeys(labels, 0.0)
    for e in buildout.capex:
        if buildout.budget_includes_accelerators or e.category not in ("it_hardware", "network"):
            counted[e.month.strftime("%Y-%m")] += e.usd / 1e9
    contract_months = sorted({r.month for r in buildout.timeline if r.contract_cost_usd})
    if buildout.budget_includes_contracts and contract_months:
        labels = sorted(set(labels) | {m.strftime("%Y-%m") for m in contract_months})
        counted = {m: counted.get(m, 0.0) for m in labels}
        for r in buildout.timeline:
            if r.contract_cost_usd:
                counted[r.month.strftime("%Y-%m")] += r.contract_cost_usd / 1e9
    cumulative = []
    running = 0.0
    for label in labels:
        running += counted[label]
        cumulative.append(running)
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=cumulative,
            name="cumulative against the budget"
            + (" (incl. contract payments)" if buildout.budget_includes_contracts else ""),
            yaxis="y2",
            mode="lines",
            line={"color": "black"},
            hovertemplate="$%{y:,.1f}B",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[labels[0], labels[-1]],
            y=[buildout.budget_usd / 1e9] * 2,
            name="budget",
            yaxis="y2",
            mode="lines",
            line={"color": "#b00020", "dash": "dash"},
            hovertemplate="$%{y:,.1f}B",
        )
    )
    fig.update_layout(
        barmode="stack",
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "title": "Cumulative capex (USD billions)",
            "rangemode": "tozero",
        },
    )
    figures.append(
        _layout(
            fig,
            "Capex by category and month, with cumulative spend and budget",
            "Capex per month (USD billions)",
        )
    )

    _, facility = _month_series(buildout, "source_id", "facility_mw")
    _, energy = _month_series(buildout, "source_id", "energy_mwh")
    fig = go.Figure()
    for name, values in facility.items():
        if not any(values):
            continue  # cloud contracts: the provider's power, not ours
        fig.add_trace(
            go.Scatter(
                x=months,
                y=values,
                name=f"{name} facility MW",
                stackgroup="f",
                mode="lines",
                hovertemplate="%{y:,.0f} MW",
            )
        )
    total_gwh = [sum(v[k] for v in energy.values()) / 1000 for k in range(len(months))]
    fig.add_trace(
        go.Scatter(
            x=months,
            y=total_gwh,
            name="energy GWh/month",
            yaxis="y2",
            mode="lines",
            line={"color": "black", "dash": "dot"},
            hovertemplate="%{y:,.0f} GWh",
        )
    )
    fig.update_layout(
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "title": "Energy (GWh per month)",
            "rangemode": "tozero",
        }
    )
    figures.append(
        _layout(fig, "Facility power drawn (MW) and energy per month (GWh)", "Facility power (MW)")
    )

    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=months,
            y=buildout.construction_jobs_by_month,
            name="construction workers",
            hovertemplate="%{y:,.0f} workers",
        )
    )
    figures.append(_layout(fig, "Construction workers on site per month", "Workers"))
    return figures


def _overview(summary: dict[str, Any]) -> str:
    last = summary["year_end"][-1] if summary["year_end"] else None
    cards = [
        ("Capex (all categories)", _fmt_usd(summary["capex_total_usd"])),
        ("Budget used", f"{100 * (summary['budget_used_share'] or 0):.0f}%"),
        ("Peak construction jobs", f"{summary['jobs']['construction_peak']:,}"),
        ("Permanent jobs", f"{summary['jobs']['permanent']:,}"),
    ]
    if last:
        cards.insert(0, (f"Owned IT MW ({last['month']})", f"{last['owned']['it_mw']:,.0f}"))
        cards.insert(
            1, (f"Owned accelerators ({last['month']})", f"{last['owned']['accelerators']:,}")
        )
        cards.insert(
            2,
            (
                f"Contracted accelerators ({last['month']})",
                f"{last['contracted']['accelerators']:,}",
            ),
        )
    body = "".join(
        f"<div class='card'><b>{html.escape(v)}</b><span>{html.escape(k)}</span></div>"
        for k, v in cards
    )
    return f"<div class='cards'>{body}</div>"


def phase_table_html(summary: dict[str, Any]) -> str:
    rows = []
    for site in summary["sites"]:
        for p in site["phases"]:
            rows.append(
                f"<tr><td>{html.escape(site['site_id'])}/{html.escape(p['phase'])}</td>"
                f"<td>{html.escape(p['accelerator'])}</td><td>{p['construction_start']}</td>"
                f"<td>{p['online']}</td><td>{p['it_mw']:,.0f}</td><td>{p['facility_mw']:,.0f}</td>"
                f"<td>{p['accelerators']:,}</td><td>{p['flops_bf16'] / 1e18:,.1f}</td>"
                f"<td>{p['h100e']:,.0f}</td></tr>"
            )
    return (
        "<table><tr><th>Site/phase</th><th>Accelerator</th><th>Groundbreak</th><th>Online</th>"
        "<th>IT MW</th><th>Facility MW</th><th>Accelerators</th><th>BF16 EFLOP/s</th>"
        "<th>H100e</th></tr>" + "".join(rows) + "</table>"
    )


def findings_html(summary: dict[str, Any]) -> str:
    if not summary["findings"]:
        return "<p>No constraint binds.</p>"
    items = "".join(
        f"<li class='{f['severity']}'><b>{html.escape(f['kind'])}</b>: {html.escape(f['message'])}</li>"
        for f in summary["findings"]
    )
    return f"<ul>{items}</ul>"


#: Draws the page's charts: those on screen first (as they scroll into view), then the rest
#: one at a time while the browser is idle, so the first screen of a long report shows at once
#: instead of after every chart is laid out. Each chart's figure is JSON in a
#: ``<script type="application/json" data-chart=ID>`` beside its div.
CHART_LOADER_JS = """
(function () {
  var config = {displaylogo: false, responsive: true};
  function draw(div) {
    if (div.dataset.drawn) return;
    div.dataset.drawn = "1";
    var spec = JSON.parse(document.querySelector('script[data-chart="' + div.id + '"]').textContent);
    Plotly.newPlot(div, spec.data, spec.layout, config);
  }
  function start() {
    var charts = Array.prototype.slice.call(document.querySelectorAll("div.gw-chart"));
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) { draw(e.target); seen.unobserve(e.target); } });
    }, {rootMargin: "400px"});
    charts.forEach(function (div) { seen.observe(div); });
    var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 16); };
    (function next(k) {
      if (k >= charts.length) return;
      idle(function () { draw(charts[k]); next(k + 1); });
    })(0);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
"""


#: plotly.js's basic bundle (scatter, bar, pie), vendored from npm: see assets/PROVENANCE.md.
PLOTLY_BASIC_JS = Path(__file__).with_name("assets") / "plotly-basic.min.js"
BASIC_TRACE_TYPES = frozenset({"scatter", "bar", "pie"})


@cache
def plotly_basic_js() -> str:
    """The vendored basic plotly.js bundle's source."""
    return PLOTLY_BASIC_JS.read_text(encoding="utf-8")


def figure_html(fig: go.Figure, include_plotlyjs: bool) -> str:
    """One chart as an HTML fragment: its div (sized as the figure) and its figure as JSON,
    drawn by `CHART_LOADER_JS`; plotly.js (the basic bundle, 1.2 MB instead of 4.6 MB) and the
    loader are embedded inline when asked (once a page, in the first chart's fragment).
    Raises ValueError for a trace type the basic bundle cannot draw."""
    kinds = {trace.type or "scatter" for trace in fig.data}
    if not kinds <= BASIC_TRACE_TYPES:
        raise ValueError(
            f"chart {fig.layout.title.text!r} uses {sorted(kinds - BASIC_TRACE_TYPES)}: the "
            "reports embed plotly.js's basic bundle (scatter, bar, pie) only"
        )
    chart_id = f"chart-{uuid.uuid4().hex[:12]}"
    height = fig.layout.height or 450
    spec = fig.to_json().replace("</", "<\\/")  # never close the script element early
    head = ""
    if include_plotlyjs:
        head = (
            "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
            f"<script>{plotly_basic_js()}</script><script>{CHART_LOADER_JS}</script>"
        )
    return (
        f"{head}<div id='{chart_id}' class='plotly-graph-div gw-chart' "
        f"style='height:{height}px;width:100%'></div>"
        f"<script type='application/json' data-chart='{chart_id}'>{spec}</script>"
    )


def render_plan_report(buildout: Buildout, summary: dict[str, Any]) -> str:
    """One HTML file with the overview, phase table, findings and charts; JS embedded."""
    charts = [figure_html(fig, k == 0) for k, fig in enumerate(build_figures(buildout))]
    generated = dt.date.today().isoformat()
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(buildout.name)}: plan</title><style>{REPORT_CSS}</style></head><body>"
        f"<h1>{html.escape(buildout.name)}</h1>"
        f"<p class='muted'>gigawatt plan, {summary['first_month']} to {summary['last_month']}; "
        f"generated {generated}. Money in nominal USD.</p>"
        f"{_overview(summary)}<h2>Phases</h2>{phase_table_html(summary)}"
        f"<h2>Constraints</h2>{findings_html(summary)}<h2>Charts</h2>{''.join(charts)}</body></html>"
    )
