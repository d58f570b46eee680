"""The whole chain's report: headline numbers (each with the summary.json path it comes from)
and one self-contained HTML page (plotly.js embedded once, no network) with the plan,
simulation and finance charts. Charts come from the plotting module of each area:
`plan_report.build_figures`, `simulate_charts`, `finance_charts`."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go

from gigawatt.econ.payback import OPERATING_PROFIT, PAYBACK, TERMS, month_text
from gigawatt.plan.buildout import Buildout
from gigawatt.report.failure_charts import (
    gang_spread_figure,
    goodput_figure,
    interruptions_figure,
    lost_hours_figure,
    out_of_service_figure,
)
from gigawatt.report.finance_charts import (
    cost_by_site_figure,
    cost_by_site_month_figure,
    cumulative_cash_figure,
    incentives_figure,
    revenue_needed_figure,
    yearly_pnl_figure,
)
from gigawatt.report.payback_text import (
    distribution_line,
    irr_text,
    verdict_line,
    year_break_even_line,
)
from gigawatt.report.plan_report import (
    REPORT_CSS,
    build_figures,
    figure_html,
    findings_html,
    phase_table_html,
)
from gigawatt.report.simulate_charts import build_simulate_figures
from gigawatt.report.sweep_charts import build_sweep_figures


@dataclass(frozen=True)
class Headline:
    """One overview number: what it is, its value, how it reads, where it comes from in
    summary.json (`source`, a dotted path) and which inputs drive it (dotted paths too)."""

    key: str
    label: str
    value: float | str | None
    display: str
    source: str
    inputs: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value,
            "display": self.display,
            "source": self.source,
            "inputs": list(self.inputs),
        }


@dataclass
class RunTables:
    """What one `gigawatt run` produced, as the tables its files hold."""

    buildout: Buildout
    plan: dict[str, Any]
    finance: dict[str, Any]
    finance_monthly: list[dict[str, Any]]
    finance_by_site: list[dict[str, Any]]
    simulate: dict[str, Any] | None = None
    simulate_series: dict[str, list[float]] | None = None
    simulate_jobs: dict[str, Sequence[Any]] | None = None  # jobs.csv's tenant, arrival, start
    sweep: dict[str, Any] | None = None  # sweep.json of `gigawatt sweep --out <run>/sweep`
    notes: list[str] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)  # `gigawatt.questions`
    start: dt.date | None = None  # the program start: simulation charts in calendar dates


def _usd(value: float | None) -> str:
    if value is None:
        return "-"
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}${value / 1e9:,.1f}B" if value >= 1e9 else f"{sign}${value / 1e6:,.0f}M"


def run_headlines(
    plan: dict[str, Any], finance: dict[str, Any], simulate: dict[str, Any] | None
) -> list[Headline]:
    """The overview: capacity online at each year end, capex, cost per accelerator-hour,
    NPV, IRR, the payback milestones (`gigawatt.econ.payback`), incentives' effect, and (when simulated) utilization,
    queue and waits. `source` paths point into summary.json's plan/finance/simulate sections."""
    out: list[Headline] = []
    previous: tuple[int, float] | None = None
    for k, point in enumerate(plan["year_end"]):
        owned, contracted = point["owned"], point["contracted"]
        accelerators = owned["accelerators"] + contracted["accelerators"]
        it_mw = owned["it_mw"] + contracted["it_mw"]
        if accelerators == 0 or (accelerators, it_mw) == previous:
            continue  # years with no change since the previous year end (summary.json has all)
        previous = (accelerators, it_mw)
        out.append(
            Headline(
                f"capacity_{point['month']}",
                f"Online at {point['month']}",
                accelerators,
                f"{accelerators:,} acc. / {it_mw:,.0f} MW IT",
                f"plan.year_end[{k}].owned + plan.year_end[{k}].contracted",
                ("plan.sites[].phases[] (online, it_mw)", "plan.year_end[].by_source"),
            )
        )
    out.append(
        Headline(
            "capex_total_usd",
            "Capex, all categories",
            plan["capex_total_usd"],
            _usd(plan["capex_total_usd"]),
            "plan.capex_total_usd",
            ("plan.capex_by_category_usd", "plan.capex_by_year_usd"),
        )
    )
    cost = finance["cost_per_accelerator_hour"]
    fleet = cost["fleet"]
    out.append(
        Headline(
            "cost_per_accelerator_hour_usd",
            "Cost per accelerator-hour, all-in",
            fleet["all_in_usd_per_hour"],
            f"${fleet['all_in_usd_per_hour']:.2f}",
            "finance.cost_per_accelerator_hour.fleet.all_in_usd_per_hour",
            (
                "finance.cost_per_accelerator_hour.fleet.tco_usd",
                "finance.cost_per_accelerator_hour.fleet.accelerator_hours",
            ),
        )
    )
    out.append(
        Headline(
            "cost_per_used_accelerator_hour_usd",
            f"Cost per used accelerator-hour ({100 * cost['utilization']:.0f}% used)",
            fleet["at_utilization_usd_per_hour"],
            f"${fleet['at_utilization_usd_per_hour']:.2f}",
            "finance.cost_per_accelerator_hour.fleet.at_utilization_usd_per_hour",
            ("finance.cost_per_accelerator_hour.utilization", "finance.input_sources.utilization"),
        )
    )
    v = finance["verdict"]
    out.append(
        Headline(
            "npv_usd",
            f"NPV at {100 * v['wacc']:.1f}% WACC ({v['valuation_month']})",
            v["npv_usd"],
            _usd(v["npv_usd"]),
            "finance.verdict.npv_usd",
            ("finance.verdict.wacc", "finance.inputs", "finance.input_sources"),
        )
    )
    out.append(
        Headline(
            "irr",
            "IRR",
            v["irr"],
            "none" if v["irr"] is None else f"{100 * v['irr']:.1f}%",
            "finance.verdict.irr",
            ("finance.yearly[].free_cash_flow",),
        )
    )
    sources = {
        OPERATING_PROFIT.key: ("finance_monthly.csv operating_income_usd",),
        PAYBACK.key: ("finance_monthly.csv free_cash_flow_usd",),
    }
    for term in TERMS:
        out.append(
            Headline(
                term.key,
                term.label,
                v[term.key],
                month_text(v[term.key], v.get("horizon_end")),
                f"finance.verdict.{term.key}",
                sources.get(term.key, ()),
            )
        )
    ownership = finance.get("ownership")
    if ownership and ownership["parts"]:
        carrier = next(p for p in ownership["parts"] if p["id"] == ownership["carried_by"])
        out.append(
            Headline(
                "carried_by",
                "Carries the result" if v["npv_usd"] > 0 else "Carries the loss",
                ownership["carried_by"],
                f"{ownership['carried_by']} ({_usd(carrier['npv_usd'])} of {_usd(v['npv_usd'])})",
                "finance.ownership.carried_by",
                ("finance.ownership.parts[]", "finance.ownership.headline", "finance.prices"),
            )
        )
    effects = finance["incentives"]
    for enabled, label in ((True, "Incentives taken: NPV effect"), (False, "Incentives not taken")):
        chosen = [e for e in effects if e["enabled"] is enabled]
        if not chosen:
            continue
        total = sum(e["npv_effect_usd"] for e in chosen)
        out.append(
            Headline(
                "incentives_taken_npv_usd" if enabled else "incentives_not_taken_npv_usd",
                label + ("" if enabled else ": NPV they would add"),
                total,
                f"{'+' if total >= 0 else ''}{_usd(total)} ({len(chosen)})",
                "sum of finance.incentives[].npv_effect_usd where enabled is "
                + ("true" if enabled else "false"),
                tuple(f"finance.incentives[{e['incentive']}]" for e in chosen),
            )
        )
    if simulate is not None:
        out.append(
            Headline(
                "simulated_utilization",
                f"Simulated utilization ({simulate['horizon_s'] / 86_400 / 30.4375:.0f} months)",
                simulate["utilization"],
                f"{100 * simulate['utilization']:.1f}%",
                "simulate.utilization",
                ("simulate.groups[]", "simulate.settings"),
            )
        )
        out.append(
            Headline(
                "mean_queue_length",
                "Mean jobs waiting",
                simulate["mean_queue_length"],
                f"{simulate['mean_queue_length']:,.1f} (max {simulate['max_queue_length']:,})",
                "simulate.mean_queue_length",
                ("simulate/series.csv queue_length",),
            )
        )
        failures = simulate.get("failures")
        if failures is not None:
            out += _failure_headlines(failures, simulate.get("tenant_kinds", {}))
        waits = [(t["wait_p95_h"], t["tenant"]) for t in simulate["tenants"] if t["jobs"]]
        waits = [(w, t) for w, t in waits if w is not None and w == w]
        if waits:
            worst, tenant = max(waits)
            out.append(
                Headline(
                    "worst_wait_p95_h",
                    "Longest p95 wait (tenant)",
                    worst,
                    f"{worst:,.1f} h ({tenant})",
                    "max of simulate.tenants[].wait_p95_h",
                    ("simulate/jobs.csv wait_s",),
                )
            )
    return out


