"""The payback vocabulary (`gigawatt.econ.payback`) as text: the one way `gigawatt finance`,
`run`, `sweep` and the report write NPV, IRR, the milestone months and a year's break-even
test, so the same figure reads the same everywhere."""

from __future__ import annotations

from typing import Any

from gigawatt.econ.payback import TERMS, month_text


def usd_billions(usd: float | None) -> str:
    """ "$22.43B" (or "-" without a value)."""
    if usd is None:
        return "-"
    return f"-${-usd / 1e9:,.2f}B" if usd < 0 else f"${usd / 1e9:,.2f}B"


def irr_text(irr: float | None) -> str:
    """ "53.9%", or "none" when the cash flows never change sign."""
    return "none" if irr is None else f"{100 * irr:.1f}%"


def milestone_items(verdict: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) of each milestone of a finance summary's ``verdict``, in `TERMS` order."""
    end = verdict.get("horizon_end")
    return [(term.label, month_text(verdict.get(term.key), end)) for term in TERMS]


def verdict_line(verdict: dict[str, Any]) -> str:
    """One line: NPV at the WACC, IRR, then each milestone by its label."""
    milestones = "; ".join(f"{label.lower()} {text}" for label, text in milestone_items(verdict))
    return (
        f"NPV {usd_billions(verdict['npv_usd'])} at WACC {100 * verdict['wacc']:.2f}% "
        f"(valued {verdict['valuation_month']}), IRR {irr_text(verdict['irr'])}; {milestones}."
    )


def year_break_even_line(need: dict[str, Any]) -> str:
    """A year's book break-even test: the revenue it needs against the revenue assumed."""
    needed, assumed = need["revenue_needed_usd"], need["revenue_assumed_usd"]
    verdict = (
        f"covered (pre-tax income {usd_billions(assumed - needed)})"
        if assumed >= needed
        else f"short by {usd_billions(needed - assumed)}"
    )
    return (
        f"Break-even revenue of {need['year']} (its opex + depreciation + interest): "
        f"{usd_billions(needed)} needed, {usd_billions(assumed)} assumed: {verdict}."
    )


def distribution_line(label: str, distribution: dict[str, Any]) -> str:
    """A sweep milestone: median (never counts), p10-p90, the share that never reaches it."""
    q = distribution["quantiles"]
    end = distribution.get("horizon_end")
    shares = ", ".join(f"{y} {100 * s:.0f}%" for y, s in distribution["share_by_year"].items())
    return (
        f"{label}: median {month_text(q['p50'], end)} (p10 {month_text(q['p10'])}, "
        f"p90 {month_text(q['p90'])}); by year {shares or '-'}; never within the horizon "
        f"{100 * distribution['share_never']:.0f}%."
    )
