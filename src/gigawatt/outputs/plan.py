"""A plan's tables: ``timeline.csv`` (capacity, power, energy per source and month) and
``capex.csv`` (the capex ledger)."""

from __future__ import annotations

from pathlib import Path

from gigawatt.outputs.files import write_csv_atomic
from gigawatt.plan.buildout import Buildout

TIMELINE_HEADER = (
    "month",
    "source_id",
    "ownership",
    "accelerator",
    "it_mw",
    "facility_mw",
    "accelerators",
    "flops_bf16",
    "flops_fp8",
    "h100e",
    "energy_mwh",
    "energy_cost_usd",
    "contract_cost_usd",
)
CAPEX_HEADER = ("month", "site_id", "phase", "category", "usd")


def write_plan_tables(out: Path, buildout: Buildout) -> list[Path]:
    """Write the plan's tables, timeline.csv and capex.csv, into `out`; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    timeline = out / "timeline.csv"
    write_csv_atomic(
        timeline,
        TIMELINE_HEADER,
        (
            (
                r.month.strftime("%Y-%m"),
                r.source_id,
                r.ownership,
                r.accelerator,
                f"{r.it_mw:.3f}",
                f"{r.facility_mw:.3f}",
                r.accelerators,
                f"{r.flops_bf16:.6g}",
                f"{r.flops_fp8:.6g}",
                f"{r.h100e:.1f}",
                f"{r.energy_mwh:.1f}",
                f"{r.energy_cost_usd:.0f}",
                f"{r.contract_cost_usd:.0f}",
            )
            for r in buildout.timeline
        ),
    )
    capex = out / "capex.csv"
    write_csv_atomic(
        capex,
        CAPEX_HEADER,
        (
            (e.month.strftime("%Y-%m"), e.site_id, e.phase, e.category, f"{e.usd:.0f}")
            for e in buildout.capex
        ),
    )
    return [timeline, capex]
