"""A replay's summary on the terminal (Rich tables): per tenant, per site and type, failures
and MTTI by job size."""

from __future__ import annotations

import numpy as np
from rich import box
from rich.table import Table

from gigawatt.cli.console import console
from gigawatt.sim.replay_summary import ReplaySummary


def count_text(value: int) -> str:
    """A count as people read it: 1.23M, 45.6k, or the number itself below 10,000."""
    return (
        f"{value / 1e6:.2f}M"
        if value >= 1e6
        else f"{value / 1e3:.1f}k"
        if value >= 1e4
        else str(value)
    )


def hours_text(value: float) -> str:
    """Hours with one decimal below 1,000, whole above; '-' for NaN."""
    if np.isnan(value):
        return "-"
    return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"


def print_replay(summary: ReplaySummary, title: str) -> None:
    """Per tenant: jobs, waits, share vs entitlement, spans; per site and type: utilization."""
    console.print(title, highlight=False)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("tenant", no_wrap=True)
    for header in ("jobs", "done", "wait\np50 h", "wait\np95 h", "JCT\np50 h", "share",
                   "entitled", "domains"):  # fmt: skip
        table.add_column(header, justify="right", no_wrap=True)
    failures = summary.failures
    if failures is not None:
        table.add_column("goodput", justify="right", no_wrap=True)
    for t in summary.tenants:
        goodput = (
            [percent_text(failures.tenant_goodput.get(t.tenant, float("nan")))]
            if failures is not None
            else []
        )
        table.add_row(
            t.tenant,
            count_text(t.jobs),
            count_text(t.finished),
            hours_text(t.wait_p50_h),
            hours_text(t.wait_p95_h),
            hours_text(t.jct_p50_h),
            f"{t.share:.0%}",
            f"{t.entitlement:.0%}",
            str(t.max_domains),
            *goodput,
        )
    console.print(table)
    sites = Table(box=box.SIMPLE_HEAD, title_justify="left")
    for header in ("site", "accelerator", "online at end", "utilization"):
        sites.add_column(header, justify="left" if header in ("site", "accelerator") else "right")
    for g in summary.groups:
        if g.online_accelerators_end == 0 and g.utilization == 0:
            continue  # not online within the simulated months
        sites.add_row(
            g.site, g.accelerator, f"{g.online_accelerators_end:,.0f}", f"{g.utilization:.1%}"
        )
    console.print(sites)
    console.print(
        f"fleet utilization {summary.utilization:.1%} (busy / online accelerator-hours); "
        f"Jain fairness of share/entitlement {summary.jain_fairness:.3f}; queue mean "
        f"{summary.mean_queue_length:,.1f}, max {summary.max_queue_length:,}; "
        f"{summary.events:,} events."
    )
    if failures is not None:
        causes = sorted(failures.causes, key=lambda c: -c.interruptions)
        top = ", ".join(f"{c.cause} {c.interruptions:,}" for c in causes[:4] if c.interruptions)
        console.print(
            f"failures: {failures.node_outages:,} node outages, {failures.interruptions:,} job "
            f"interruptions ({top or 'none'}); {failures.lost_accelerator_h:,.0f} accelerator-h "
            f"lost ({failures.rolled_back_accelerator_h:,.0f} rolled back + "
            f"{failures.restart_accelerator_h:,.0f} restart); goodput {failures.goodput:.1%}; "
            f"in repair: mean {failures.repair_nodes_mean:,.1f} nodes, max "
            f"{failures.repair_nodes_max:,} ({failures.out_of_service_share:.2%} of capacity).",
            highlight=False,
        )
        if failures.mtti_by_size:
            mtti = Table(
                box=box.SIMPLE_HEAD,
                title="MTTI by job size (wall hours running per unplanned interruption)",
                title_justify="left",
            )
            for header in ("accelerators", "jobs", "hours running", "interruptions", "MTTI h"):
                mtti.add_column(header, justify="right", no_wrap=True)
            for row in failures.mtti_by_size:
                mtti.add_row(
                    f"{row.accelerators_from:,}-{row.accelerators_to:,}",
                    f"{row.jobs:,}",
                    f"{row.run_h:,.0f}",
                    f"{row.interruptions:,}",
                    "-" if row.mtti_h is None else f"{row.mtti_h:,.1f}",
                )
            console.print(mtti)


def percent_text(value: float) -> str:
    """A share as a percentage with one decimal; '-' for NaN."""
    return "-" if np.isnan(value) else f"{value:.1%}"