def _failure_headlines(failures: dict[str, Any], tenant_kinds: dict[str, str]) -> list[Headline]:
    """Interruptions, lost accelerator-hours and each training tenant's goodput."""
    out = [
        Headline(
            "failure_interruptions",
            "Job interruptions by failures",
            failures["interruptions"],
            f"{failures['interruptions']:,} ({failures['node_outages']:,} node outages)",
            "simulate.failures.interruptions",
            ("simulate.failures.causes[]", "simulate.settings.failures"),
        ),
        Headline(
            "lost_accelerator_h",
            "Accelerator-hours lost to failures",
            failures["lost_accelerator_h"],
            _hours(failures["lost_accelerator_h"]),
            "simulate.failures.lost_accelerator_h",
            (
                "simulate.failures.rolled_back_accelerator_h",
                "simulate.failures.restart_accelerator_h",
            ),
        ),
    ]
    for tenant, goodput in failures["tenant_goodput"].items():
        if "training" not in tenant_kinds.get(tenant, "") or goodput is None or goodput != goodput:
            continue
        out.append(
            Headline(
                f"goodput_{tenant}",
                f"Goodput, training tenant {tenant}",
                goodput,
                f"{100 * goodput:.1f}%",
                f"simulate.failures.tenant_goodput.{tenant}",
                ("simulate/jobs.csv run_s, lost_s", "simulate.settings.failures"),
            )
        )
    return out


