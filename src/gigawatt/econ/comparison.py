"""The bubble question: several programs side by side on the revenue each needs a year to break
even by a given year, next to the revenue it assumes, plus NPV and the payback milestones.

Pure: finance summaries (`summarize_financials`) in, a JSON-ready dict out. Every number is
copied from a summary, nothing is recomputed, so ``compare.json`` equals ``finance --json``.

"Revenue needed to break even by year Y" is `gigawatt.econ.cashflow.revenue_needed`: the
revenue year Y must bring for that year's book P&L to reach zero pre-tax income (its opex +
depreciation + interest). It exists only for calendar years wholly inside the plan horizon;
for any other year the entry says why (``status``) and carries no number: a plan that ends in
2029-12 has no 2030 costs to cover, and extrapolating them would invent a figure.
"""

from __future__ import annotations

from typing import Any

from gigawatt.econ.payback import TERMS

#: What one "revenue needed" entry means, written into compare.json.
DEFINITION = (
    "revenue_needed_usd for year Y: revenue that calendar year needs for its book P&L to "
    "break even (pre-tax income 0 = opex + depreciation + interest of year Y); "
    "revenue_assumed_usd: the revenue the scenario assumes that year. Only years wholly "
    "inside the plan horizon have numbers; other years say why in status and note."
)


def _year_status(year: int, first_month: str, last_month: str) -> tuple[str, str]:
    """(status, note) of a target year against a horizon given as YYYY-MM strings."""
    first_year, first_m = int(first_month[:4]), int(first_month[5:7])
    last_year, last_m = int(last_month[:4]), int(last_month[5:7])
    if year > last_year or (year == last_year and last_m < 12):
        return (
            "beyond_horizon",
            f"the plan horizon ends {last_month}, so {year} is not modelled; no number is given",
        )
    if year < first_year or (year == first_year and first_m > 1):
        return (
            "before_horizon",
            f"the plan horizon starts {first_month}, so {year} is not a whole modelled year",
        )
    return ("in_horizon", "")


def target_years(summaries: list[dict[str, Any]]) -> list[int]:
    """The break-even years asked for by any of the scenarios (finance.break_even_years)."""
    years: set[int] = set()
    for summary in summaries:
        years.update(int(y) for y in summary["inputs"]["break_even_years"])
    return sorted(years)


def compare_programs(
    summaries: list[dict[str, Any]], labels: list[str] | None = None
) -> dict[str, Any]:
    """Side-by-side read-out of finance `summaries` (one per scenario; `labels`, e.g. the
    scenario file names, default to the program names). Money in nominal USD."""
    years = target_years(summaries)
    programs = []
    for k, summary in enumerate(summaries):
        horizon = summary["horizon"]
        needed = {int(n["year"]): n for n in summary["revenue_needed_to_break_even"]}
        rows = []
        for year in years:
            status, note = _year_status(year, horizon["first_month"], horizon["last_month"])
            found = needed.get(year)
            if found is None and status == "in_horizon":
                status, note = "not_computed", f"{year} is not in this scenario's break_even_years"
            rows.append(
                {
                    "year": year,
                    "status": status,
                    "note": note,
                    "revenue_needed_usd": found["revenue_needed_usd"] if found else None,
                    "revenue_assumed_usd": found["revenue_assumed_usd"] if found else None,
                    "gap_usd": found["gap_usd"] if found else None,
                }
            )
        v = summary["verdict"]
        programs.append(
            {
                "label": labels[k] if labels else summary["name"],
                "name": summary["name"],
                "horizon": dict(horizon),
                "npv_usd": v["npv_usd"],
                "irr": v["irr"],
                "wacc": v["wacc"],
                "valuation_month": v["valuation_month"],
                **{term.key: v[term.key] for term in TERMS},
                "capex_usd": summary["totals_usd"]["capex"],
                "revenue_needed_to_break_even": rows,
            }
        )
    return {"years": years, "definition": DEFINITION, "programs": programs}
