"""The bubble-question page (``compare.html``): scenarios side by side on revenue needed to
break even vs assumed, NPV and the payback milestones. Self-contained: plotly.js embedded once,
nothing loaded over the network. Input: `gigawatt.econ.comparison.compare_programs`."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from gigawatt.econ.payback import TERMS, month_text
from gigawatt.report.finance_charts import comparison_npv_figure, comparison_revenue_figure
from gigawatt.report.plan_report import REPORT_CSS, figure_html


def _b(usd: float | None) -> str:
    return "-" if usd is None else f"{usd / 1e9:,.1f}"


def comparison_table_html(comparison: dict[str, Any]) -> str:
    """One row per scenario and target year: needed, assumed, gap (USD billions a year), with
    NPV, IRR and the payback milestones; a year outside the horizon shows its note instead."""
    rows = []
    for p in comparison["programs"]:
        irr = "none" if p["irr"] is None else f"{100 * p['irr']:.1f}%"
        for r in p["revenue_needed_to_break_even"]:
            if r["revenue_needed_usd"] is None:
                numbers = f"<td colspan='3' class='warning'>{html.escape(r['note'])}</td>"
            else:
                numbers = (
                    f"<td>{_b(r['revenue_needed_usd'])}</td>"
                    f"<td>{_b(r['revenue_assumed_usd'])}</td><td>{_b(r['gap_usd'])}</td>"
                )
            rows.append(
                f"<tr><td>{html.escape(p['label'])}</td><td>{r['year']}</td>{numbers}"
                f"<td>{_b(p['npv_usd'])}</td><td>{irr}</td>"
                + "".join(
                    f"<td>{html.escape(month_text(p[t.key], p['horizon']['last_month']))}</td>"
                    for t in TERMS
                )
                + f"<td>{p['horizon']['first_month']} to {p['horizon']['last_month']}</td></tr>"
            )
    return (
        "<table><tr><th>Scenario</th><th>Break even by</th><th>Needed $B/yr</th>"
        "<th>Assumed $B/yr</th><th>Gap $B/yr</th><th>NPV $B</th><th>IRR</th>"
        + "".join(f"<th>{html.escape(t.label)}</th>" for t in TERMS)
        + "<th>Horizon</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def render_compare_report(comparison: dict[str, Any]) -> str:
    """The whole ``compare.html`` page."""
    names = ", ".join(p["name"] for p in comparison["programs"])
    charts = [
        figure_html(fig, include_plotlyjs=k == 0)
        for k, fig in enumerate(
            (comparison_revenue_figure(comparison), comparison_npv_figure(comparison))
        )
    ]
    generated = dt.date.today().isoformat()
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>gigawatt finance: comparison</title><style>{REPORT_CSS}</style></head><body>"
        "<h1>Does it pay back? Revenue needed vs assumed</h1>"
        f"<p class='muted'>gigawatt finance: {html.escape(names)}; generated {generated}. "
        "Money in nominal USD. Every number is in compare.json and in each scenario's "
        "finance.json.</p>"
        f"<p class='muted'>{html.escape(comparison['definition'])}</p>"
        f"{comparison_table_html(comparison)}{''.join(charts)}</body></html>"
    )