def _hours(value: float) -> str:
    """Accelerator-hours, short: 56.4M, 12.3k or 950."""
    if value >= 1e6:
        return f"{value / 1e6:,.1f}M accelerator-h"
    return f"{value / 1e3:,.1f}k accelerator-h" if value >= 1e4 else f"{value:,.0f} accelerator-h"


def _cards(headlines: list[Headline]) -> str:
    body = "".join(
        f"<div class='card'><b>{html.escape(h.display)}</b><span>{html.escape(h.label)}</span></div>"
        for h in headlines
    )
    return f"<div class='cards'>{body}</div>"


def _trace_table(headlines: list[Headline]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(h.label)}</td><td>{html.escape(h.display)}</td>"
        f"<td><code>{html.escape(h.source)}</code></td>"
        f"<td><code>{html.escape(', '.join(h.inputs))}</code></td></tr>"
        for h in headlines
    )
    return (
        "<table class='trace'><tr><th>Number</th><th>Value</th><th>In summary.json</th>"
        "<th>Driven by</th></tr>" + rows + "</table>"
    )


def _incentive_table(finance: dict[str, Any]) -> str:
    def per_hour(value: float | None) -> str:
        return "-" if value is None else f"{value:+.3f}"

    rows = "".join(
        f"<tr><td>{html.escape(e['incentive'].replace('_', ' '))}</td>"
        f"<td>{'yes' if e['enabled'] else 'no'}</td>"
        f"<td>{e['npv_effect_usd'] / 1e9:+,.2f}</td><td>{e['tco_effect_usd'] / 1e9:+,.2f}</td>"
        f"<td>{e['capex_effect_usd'] / 1e9:+,.2f}</td>"
        f"<td>{per_hour(e['cost_per_accelerator_hour_effect_usd'])}</td></tr>"
        for e in finance["incentives"]
    )
    return (
        "<table><tr><th>Incentive</th><th>In scenario</th><th>NPV $B</th><th>TCO $B</th>"
        "<th>Capex $B</th><th>$/accelerator-hour</th></tr>" + rows + "</table>"
    )


