"""Read-outs of a `Buildout`: year-end milestones, capex split, energy by year, jobs.

Pure functions returning plain dicts/lists (JSON-ready), shared by the CLI, files and report.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from gigawatt.plan.buildout import CAPEX_CATEGORIES, Buildout, TimelineRow


def capacity_at(buildout: Buildout, month: dt.date) -> dict[str, Any]:
    """Capacity online in `month`, owned and contracted side by side, and per site."""
    rows = [r for r in buildout.timeline if r.month == month]

    def totals(selected: list[TimelineRow]) -> dict[str, Any]:
        by_type: dict[str, int] = defaultdict(int)
        for r in selected:
            by_type[r.accelerator] += r.accelerators
        return {
            "it_mw": sum(r.it_mw for r in selected),
            "facility_mw": sum(r.facility_mw for r in selected),
            "accelerators": sum(r.accelerators for r in selected),
            "accelerators_by_type": dict(sorted(by_type.items())),
            "flops_bf16": sum(r.flops_bf16 for r in selected),
            "flops_fp8": sum(r.flops_fp8 for r in selected),
            "h100e": sum(r.h100e for r in selected),
        }

    sources = sorted({r.source_id for r in rows})
    return {
        "month": month.strftime("%Y-%m"),
        "owned": totals([r for r in rows if r.ownership == "owned"]),
        "contracted": totals([r for r in rows if r.ownership == "contracted"]),
        "by_source": {s: totals([r for r in rows if r.source_id == s]) for s in sources},
    }


def year_end_months(buildout: Buildout) -> list[dt.date]:
    """December of every year the plan covers (or its last month for a partial year)."""
    ends: dict[int, dt.date] = {}
    for month in buildout.months:
        ends[month.year] = month
    return [ends[y] for y in sorted(ends)]


def capex_by_category(buildout: Buildout) -> dict[str, float]:
    """Total capex per category, USD."""
    totals = dict.fromkeys(CAPEX_CATEGORIES, 0.0)
    for entry in buildout.capex:
        totals[entry.category] = totals.get(entry.category, 0.0) + entry.usd
    return totals


def capex_by_year(buildout: Buildout) -> dict[int, dict[str, float]]:
    """Capex per calendar year and category, USD."""
    years: dict[int, dict[str, float]] = defaultdict(lambda: dict.fromkeys(CAPEX_CATEGORIES, 0.0))
    for entry in buildout.capex:
        years[entry.month.year][entry.category] += entry.usd
    return dict(sorted(years.items()))


def contract_cost_by_year(buildout: Buildout) -> dict[int, float]:
    """Payments for contracted capacity (cloud hours, colocation space) per calendar year, USD."""
    years: dict[int, float] = defaultdict(float)
    for r in buildout.timeline:
        if r.contract_cost_usd:
            years[r.month.year] += r.contract_cost_usd
    return dict(sorted(years.items()))


def energy_by_year(buildout: Buildout) -> dict[int, dict[str, float]]:
    """Energy drawn (MWh) and its cost (USD) per calendar year, owned and colocated sites."""
    years: dict[int, dict[str, float]] = defaultdict(
        lambda: {"energy_mwh": 0.0, "energy_cost_usd": 0.0}
    )
    for r in buildout.timeline:
        years[r.month.year]["energy_mwh"] += r.energy_mwh
        years[r.month.year]["energy_cost_usd"] += r.energy_cost_usd
    return dict(sorted(years.items()))


def peak_facility_mw(buildout: Buildout, source_id: str) -> float:
    """Largest facility power a site or contract reaches in the plan, MW."""
    per_month: dict[dt.date, float] = defaultdict(float)
    for r in buildout.timeline:
        if r.source_id == source_id:
            per_month[r.month] += r.facility_mw
    return max(per_month.values(), default=0.0)


def budget_counted_capex(buildout: Buildout) -> float:
    """Capex that the program budget has to cover, USD."""
    return sum(
        e.usd
        for e in buildout.capex
        if buildout.budget_includes_accelerators or e.category not in ("it_hardware", "network")
    )


def by_region(buildout: Buildout) -> dict[str, dict[str, Any]]:
    """Owned sites grouped by region: year-end capacity, peak facility MW, capex split, jobs."""
    site_ids = [j.site_id for j in buildout.jobs]
    regions = sorted({buildout.regions[s] for s in site_ids})
    ends = year_end_months(buildout)
    result: dict[str, dict[str, Any]] = {}
    for region in regions:
        members = [s for s in site_ids if buildout.regions[s] == region]
        rows = [r for r in buildout.timeline if r.source_id in members]
        per_month: dict[dt.date, float] = defaultdict(float)
        for r in rows:
            per_month[r.month] += r.facility_mw
        capex = dict.fromkeys(CAPEX_CATEGORIES, 0.0)
        for e in buildout.capex:
            if e.site_id in members:
                capex[e.category] += e.usd
        jobs = [j for j in buildout.jobs if j.site_id in members]
        workers = [sum(v) for v in zip(*(j.construction_by_month for j in jobs), strict=True)]
        year_end = []
        for month in ends:
            at = [r for r in rows if r.month == month]
            year_end.append(
                {
                    "month": month.strftime("%Y-%m"),
                    "it_mw": sum(r.it_mw for r in at),
                    "facility_mw": sum(r.facility_mw for r in at),
                    "accelerators": sum(r.accelerators for r in at),
                    "flops_bf16": sum(r.flops_bf16 for r in at),
                    "flops_fp8": sum(r.flops_fp8 for r in at),
                    "h100e": sum(r.h100e for r in at),
                }
            )
        result[region] = {
            "sites": members,
            "peak_facility_mw": max(per_month.values(), default=0.0),
            "capex_by_category_usd": capex,
            "capex_total_usd": sum(capex.values()),
            "construction_jobs_peak": max(workers, default=0),
            "permanent_jobs": sum(j.permanent for j in jobs),
            "year_end": year_end,
        }
    return result


def ramp_summary(buildout: Buildout) -> dict[str, Any]:
    """Announced vs feasible: each owned phase on both ramps (months late, what binds and
    why) and, at every year end, the owned capacity each ramp has online; plus which ramp the
    rest of the plan follows (``used``)."""
    phases = [
        {
            "site_id": p.site_id,
            "phase": p.phase,
            "accelerator": p.accelerator,
            "it_mw": p.it_mw,
            "accelerators": p.accelerators,
            "announced": p.announced.strftime("%Y-%m"),
            "feasible": p.feasible.strftime("%Y-%m") if p.feasible else None,
            "delay_months": (
                (p.feasible.year - p.announced.year) * 12 + p.feasible.month - p.announced.month
                if p.feasible
                else None
            ),
            "binding": list(p.binding),
            "reasons": list(p.reasons),
        }
        for p in buildout.ramp_phases
    ]

    def online(month: dt.date, feasible: bool) -> dict[str, float]:
        chosen = [
            p
            for p in buildout.ramp_phases
            if (p.feasible if feasible else p.announced) is not None
            and (p.feasible if feasible else p.announced) <= month  # type: ignore[operator]
        ]
        return {
            "it_mw": sum(p.it_mw for p in chosen),
            "facility_mw": sum(p.facility_mw for p in chosen),
            "accelerators": sum(p.accelerators for p in chosen),
            "h100e": sum(p.h100e for p in chosen),
        }

    year_end = [
        {
            "month": m.strftime("%Y-%m"),
            "announced": online(m, False),
            "feasible": online(m, True),
        }
        for m in year_end_months(buildout)
    ]
    return {
        "used": buildout.ramp,
        "phases": phases,
        "moved": sum(1 for p in phases if p["announced"] != p["feasible"]),
        "year_end": year_end,
    }


def budget_summary(buildout: Buildout) -> dict[str, Any]:
    """The budget line: what the plan commits (capex it covers, and contract payments when the
    budget covers them), what remains, and why, in words."""
    capex = budget_counted_capex(buildout)
    contracts = sum(r.contract_cost_usd for r in buildout.timeline)
    counted_contracts = contracts if buildout.budget_includes_contracts else 0.0
    committed = capex + counted_contracts
    budget = buildout.budget_usd
    remaining = budget - committed
    why: list[str] = []
    owned_it_mw = sum(p.it_mw for p in buildout.phases)
    owned_capex = sum(
        e.usd
        for e in buildout.capex
        if e.site_id in {p.site_id for p in buildout.phases}
        and (buildout.budget_includes_accelerators or e.category not in ("it_hardware", "network"))
    )
    if not buildout.budget_includes_accelerators:
        it = sum(e.usd for e in buildout.capex if e.category in ("it_hardware", "network"))
        why.append(
            f"IT hardware and network (${it / 1e9:,.1f}B) are not counted: the budget covers "
            "land and facilities only (budget_includes_accelerators: false)"
        )
    if contracts and not buildout.budget_includes_contracts:
        why.append(
            f"contract payments within the horizon (${contracts / 1e9:,.1f}B) are paid from "
            "outside the budget (budget_includes_contracts: false); with them the program "
            f"spends ${(capex + contracts) / 1e9:,.1f}B, {100 * (capex + contracts) / budget:.0f}% "
            "of the budget"
        )
    if remaining > 0:
        text = f"${remaining / 1e9:,.1f}B is not committed to any phase"
        if owned_it_mw > 0 and owned_capex > 0:
            per_mw = owned_capex / owned_it_mw
            text += (
                f": at the plan's ${per_mw / 1e6:,.1f}M of counted capex per MW of owned IT, it "
                f"would build about {remaining / per_mw:,.0f} MW more"
            )
        why.append(text)
    elif remaining < 0:
        why.append(f"the plan commits ${-remaining / 1e9:,.1f}B more than the budget")
    return {
        "budget_usd": budget,
        "includes_accelerators": buildout.budget_includes_accelerators,
        "includes_contracts": buildout.budget_includes_contracts,
        "committed_capex_usd": capex,
        "contract_payments_usd": contracts,
        "committed_usd": committed,
        "remaining_usd": remaining,
        "used_share": committed / budget if budget else None,
        "why": why,
    }


def jobs_summary(buildout: Buildout) -> dict[str, Any]:
    """Construction (peak workers on site) and permanent jobs, each with the low-high range
    of the catalog's published rates, set against what was announced, with the reason for
    any difference in words."""
    peak = max(buildout.construction_jobs_by_month, default=0)
    peak_k = buildout.construction_jobs_by_month.index(peak) if peak else None
    value, low, high = buildout.construction_workers_per_gw
    peak_month = buildout.months[peak_k].strftime("%Y-%m") if peak_k is not None else None
    construction: dict[str, int] = {
        "peak_low": round(peak * low / value) if value else peak,
        "peak_high": round(peak * high / value) if value else peak,
    }
    building_gw = peak / value if value else 0.0
    permanent: dict[str, int] = {
        "jobs": sum(j.permanent for j in buildout.jobs),
        "low": sum(j.permanent_low for j in buildout.jobs),
        "high": sum(j.permanent_high for j in buildout.jobs),
        "sites": sum(1 for j in buildout.jobs if j.permanent > 0),
    }
    notes: list[str] = []
    announced_p = buildout.announced_permanent_jobs
    if announced_p is not None:
        where = _where(announced_p, permanent["low"], permanent["high"])
        notes.append(
            f"Permanent jobs: {announced_p:,} announced; the plan gives {permanent['jobs']:,} "
            f"({permanent['low']:,}-{permanent['high']:,} at the published rates) for "
            f"{permanent['sites']} sites, each with a fixed staff plus jobs per GW: the "
            f"announcement is {where}."
        )
    announced_c = buildout.announced_construction_jobs
    if announced_c is not None and peak:
        where = _where(announced_c, construction["peak_low"], construction["peak_high"])
        needed_gw = announced_c / value if value else 0.0
        notes.append(
            f"Construction jobs: {announced_c:,} announced; the plan's peak is {peak:,} workers "
            f"in {peak_month} ({construction['peak_low']:,}-"
            f"{construction['peak_high']:,} at {low:,.0f}-{high:,.0f} per GW being built), when "
            f"{building_gw:,.2f} GW of facility is under construction at once: the announcement "
            f"is {where}"
            + (
                f" (at {value:,.0f} per GW it matches {needed_gw:,.2f} GW under construction at "
                "once: fewer builds overlapping than the plan's phases, or a count of jobs at a "
                "time rather than at the peak)."
                if announced_c < construction["peak_low"]
                else "."
            )
        )
    return {
        "construction_peak_low": construction["peak_low"],
        "construction_peak_high": construction["peak_high"],
        "construction_gw_at_peak": building_gw,
        "permanent_low": permanent["low"],
        "permanent_high": permanent["high"],
        "permanent_sites": permanent["sites"],
        "announced": {
            "permanent": announced_p,
            "construction": announced_c,
            "source": buildout.announced_source or None,
        },
        "reconciliation": notes,
    }


def _where(announced: int, low: int, high: int) -> str:
    if announced < low:
        return f"below the plan's range by {low - announced:,}"
    if announced > high:
        return f"above the plan's range by {announced - high:,}"
    return "inside the plan's range"


def summarize(buildout: Buildout) -> dict[str, Any]:
    """Everything a planner reads first, JSON-ready (numbers in the units their keys say)."""
    capex_total = sum(e.usd for e in buildout.capex)
    peak_jobs = max(buildout.construction_jobs_by_month, default=0)
    peak_k = buildout.construction_jobs_by_month.index(peak_jobs) if peak_jobs else None
    sites: list[dict[str, Any]] = []
    for jobs in buildout.jobs:
        phases = [p for p in buildout.phases if p.site_id == jobs.site_id]
        sites.append(
            {
                "site_id": jobs.site_id,
                "phases": [
                    {
                        "phase": p.phase,
                        "accelerator": p.accelerator,
                        "construction_start": p.construction_start.strftime("%Y-%m"),
                        "online": p.online.strftime("%Y-%m"),
                        "it_mw": p.it_mw,
                        "facility_mw": p.facility_mw,
                        "pue": p.pue,
                        "accelerators": p.accelerators,
                        "flops_bf16": p.flops_bf16,
                        "flops_fp8": p.flops_fp8,
                        "h100e": p.h100e,
                    }
                    for p in phases
                ],
                "peak_facility_mw": peak_facility_mw(buildout, jobs.site_id),
                "capex_usd": sum(e.usd for e in buildout.capex if e.site_id == jobs.site_id),
                "construction_jobs_peak": jobs.construction_peak,
                "construction_jobs_peak_month": (
                    jobs.construction_peak_month.strftime("%Y-%m")
                    if jobs.construction_peak_month
                    else None
                ),
                "permanent_jobs": jobs.permanent,
            }
        )
    counted = budget_counted_capex(buildout)
    budget = budget_summary(buildout)
    jobs_detail = jobs_summary(buildout)
    return {
        "name": buildout.name,
        "first_month": buildout.months[0].strftime("%Y-%m"),
        "last_month": buildout.months[-1].strftime("%Y-%m"),
        "budget_usd": buildout.budget_usd,
        "budget_includes_accelerators": buildout.budget_includes_accelerators,
        "budget_counted_capex_usd": counted,
        "budget_used_share": budget["used_share"],
        "budget": budget,
        "capex_total_usd": capex_total,
        "capex_by_category_usd": capex_by_category(buildout),
        "capex_by_year_usd": {str(y): v for y, v in capex_by_year(buildout).items()},
        "energy_by_year": {str(y): v for y, v in energy_by_year(buildout).items()},
        "contract_cost_by_year_usd": {
            str(y): v for y, v in contract_cost_by_year(buildout).items()
        },
        "contract_cost_total_usd": sum(r.contract_cost_usd for r in buildout.timeline),
        "jobs": {
            "construction_peak": peak_jobs,
            "construction_peak_month": (
                buildout.months[peak_k].strftime("%Y-%m") if peak_k is not None else None
            ),
            "permanent": sum(j.permanent for j in buildout.jobs),
            **jobs_detail,
        },
        "sites": sites,
        "regions": by_region(buildout),
        "year_end": [capacity_at(buildout, m) for m in year_end_months(buildout)],
        "ramp": ramp_summary(buildout),
        "findings": [
            {
                "kind": f.kind,
                "severity": f.severity,
                "site_id": f.site_id,
                "phase": f.phase,
                "month": f.month.strftime("%Y-%m") if f.month else None,
                "message": f.message,
            }
            for f in buildout.findings
        ],
    }
