"""Finance charts (Plotly), built from the finance run's tables: the rows of
``finance_monthly.csv`` (`gigawatt.econ.financials.monthly_rows`), of ``cost_by_site.csv``
(`site_month_rows`) and the finance summary (`summarize_financials`). Nothing is recomputed
beyond sums and running totals of those rows."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import plotly.graph_objects as go

from gigawatt.econ.payback import OPERATING_PROFIT, PAYBACK, TERMS, month_text

BILLION = 1e9

#: Titles, in report order; the e2e test checks each appears in report.html.
COST_BY_SITE_TITLE = "Cost per accelerator-hour by site and contract, over the horizon (USD)"
COST_BY_SITE_MONTH_TITLE = "Cost per accelerator-hour by site and month, all-in (USD)"
PNL_TITLE = "Yearly P&L and cash flow: revenue, costs, net income, free cash (USD billions)"
CASH_TITLE = (
    "Cumulative free cash flow and operating income, with the first operating profit and "
    "payback months marked"
)
INCENTIVES_TITLE = "Incentives: effect of each one alone on NPV and TCO (USD billions)"
REVENUE_NEEDED_TITLE = (
    "Break-even revenue of a year (its opex + depreciation + interest) vs assumed"
)


def _style(fig: go.Figure, title: str, x_title: str, y_title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title},
        xaxis_title=x_title,
        yaxis_title=y_title,
        template="plotly_white",
        height=height,
        margin={"l": 80, "r": 30, "t": 60, "b": 60},
        legend={"orientation": "h", "y": -0.22},
    )
    return fig


def cost_by_site_figure(summary: dict[str, Any]) -> go.Figure:
    """Bars per site/contract: TCO per accelerator-hour all-in and at the utilization."""
    cost = summary["cost_per_accelerator_hour"]
    sources = list(cost["by_source"])
    names = [*sources, "fleet"]
    rows = [*(cost["by_source"][s] for s in sources), cost["fleet"]]
    fig = go.Figure()
    fig.add_bar(
        x=names,
        y=[r["all_in_usd_per_hour"] for r in rows],
        name="all-in (every hour available)",
        hovertemplate="%{x}: $%{y:.3f} per accelerator-hour<extra>all-in</extra>",
    )
    fig.add_bar(
        x=names,
        y=[r["at_utilization_usd_per_hour"] for r in rows],
        name=f"at {100 * cost['utilization']:.0f}% utilization (hours used)",
        hovertemplate="%{x}: $%{y:.3f} per used accelerator-hour<extra>at utilization</extra>",
    )
    fig.update_layout(barmode="group")
    return _style(fig, COST_BY_SITE_TITLE, "Site or contract", "USD per accelerator-hour")


def cost_by_site_month_figure(site_rows: list[dict[str, Any]]) -> go.Figure:
    """Lines per site/contract: all-in cost per accelerator-hour each month it has hours."""
    series: dict[str, tuple[list[str], list[float]]] = defaultdict(lambda: ([], []))
    for row in site_rows:
        months, values = series[row["source_id"]]
        months.append(row["month"])
        values.append(row["cost_per_accelerator_hour_usd"])
    fig = go.Figure()
    for source, (months, values) in sorted(series.items()):
        fig.add_trace(
            go.Scatter(
                x=months,
                y=values,
                name=source,
                mode="lines",
                hovertemplate="$%{y:.2f}/h",
            )
        )
    fig.update_layout(hovermode="x unified")
    # Early months of a site carry a whole capital charge over few hours: cap the axis so the
    # steady state stays readable (hover still shows the real value).
    steady = sorted(v for _, values in series.values() for v in values)
    if steady:
        fig.update_yaxes(range=[0, 1.15 * steady[int(0.95 * (len(steady) - 1))]])
    return _style(fig, COST_BY_SITE_MONTH_TITLE, "Month", "USD per accelerator-hour")


def yearly_pnl_figure(summary: dict[str, Any]) -> go.Figure:
    """Grouped bars per year: revenue, opex, net income, capex; line: free cash flow."""
    years = list(summary["yearly"])
    rows = [summary["yearly"][y] for y in years]
    fig = go.Figure()
    for key, label in (
        ("revenue", "revenue"),
        ("opex", "operating costs"),
        ("net_income", "net income"),
        ("capex", "capex"),
    ):
        fig.add_bar(
            x=years,
            y=[r[key] / BILLION for r in rows],
            name=label,
            hovertemplate=f"{label}: $%{{y:,.2f}}B<extra></extra>",
        )
    fig.add_trace(
        go.Scatter(
            x=years,
            y=[r["free_cash_flow"] / BILLION for r in rows],
            name="free cash flow",
            mode="lines+markers",
            line={"color": "black"},
            hovertemplate="free cash flow: $%{y:,.2f}B<extra></extra>",
        )
    )
    fig.update_layout(barmode="group", hovermode="x unified")
    return _style(fig, PNL_TITLE, "Year", "USD billions")


def cumulative_cash_figure(monthly: list[dict[str, Any]], summary: dict[str, Any]) -> go.Figure:
    """Cumulative free cash flow (running sum of the monthly rows) and monthly operating
    income, with vertical markers at the verdict's milestones (`gigawatt.econ.payback`)."""
    months = [r["month"] for r in monthly]
    cash, income = [], []
    total_cash = 0.0
    for r in monthly:
        total_cash += r["free_cash_flow_usd"]
        cash.append(total_cash / BILLION)
        income.append(r["operating_income_usd"] / BILLION)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=months,
            y=cash,
            name="cumulative free cash flow",
            mode="lines",
            line={"color": "#1f5fa8", "width": 3},
            hovertemplate="cash: $%{y:,.2f}B",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=months,
            y=income,
            name="operating income a month",
            mode="lines",
            line={"color": "#2a9d55", "dash": "dot"},
            hovertemplate="operating income: $%{y:,.2f}B",
        )
    )
    verdict = summary["verdict"]
    low, high = min(cash + income + [0.0]), max(cash + income + [0.0])
    colors = {OPERATING_PROFIT.key: "#2a9d55", PAYBACK.key: "#1f5fa8"}
    for term in TERMS:
        key, label, color = term.key, term.label.lower(), colors.get(term.key, "#555")
        month = verdict.get(key)
        if month and month in months:
            value = cash[months.index(month)] if key == PAYBACK.key else 0.0
            fig.add_trace(
                go.Scatter(
                    x=[month, month],
                    y=[low, high],
                    name=f"{label} {month}",
                    mode="lines",
                    line={"color": color, "dash": "dash", "width": 1},
                    hovertemplate=f"{label} {month}<extra></extra>",
                )
            )
            fig.add_annotation(
                x=month,
                y=value if key == PAYBACK.key else high,
                text=f"{label} {month}",
                showarrow=True,
                arrowhead=2,
                ax=40,
                ay=-30 if key == PAYBACK.key else 20,
            )
    fig.add_hline(y=0, line={"color": "#999", "width": 1})
    fig.update_layout(hovermode="x unified")
    return _style(fig, CASH_TITLE, "Month", "Cumulative USD billions")