def report_sections(tables: RunTables) -> list[tuple[str, str, list[go.Figure]]]:
    """(heading, HTML note, figures) per section, in page order."""
    plan_figures = build_figures(tables.buildout)
    it_by_site, acc_by_type, h100e, capex, power, workers = plan_figures
    fin = tables.finance
    sections: list[tuple[str, str, list[go.Figure]]] = [
        ("Capacity ramp by site and accelerator type", "", [it_by_site, acc_by_type, h100e]),
        ("Power and energy", "", [power]),
        ("Capex by category and month", "", [capex, workers]),
    ]
    if tables.simulate is not None and tables.simulate_series is not None:
        s = tables.simulate
        note = (
            f"<p class='muted'>Replay of the planned fleet with the scenario's tenants: "
            f"{s['jobs']:,} jobs, {s['policy']} + {s['placement']}, "
            f"{s['horizon_s'] / 86_400:,.0f} days; Jain fairness {s['jain_fairness']:.3f}.</p>"
        )
        sections.append(
            (
                "Utilization, queue and waiting by tenant (simulated)",
                note,
                build_simulate_figures(
                    tables.simulate_series, s, tables.simulate_jobs, tables.start
                ),
            )
        )
    if tables.simulate is not None:
        sections += _failure_sections(tables.simulate, tables.simulate_series, tables.start)
    sections.append(
        (
            "Cost per accelerator-hour by site",
            "",
            [cost_by_site_figure(fin), cost_by_site_month_figure(tables.finance_by_site)],
        )
    )
    sections.append(
        (
            "P&L, cash flow and payback",
            _payback_note(fin),
            [yearly_pnl_figure(fin), cumulative_cash_figure(tables.finance_monthly, fin)],
        )
    )
    if fin.get("ownership") and fin["ownership"]["parts"]:
        sections.append(("Owned vs contracted", ownership_html(fin), []))
    if fin["incentives"]:
        sections.append(("Incentives' effect", _incentive_table(fin), [incentives_figure(fin)]))
    if fin["revenue_needed_to_break_even"]:
        sections.append(
            (
                "Break-even revenue of a year vs assumed",
                _break_even_note(fin),
                [revenue_needed_figure(fin)],
            )
        )
    if tables.sweep is not None:
        sw = tables.sweep
        note = (
            f"<p class='muted'>From <code>sweep/sweep.json</code>: {sw['samples']:,} samples of "
            "the scenario's uncertain inputs (plan + finance each). P(NPV &gt; 0) = "
            f"{100 * (sw.get('probability_npv_positive') or 0):.0f}%.</p>"
            + _sweep_milestones_html(sw)
        )
        sections.append(
            ("Sweep: distribution of outcomes (fan charts)", note, build_sweep_figures(sw))
        )
    return sections


