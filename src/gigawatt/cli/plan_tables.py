"""The plan's summary on the terminal (Rich tables): phases, capacity by region at year end,
capex split and jobs by region, energy, contract payments, findings. Printed on the console the
caller gives (the CLI's), so this module knows nothing of the CLI."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from gigawatt.plan.buildout import Buildout


def _gw(value: float) -> str:
    return f"{value:,.0f}"


def _ef(value: float) -> str:
    return f"{value / 1e18:,.1f}"


def titled_table(title: str, columns: list[str], left: int = 1) -> Table:
    """A table titled on the left; the first ``left`` columns left-aligned, the rest right."""
    table = Table(title=title, title_justify="left", title_style="bold")
    for k, col in enumerate(columns):
        table.add_column(col, justify="left" if k < left else "right")
    return table


def print_ramp(console: Console, summary: dict[str, Any]) -> None:
    """Announced vs feasible: the phases that move (when, what binds) and owned capacity at
    each year end on both ramps."""
    ramp = summary["ramp"]
    moved = [p for p in ramp["phases"] if p["announced"] != p["feasible"]]
    title = (
        f"Announced vs feasible ramp (this plan follows the {ramp['used']} ramp): "
        f"{len(moved)} of {len(ramp['phases'])} phases move"
    )
    if moved:
        table = titled_table(
            title, ["site/phase", "announced", "feasible", "late", "binding", "why"], left=6
        )
        for p in moved:
            table.add_row(
                f"{p['site_id']}/{p['phase']}",
                p["announced"],
                p["feasible"] or "never",
                "never" if p["delay_months"] is None else f"{p['delay_months']} mo",
                ", ".join(p["binding"]),
                "; ".join(p["reasons"]),
            )
        console.print(table)
    else:
        console.print(f"[bold]{title}[/]: no constraint moves a phase.", highlight=False)
    totals = titled_table(
        "Owned capacity online at year end: announced vs feasible",
        ["month", "IT MW announced", "IT MW feasible", "accelerators announced", "feasible"],
    )
    for point in ramp["year_end"]:
        a, f = point["announced"], point["feasible"]
        if a["accelerators"] == 0 and f["accelerators"] == 0:
            continue
        totals.add_row(
            point["month"],
            _gw(a["it_mw"]),
            _gw(f["it_mw"]),
            f"{a['accelerators']:,}",
            f"{f['accelerators']:,}",
        )
    console.print(totals)


def budget_line(summary: dict[str, Any]) -> str:
    """The budget in one line: committed, remaining, and why."""
    b = summary["budget"]
    covers = ["land and facilities"]
    if b["includes_accelerators"]:
        covers.append("IT hardware")
    if b["includes_contracts"]:
        covers.append("contract payments")
    return (
        f"Budget ${b['budget_usd'] / 1e9:,.1f}B ({', '.join(covers)}): "
        f"${b['committed_usd'] / 1e9:,.1f}B committed ({100 * (b['used_share'] or 0):.0f}%), "
        f"${b['remaining_usd'] / 1e9:,.1f}B remaining. " + "; ".join(b["why"]) + "."
    )


def jobs_lines(summary: dict[str, Any]) -> list[str]:
    """Jobs with their published ranges, and each announced figure set against them."""
    j = summary["jobs"]
    lines = [
        f"Jobs: construction peaks at {j['construction_peak']:,} workers in "
        f"{j['construction_peak_month']} ({j['construction_peak_low']:,}-"
        f"{j['construction_peak_high']:,} at the published rates); {j['permanent']:,} permanent "
        f"({j['permanent_low']:,}-{j['permanent_high']:,})."
    ]
    lines += j["reconciliation"]
    return lines


def print_budget_and_jobs(console: Console, summary: dict[str, Any]) -> None:
    """The budget line and the jobs lines."""
    console.print(budget_line(summary), highlight=False, soft_wrap=True)
    for line in jobs_lines(summary):
        console.print(line, highlight=False, soft_wrap=True)


def print_plan(console: Console, buildout: Buildout, summary: dict[str, Any]) -> None:
    """Print the Rich summary on ``console``: phases, capacity by region at year end, capex
    split, jobs, findings."""
    console.rule(f"[bold]{summary['name']}")
    phases = titled_table(
        "Phases",
        [
            "site/phase",
            "accelerator",
            "groundbreak",
            "online",
            "IT MW",
            "facility MW",
            "accelerators",
            "BF16 EFLOP/s",
            "H100e",
        ],
        left=2,
    )
    for site in summary["sites"]:
        for p in site["phases"]:
            phases.add_row(
                f"{site['site_id']}/{p['phase']}",
                p["accelerator"],
                p["construction_start"],
                p["online"],
                _gw(p["it_mw"]),
                _gw(p["facility_mw"]),
                f"{p['accelerators']:,}",
                _ef(p["flops_bf16"]),
                f"{p['h100e']:,.0f}",
            )
    console.print(phases)

    ramp = titled_table(
        "Capacity online at year end, by region (owned) and contracted",
        [
            "region",
            "month",
            "IT MW",
            "facility MW",
            "accelerators",
            "BF16 EFLOP/s",
            "FP8 EFLOP/s",
            "H100e",
        ],
        left=2,
    )
    # Years with no change since the previous year end are left out (the CSV has every month).
    for region, info in summary["regions"].items():
        previous = None
        for point in info["year_end"]:
            key = (point["accelerators"], point["it_mw"])
            if point["accelerators"] == 0 or key == previous:
                continue
            previous = key
            ramp.add_row(
                region.upper(),
                point["month"],
                _gw(point["it_mw"]),
                _gw(point["facility_mw"]),
                f"{point['accelerators']:,}",
                _ef(point["flops_bf16"]),
                _ef(point["flops_fp8"]),
                f"{point['h100e']:,.0f}",
            )
        ramp.add_section()
    seen: dict[str, tuple[int, float]] = {}
    for point in summary["year_end"]:
        for label, part in (("owned", point["owned"]), ("contracted", point["contracted"])):
            key = (part["accelerators"], part["it_mw"])
            if part["accelerators"] == 0 or seen.get(label) == key:
                continue
            seen[label] = key
            ramp.add_row(
                f"[bold]{label}",
                point["month"],
                _gw(part["it_mw"]),
                _gw(part["facility_mw"]),
                f"{part['accelerators']:,}",
                _ef(part["flops_bf16"]),
                _ef(part["flops_fp8"]),
                f"{part['h100e']:,.0f}",
            )
    console.print(ramp)

    print_ramp(console, summary)

    money = titled_table(
        "Peak power, capex by category (USD billions) and jobs, by region",
        [
            "region",
            "peak facility MW",
            "land",
            "shell",
            "electrical",
            "mechanical",
            "IT hardware",
            "network",
            "total",
            "construction jobs (peak)",
            "permanent jobs",
        ],
    )
    for region, info in summary["regions"].items():
        c = info["capex_by_category_usd"]
        money.add_row(
            region.upper(),
            _gw(info["peak_facility_mw"]),
            *(
                f"{c[k] / 1e9:,.2f}"
                for k in ("land", "shell", "electrical", "mechanical", "it_hardware", "network")
            ),
            f"{info['capex_total_usd'] / 1e9:,.2f}",
            f"{info['construction_jobs_peak']:,}",
            f"{info['permanent_jobs']:,}",
        )
    c = summary["capex_by_category_usd"]
    money.add_row(
        "[bold]all",
        "",
        *(
            f"{c[k] / 1e9:,.2f}"
            for k in ("land", "shell", "electrical", "mechanical", "it_hardware", "network")
        ),
        f"[bold]{summary['capex_total_usd'] / 1e9:,.2f}",
        f"{summary['jobs']['construction_peak']:,}",
        f"{summary['jobs']['permanent']:,}",
    )
    console.print(money)
    print_budget_and_jobs(console, summary)
    energy = summary["energy_by_year"]
    parts = [
        f"{y} {v['energy_mwh'] / 1e6:,.2f} TWh (${v['energy_cost_usd'] / 1e9:,.2f}B)"
        for y, v in energy.items()
        if v["energy_mwh"] > 0
    ]
    if parts:
        console.print("Energy, owned and colocated: " + "; ".join(parts))
    payments = summary["contract_cost_by_year_usd"]
    if payments:
        console.print(
            "Contracted capacity payments: "
            + "; ".join(f"{y} ${v / 1e9:,.2f}B" for y, v in payments.items())
        )
    if summary["findings"]:
        console.print(f"[bold]Constraints ({len(summary['findings'])}):")
        for f in summary["findings"]:
            color = "red" if f["severity"] == "error" else "yellow"
            console.print(
                f"  [{color}]{f['severity']}[/] {f['kind']}: {f['message']}", highlight=False
            )
    else:
        console.print("[green]No constraint binds.")