def incentives_figure(summary: dict[str, Any]) -> go.Figure:
    """Horizontal bars per incentive: NPV effect and TCO effect of having it (alone)."""
    effects = summary["incentives"]
    names = [
        f"{e['incentive'].replace('_', ' ')} ({'in scenario' if e['enabled'] else 'not taken'})"
        for e in effects
    ]
    fig = go.Figure()
    fig.add_bar(
        y=names,
        x=[e["npv_effect_usd"] / BILLION for e in effects],
        orientation="h",
        name="NPV effect (positive = worth more)",
        hovertemplate="NPV %{x:+,.2f} $B<extra></extra>",
    )
    fig.add_bar(
        y=names,
        x=[e["tco_effect_usd"] / BILLION for e in effects],
        orientation="h",
        name="TCO effect (negative = costs less)",
        hovertemplate="TCO %{x:+,.2f} $B<extra></extra>",
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(automargin=True)
    return _style(fig, INCENTIVES_TITLE, "Effect, USD billions", "Incentive")


def revenue_needed_figure(summary: dict[str, Any]) -> go.Figure:
    """Grouped bars per target year: revenue a year needed to break even vs assumed."""
    needs = summary["revenue_needed_to_break_even"]
    years = [str(n["year"]) for n in needs]
    fig = go.Figure()
    fig.add_bar(
        x=years,
        y=[n["revenue_needed_usd"] / BILLION for n in needs],
        name="needed to break even",
        hovertemplate="needed: $%{y:,.1f}B/yr<extra></extra>",
    )
    fig.add_bar(
        x=years,
        y=[n["revenue_assumed_usd"] / BILLION for n in needs],
        name="assumed by the scenario",
        hovertemplate="assumed: $%{y:,.1f}B/yr<extra></extra>",
    )
    fig.update_layout(barmode="group", bargap=0.5 if len(years) < 3 else 0.2)
    fig.update_xaxes(type="category")
    return _style(fig, REVENUE_NEEDED_TITLE, "Break even by year", "Revenue, USD billions a year")


def build_finance_figures(
    monthly: list[dict[str, Any]], site_rows: list[dict[str, Any]], summary: dict[str, Any]
) -> list[go.Figure]:
    """The finance charts in report order; the incentives and revenue-needed charts only when
    the summary has those items."""
    figures = [
        cost_by_site_figure(summary),
        cost_by_site_month_figure(site_rows),
        yearly_pnl_figure(summary),
        cumulative_cash_figure(monthly, summary),
    ]
    if summary["incentives"]:
        figures.append(incentives_figure(summary))
    if summary["revenue_needed_to_break_even"]:
        figures.append(revenue_needed_figure(summary))
    return figures


COMPARE_REVENUE_TITLE = (
    "Revenue needed a year to break even by 2028 / 2030 vs revenue assumed, per scenario"
)
COMPARE_NPV_TITLE = "NPV at each scenario's WACC (USD billions)"


def comparison_revenue_figure(comparison: dict[str, Any]) -> go.Figure:
    """Grouped bars on a (scenario, year) axis: revenue needed to break even that year and the
    revenue the scenario assumes, USD billions a year (`gigawatt.econ.comparison`). A year
    outside a scenario's horizon gets no bar but a text marker saying so."""
    programs = comparison["programs"]
    rows = [(p["label"], r) for p in programs for r in p["revenue_needed_to_break_even"]]
    x = [[label for label, _ in rows], [str(r["year"]) for _, r in rows]]

    def billions(key: str) -> list[float | None]:
        return [None if r[key] is None else r[key] / BILLION for _, r in rows]

    fig = go.Figure()
    fig.add_bar(
        x=x,
        y=billions("revenue_needed_usd"),
        name="needed to break even that year",
        hovertemplate="%{x}: needed $%{y:,.1f}B a year<extra></extra>",
        marker_color="#c0392b",
    )
    fig.add_bar(
        x=x,
        y=billions("revenue_assumed_usd"),
        name="assumed by the scenario",
        hovertemplate="%{x}: assumed $%{y:,.1f}B a year<extra></extra>",
        marker_color="#1f5fa8",
    )
    missing = [k for k, (_, r) in enumerate(rows) if r["revenue_needed_usd"] is None]
    horizon_end = {p["label"]: p["horizon"]["last_month"] for p in programs}
    if missing:
        fig.add_trace(
            go.Scatter(
                x=[[x[0][k] for k in missing], [x[1][k] for k in missing]],
                y=[0.0 for _ in missing],
                mode="text",
                text=[
                    f"beyond horizon (ends {horizon_end[rows[k][0]]})"
                    if rows[k][1]["status"] == "beyond_horizon"
                    else "n/a"
                    for k in missing
                ],
                textposition="top center",
                hovertext=[rows[k][1]["note"] for k in missing],
                hoverinfo="text",
                name="no number (outside the plan horizon)",
            )
        )
    fig.update_layout(barmode="group")
    return _style(
        fig, COMPARE_REVENUE_TITLE, "Scenario and break-even year", "Revenue, USD billions a year"
    )


def comparison_npv_figure(comparison: dict[str, Any]) -> go.Figure:
    """Bars: NPV of each scenario (USD billions), its payback month in the hover and label."""
    programs = comparison["programs"]
    paybacks = [month_text(p[PAYBACK.key], p["horizon"]["last_month"]) for p in programs]
    fig = go.Figure()
    fig.add_bar(
        x=[p["label"] for p in programs],
        y=[p["npv_usd"] / BILLION for p in programs],
        text=[f"{PAYBACK.label.lower()} {text}" for text in paybacks],
        textposition="outside",
        customdata=paybacks,
        hovertemplate=f"%{{x}}: NPV $%{{y:,.1f}}B; {PAYBACK.label.lower()} %{{customdata}}"
        "<extra></extra>",
        name="NPV",
        marker_color=["#2a9d55" if p["npv_usd"] >= 0 else "#c0392b" for p in programs],
    )
    fig.add_hline(y=0, line={"color": "#999", "width": 1})
    return _style(fig, COMPARE_NPV_TITLE, "Scenario", "NPV, USD billions")