def ownership_html(finance: dict[str, Any]) -> str:
    """The owned sites and each contract financed alone, side by side with the program; the
    sentence saying which part carries the result; the price each part's hours earn."""
    ownership = finance["ownership"]
    end = finance["verdict"].get("horizon_end")

    def hour(value: float | None) -> str:
        return "-" if value is None else f"${value:,.2f}"

    rows = "".join(
        f"<tr><td>{html.escape(p['id'])}</td><td>{_usd(p['capex_usd'])}</td>"
        f"<td>{_usd(p['contract_payments_usd'])}</td><td>{_usd(p['revenue_usd'])}</td>"
        f"<td>{hour(p['value_per_used_accelerator_hour_usd'])}</td>"
        f"<td>{hour(p['cost_per_accelerator_hour_usd'])}</td><td>{_usd(p['npv_usd'])}</td>"
        f"<td>{html.escape(irr_text(p['irr']))}</td>"
        + "".join(f"<td>{html.escape(month_text(p[t.key], end))}</td>" for t in TERMS)
        + "</tr>"
        for p in ownership["parts"]
    )
    header = (
        "<tr><th>Part</th><th>Capex</th><th>Contract payments</th><th>Revenue (value of use)"
        "</th><th>Value / used h</th><th>Cost / h</th><th>NPV</th><th>IRR</th>"
        + "".join(f"<th>{html.escape(t.label)}</th>" for t in TERMS)
        + "</tr>"
    )
    prices = "".join(
        f"<li><code>{html.escape(acc)}</code>: ${p['usd_per_hour']:,.2f} an hour in "
        f"{p['reference_month']}, falling {100 * p['decline_per_year']:.0f}% a year; "
        f"{html.escape(str(p['basis']))}</li>"
        for acc, p in finance.get("prices", {}).items()
    )
    return (
        f"<p><b>{html.escape(ownership['headline'])}</b></p>"
        f"<table>{header}{rows}</table>"
        "<p class='muted'>Each part is financed alone under the program's inputs (taxed alone), "
        f"so the parts' NPVs add up to {_usd(ownership['parts_npv_sum_usd'])}, not exactly the "
        f"program's {_usd(ownership['program_npv_usd'])}. The owned part is the program without "
        "its contracts. What an hour of each accelerator is valued at:</p>"
        f"<ul class='muted'>{prices}</ul>"
    )


def questions_html(questions: list[dict[str, Any]]) -> str:
    """The seed's questions and their answers, as `gigawatt run` prints them."""
    if not questions:
        return ""
    items = "".join(
        f"<dt>{html.escape(q['question'])}</dt><dd>{html.escape(q['answer'])}"
        f" <span class='muted'>({html.escape(q['source'])})</span></dd>"
        for q in questions
    )
    return f"<h2>The questions</h2><dl class='questions'>{items}</dl>"


def _payback_note(finance: dict[str, Any]) -> str:
    """The verdict in `gigawatt finance`'s words, and what each milestone means."""
    terms = "".join(
        f"<li><b>{html.escape(t.label)}</b>: {html.escape(t.definition)}.</li>" for t in TERMS
    )
    return f"<p>{html.escape(verdict_line(finance['verdict']))}</p><ul class='muted'>{terms}</ul>"


def _sweep_milestones_html(sweep: dict[str, Any]) -> str:
    """The sweep's milestone distributions ("never" counted), in `gigawatt sweep`'s words."""
    if "milestones" not in sweep:
        return ""
    items = [
        distribution_line(term.label, sweep["milestones"][term.key])
        for term in TERMS
        if term.key in sweep["milestones"]
    ]
    if "scenario_verdict" in sweep:
        items.insert(0, "The scenario as given: " + verdict_line(sweep["scenario_verdict"]))
    return "<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in items) + "</ul>"


def _break_even_note(finance: dict[str, Any]) -> str:
    """Each target year's book break-even test, in the words `gigawatt finance` prints."""
    lines = "".join(
        f"<li>{html.escape(year_break_even_line(n))}</li>"
        for n in finance["revenue_needed_to_break_even"]
    )
    return f"<ul>{lines}</ul>"


