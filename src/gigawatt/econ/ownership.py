"""Owned vs contracted, shown apart: the economics of the owned sites and of each capacity
contract, each financed alone under the same inputs, side by side with the whole program, and
a headline saying which part carries the result.

Each part is the program's `Buildout` restricted to its sources (`part_buildout`) and run
through the same finance model, so a part's NPV, IRR and payback milestones mean exactly what
the program's do (`gigawatt.econ.payback`). A contract's part shows what it costs (its
payments, and energy for colocation), what its use is worth (its used hours at the market
price its capacity earns, `gigawatt.econ.revenue`) and at what price. Parts are taxed alone
(losses carried forward within the part), so the parts' NPVs need not add up exactly to the
program's; the difference is reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from gigawatt.econ.financials import Financials, compute_financials
from gigawatt.econ.inputs import FinanceInputs
from gigawatt.econ.payback import TERMS
from gigawatt.econ.revenue import reference_prices
from gigawatt.plan.buildout import Buildout

OWNED = "owned"


def part_buildout(buildout: Buildout, sources: set[str]) -> Buildout:
    """`buildout` keeping only the sites and contracts in `sources` (same months)."""
    return replace(
        buildout,
        phases=[p for p in buildout.phases if p.site_id in sources],
        timeline=[r for r in buildout.timeline if r.source_id in sources],
        capex=[e for e in buildout.capex if e.site_id in sources],
        jobs=[j for j in buildout.jobs if j.site_id in sources],
        findings=[f for f in buildout.findings if f.site_id in sources],
    )


def contract_ids(buildout: Buildout) -> list[str]:
    """The capacity contracts of the plan, in timeline order."""
    seen: dict[str, None] = {}
    for row in buildout.timeline:
        if row.ownership == "contracted":
            seen.setdefault(row.source_id, None)
    return list(seen)


def owned_ids(buildout: Buildout) -> list[str]:
    """The owned sites of the plan (every site with phases)."""
    return list(dict.fromkeys(p.site_id for p in buildout.phases))


def _month(value: dt.date | None) -> str | None:
    return value.strftime("%Y-%m") if value else None


def part_summary(
    fin: Financials, sources: list[str], kind: str, price_note: dict[str, Any] | None = None
) -> dict[str, Any]:
    """JSON-ready economics of one part: costs, value, NPV, IRR, milestones."""
    costs, cash, v = fin.costs, fin.cash, fin.verdict
    hours = float(costs.accelerator_hours.sum())
    used_hours = hours * fin.inputs.utilization
    revenue = float(cash.revenue.sum())
    out: dict[str, Any] = {
        "kind": kind,
        "sources": sources,
        "capex_usd": float(costs.capex.sum()),
        "contract_payments_usd": float(costs.contract.sum()),
        "energy_usd": float(costs.energy.sum()),
        "tco_usd": float(costs.tco.sum()),
        "accelerator_hours": hours,
        "used_accelerator_hours": used_hours,
        "revenue_usd": revenue,
        "value_per_used_accelerator_hour_usd": revenue / used_hours if used_hours else None,
        "cost_per_accelerator_hour_usd": float(costs.tco.sum()) / hours if hours else None,
        "npv_usd": v.npv_usd,
        "irr": v.irr,
        **{term.key: _month(getattr(v, term.key)) for term in TERMS},
    }
    if price_note is not None:
        out["valued_at"] = price_note
    return out


def ownership_split(
    buildout: Buildout,
    inputs: FinanceInputs,
    whole: Financials,
    valuation_month: dt.date | None = None,
) -> dict[str, Any]:
    """The owned sites and each contract financed alone, the program as a whole, and which
    part carries the result (the largest NPV when the program gains; the largest loss when
    it loses)."""
    parts: list[dict[str, Any]] = []
    owned = owned_ids(buildout)
    if owned:
        fin = compute_financials(part_buildout(buildout, set(owned)), inputs, valuation_month)
        parts.append({"id": OWNED, **part_summary(fin, owned, "owned")})
    prices = reference_prices(buildout, inputs)
    for contract in contract_ids(buildout):
        part = part_buildout(buildout, {contract})
        fin = compute_financials(part, inputs, valuation_month)
        accelerators = sorted({r.accelerator for r in part.timeline})
        note = {"accelerator": ", ".join(accelerators), **prices[accelerators[0]]}
        parts.append({"id": contract, **part_summary(fin, [contract], "contract", note)})
    total_npv = whole.verdict.npv_usd
    summed = sum(p["npv_usd"] for p in parts)
    gains = total_npv > 0
    carrier = max(parts, key=lambda p: p["npv_usd"] if gains else -p["npv_usd"]) if parts else None
    return {
        "parts": parts,
        "program_npv_usd": total_npv,
        "parts_npv_sum_usd": summed,
        "interaction_usd": total_npv - summed,
        "carried_by": carrier["id"] if carrier else None,
        "headline": carried_by_text(parts, total_npv),
    }


def _b(usd: float) -> str:
    return f"-${-usd / 1e9:,.1f}B" if usd < 0 else f"+${usd / 1e9:,.1f}B"


def _name(part: dict[str, Any]) -> str:
    return "the owned sites" if part["id"] == OWNED else f"contract {part['id']}"


def carried_by_text(parts: list[dict[str, Any]], program_npv_usd: float) -> str:
    """One sentence: which part carries the program's NPV (the largest gain when the program
    gains, the largest loss when it loses), and what the others are worth alone."""
    if not parts:
        return "Nothing is owned or contracted."
    if len(parts) == 1:
        return f"All of the result is {_name(parts[0])}: NPV {_b(program_npv_usd)}."
    gains = program_npv_usd > 0
    ranked = sorted(parts, key=lambda p: -p["npv_usd"] if gains else p["npv_usd"])
    top, rest = ranked[0], ranked[1:]
    others = "; ".join(f"{_name(p)} alone {_b(p['npv_usd'])}" for p in rest)
    verb = "carry" if top["id"] == OWNED else "carries"
    what = "the result" if gains else "the loss"
    name = _name(top)
    return (
        f"{name[0].upper()}{name[1:]} {verb} {what}: NPV {_b(top['npv_usd'])} of the "
        f"program's {_b(program_npv_usd)} ({others})."
    )