def _failure_sections(
    s: dict[str, Any], series: dict[str, list[float]] | None, start: dt.date | None = None
) -> list[tuple[str, str, list[go.Figure]]]:
    """The failures-and-goodput section (when the replay ran with failures) and the
    fragmentation section."""
    sections: list[tuple[str, str, list[go.Figure]]] = []
    failures = s.get("failures")
    model = s.get("settings", {}).get("failures")
    if failures is not None:
        note = (
            f"<p class='muted'>Node failures and repairs drawn from the failure model "
            f"<code>{html.escape(str(model))}</code> (data/failures/). "
            f"{failures['node_outages']:,} node outages interrupted jobs "
            f"{failures['interruptions']:,} times; "
            f"{failures['lost_accelerator_h']:,.0f} accelerator-hours lost "
            f"({failures['rolled_back_accelerator_h']:,.0f} rolled back to the last checkpoint "
            f"+ {failures['restart_accelerator_h']:,.0f} waiting for restart); goodput of all "
            f"jobs {100 * (failures['goodput'] or 0):.1f}%; nodes in repair: mean "
            f"{failures['repair_nodes_mean']:,.1f}, max {failures['repair_nodes_max']:,} "
            f"({100 * failures['out_of_service_share']:.2f}% of capacity on average).</p>"
        )
        figures = [interruptions_figure(failures), lost_hours_figure(failures)]
        figures.append(goodput_figure(failures, s.get("tenant_kinds", {})))
        if series is not None and "repair_accelerators" in series:
            figures.append(out_of_service_figure(series, start))
        sections.append(("Failures and goodput (simulated)", note, figures))
    else:
        sections.append(
            (
                "Failures and goodput (simulated)",
                "<p class='muted'>The replay ran without failures (<code>--failures none</code>)"
                ": no interruptions, every job's goodput is 100%.</p>",
                [],
            )
        )
    note = (
        "<p class='muted'>Every job of this scenario asks for whole nodes (all devices of a "
        f"node, gangs of {s.get('min_job_accelerators', 0):,} accelerators or more), so no "
        "node is ever left partly used: the "
        "GPU-level fragmentation of the FGD paper (idle devices on partly used nodes that "
        "no waiting job can use) is zero by construction and not charted. What does fragment "
        "is where a gang lands: how many scale-up domains, halls and sites one job spans "
        "(a job inside one NVLink/ICI domain talks at full bandwidth; one spread over many "
        "pays the network).</p>"
        if _whole_node_jobs(s)
        else "<p class='muted'>How many scale-up domains, halls and sites one job spans.</p>"
    )
    sections.append(
        ("Fragmentation: how far gangs spread (simulated)", note, [gang_spread_figure(s)])
    )
    return sections


def _whole_node_jobs(s: dict[str, Any]) -> bool:
    """True when the replay's jobs all take whole nodes (`simulate.whole_node_jobs`, written
    by `gigawatt run` from jobs.csv's gpu_milli)."""
    return bool(s.get("whole_node_jobs", False))


def render_run_report(
    tables: RunTables, headlines: list[Headline], scenario_label: str = ""
) -> str:
    """One HTML page: overview numbers, then each section's charts, then the phase table,
    the plan's constraints and where each headline number comes from. plotly.js is embedded
    once (the first chart); the page loads nothing over the network."""
    parts: list[str] = []
    first = True
    for heading, note, figures in report_sections(tables):
        parts.append(f"<h2>{html.escape(heading)}</h2>{note}")
        for fig in figures:
            parts.append(figure_html(fig, include_plotlyjs=first))
            first = False
    name = tables.plan["name"]
    warnings = "".join(
        f"<li class='warning'>{html.escape(w)}</li>" for w in tables.finance["warnings"]
    ) + "".join(f"<li class='warning'>{html.escape(n)}</li>" for n in tables.notes)
    generated = dt.date.today().isoformat()
    simulated = "plan, simulate, finance" if tables.simulate is not None else "plan, finance"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(name)}: run</title><style>{REPORT_CSS}"
        ".trace td{text-align:left;font-size:.8rem}</style></head><body>"
        f"<h1>{html.escape(name)}</h1>"
        f"<p class='muted'>gigawatt run {html.escape(scenario_label)} ({simulated}), "
        f"{tables.plan['first_month']} to {tables.plan['last_month']}; generated {generated}. "
        "Money in nominal USD. Every number below is in summary.json.</p>"
        f"{_cards(headlines)}"
        + questions_html(tables.questions)
        + (f"<ul>{warnings}</ul>" if warnings else "")
        + "".join(parts)
        + f"<h2>Phases</h2>{phase_table_html(tables.plan)}"
        f"<h2>Plan constraints</h2>{findings_html(tables.plan)}"
        f"<h2>Where each number comes from</h2>{_trace_table(headlines)}"
        "</body></html>"
    )
