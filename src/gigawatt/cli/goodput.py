"""``gigawatt goodput``: the sizing question for one gang job, analytic and simulated side by
side (an edge: reads the catalog and a failure model, prints)."""

from __future__ import annotations

import json
import math
import re
import sys
import time
from typing import Annotated, Any

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from gigawatt.catalog import load_catalog
from gigawatt.cli.console import console, err_console
from gigawatt.failures import (
    FailureModelError,
    JobShape,
    analyze,
    job_rates,
    load_failure_model,
    simulate_job,
)

#: Short names people type for catalog ids.
TYPE_ALIASES = {"gb200": "gb200-nvl72", "gb300": "gb300-nvl72"}
#: Job sizes of the MTTI-by-size row (accelerators).
MTTI_SIZES = (1_024, 8_192, 16_384, 32_768, 100_000, 1_000_000)
_UNITS_S = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86_400.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*$")


class InputError(ValueError):
    """A bad command-line value (printed as one line, exit 2)."""


def parse_duration_s(text: str, option: str) -> float:
    """``30m``, ``90s``, ``1.5h``, ``2d`` or bare seconds -> seconds."""
    match = _DURATION.match(text)
    if not match:
        raise InputError(f"{option}: expected a duration like 90s, 30m, 1.5h or 2d, got {text!r}")
    return float(match.group(1)) * _UNITS_S[match.group(2) or "s"]


def _fmt_duration(seconds: float) -> str:
    if math.isinf(seconds):
        return "never"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.2f} h"


def goodput_report(
    accelerators: int,
    accelerator_type: str,
    days: float,
    checkpoint: str,
    checkpoint_cost: str | None,
    restart: str | None,
    detection: str | None,
    failures: str,
    seeds: int,
    spares: int | None,
) -> dict[str, Any]:
    """Everything the command prints, as plain data (also the ``--json`` output)."""
    if accelerators < 1:
        raise InputError(f"--accelerators: expected a positive count, got {accelerators}")
    if not days > 0:
        raise InputError(f"--days: expected a positive number of days, got {days}")
    if seeds < 1:
        raise InputError(f"--seeds: expected at least 1, got {seeds}")
    if spares is not None and spares < 0:
        raise InputError(f"--spares: expected 0 or more accelerators, got {spares}")
    type_id = TYPE_ALIASES.get(accelerator_type, accelerator_type)
    catalog = load_catalog()
    if type_id not in catalog.accelerators:
        known = ", ".join(sorted(catalog.accelerators))
        raise InputError(f"--type: unknown accelerator {accelerator_type!r} (known: {known})")
    model = load_failure_model(failures)
    domain = int(catalog.accelerators[type_id].scale_up_domain.value)
    shape = JobShape(accelerators, model.node_size(type_id), domain)
    rec = model.recovery
    cost_s = parse_duration_s(checkpoint_cost, "--checkpoint-cost") if checkpoint_cost else None
    cost_s = rec.checkpoint_cost_s if cost_s is None else cost_s
    restart_s = parse_duration_s(restart, "--restart") if restart else rec.restart_s
    detect_s = parse_duration_s(detection, "--detection") if detection else rec.detection_s
    interval = None if checkpoint == "auto" else parse_duration_s(checkpoint, "--checkpoint")
    if interval is not None and interval <= 0:
        raise InputError("--checkpoint: expected 'auto' or a positive duration")
    if interval is None and cost_s <= 0:
        raise InputError("--checkpoint auto: needs a checkpoint cost above 0 (or give an interval)")
    horizon_s = days * 86_400.0
    recovery_s = detect_s + restart_s
    rates = job_rates(model, shape)
    ana = analyze(rates, accelerators, horizon_s, cost_s, recovery_s, interval)
    started = time.perf_counter()
    sim = simulate_job(
        model, shape, horizon_s, ana.interval_s, cost_s, recovery_s, seeds=seeds, spares=spares
    )
    elapsed = time.perf_counter() - started
    mtti_by_size = {
        size: 1.0 / job_rates(model, JobShape(size, shape.node_accelerators, domain)).total_per_s
        for size in MTTI_SIZES
    }
    counts = sim.interruptions.sum(axis=1)
    lost_h = accelerators * (horizon_s - sim.useful_s) / 3600.0
    unplanned = np.array([c.loses_work for c in model.components])
    return {
        "job": {
            "accelerators": accelerators,
            "type": type_id,
            "node_accelerators": shape.node_accelerators,
            "domain_accelerators": domain,
            "days": days,
            "failure_model": model.id,
            "checkpoint_interval_s": ana.interval_s,
            "checkpoint_auto": interval is None,
            "checkpoint_cost_s": cost_s,
            "detection_s": detect_s,
            "restart_s": restart_s,
            "spares_accelerators": spares,
            "seeds": seeds,
        },
        "analytic": {
            "expected_interruptions": ana.expected_interruptions,
            "expected_unplanned": rates.unplanned_per_s * horizon_s,
            "mtti_s": ana.mtti_s,
            "mtti_unplanned_s": ana.mtti_unplanned_s,
            "young_interval_s": ana.young_interval_s,
            "daly_interval_s": ana.daly_interval_s,
            "goodput": ana.goodput,
            "goodput_first_order": ana.goodput_first_order,
            "lost_accelerator_h": ana.lost_accelerator_h,
            "by_cause": ana.expected_by_cause,
            "mtti_s_by_job_size": mtti_by_size,
        },
        "simulated": {
            "interruptions_mean": float(counts.mean()),
            "interruptions_std": float(counts.std()),
            "unplanned_mean": float(sim.interruptions[:, unplanned].sum(axis=1).mean()),
            "mtti_s": float(horizon_s / max(counts.mean(), 1e-300)),
            "goodput_mean": float(sim.ettr.mean()),
            "goodput_std": float(sim.ettr.std()),
            "lost_accelerator_h": float(lost_h.mean()),
            "rollback_accelerator_h": float(accelerators * sim.rollback_s.mean() / 3600.0),
            "recovery_accelerator_h": float(accelerators * sim.recovery_s.mean() / 3600.0),
            "checkpoint_accelerator_h": float(accelerators * sim.checkpoint_s.mean() / 3600.0),
            "accelerators_in_repair_mean": float(sim.accelerators_in_repair.mean()),
            "by_cause": {
                c.id: float(sim.interruptions[:, k].mean()) for k, c in enumerate(model.components)
            },
            "wall_s": elapsed,
        },
    }


def print_report(report: dict[str, Any]) -> None:
    """The Rich tables: the sizing answers, then interruptions by cause."""
    job, ana, sim = report["job"], report["analytic"], report["simulated"]
    ckpt = _fmt_duration(job["checkpoint_interval_s"]) + (
        " (auto)" if job["checkpoint_auto"] else ""
    )
    title = (
        f"{job['accelerators']:,} x {job['type']} for {job['days']:g} days, "
        f"failures {job['failure_model']}, checkpoint {ckpt} + {job['checkpoint_cost_s']:g} s, "
        f"recovery {_fmt_duration(job['detection_s'] + job['restart_s'])}"
    )
    table = Table(title=title, title_justify="left", title_style="bold")
    for col, just in (
        ("", "left"),
        ("analytic", "right"),
        (f"simulated ({job['seeds']} seeds)", "right"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    table.add_row(
        "interruptions",
        f"{ana['expected_interruptions']:,.1f}",
        f"{sim['interruptions_mean']:,.1f} ± {sim['interruptions_std']:,.1f}",
    )
    table.add_row(
        "  unplanned", f"{ana['expected_unplanned']:,.1f}", f"{sim['unplanned_mean']:,.1f}"
    )
    table.add_row("MTTI (all)", _fmt_duration(ana["mtti_s"]), _fmt_duration(sim["mtti_s"]))
    table.add_row("MTTI (unplanned)", _fmt_duration(ana["mtti_unplanned_s"]), "")
    table.add_row(
        "checkpoint interval Young / Daly",
        f"{_fmt_duration(ana['young_interval_s'])} / {_fmt_duration(ana['daly_interval_s'])}",
        "",
    )
    table.add_row(
        "goodput (effective training time)",
        f"{ana['goodput']:.2%}",
        f"{sim['goodput_mean']:.2%} ± {sim['goodput_std']:.2%}",
    )
    table.add_row("  first-order approximation", f"{ana['goodput_first_order']:.2%}", "")
    table.add_row(
        "lost accelerator-hours",
        f"{ana['lost_accelerator_h']:,.0f}",
        f"{sim['lost_accelerator_h']:,.0f}",
    )
    for key, label in (
        ("rollback_accelerator_h", "  work rolled back"),
        ("recovery_accelerator_h", "  detection, restart, spare wait"),
        ("checkpoint_accelerator_h", "  checkpoint writes"),
    ):
        table.add_row(label, "", f"{sim[key]:,.0f}")
    table.add_row("accelerators in repair (mean)", "", f"{sim['accelerators_in_repair_mean']:,.1f}")
    console.print(table)
    causes = Table(title="Interruptions by cause", title_justify="left", title_style="bold")
    for col, just in (
        ("cause", "left"),
        ("analytic", "right"),
        ("simulated", "right"),
        ("share", "right"),
    ):
        causes.add_column(col, justify=just)  # type: ignore[arg-type]
    total = max(ana["expected_interruptions"], 1e-300)
    for cid, expected in sorted(ana["by_cause"].items(), key=lambda kv: -kv[1]):
        causes.add_row(
            cid, f"{expected:,.1f}", f"{sim['by_cause'][cid]:,.1f}", f"{expected / total:.1%}"
        )
    console.print(causes)
    sizes = Table(title="MTTI by job size (analytic)", title_justify="left", title_style="bold")
    by_size = ana["mtti_s_by_job_size"]
    for size in by_size:
        sizes.add_column(f"{size:,}", justify="right")
    sizes.add_row(*(_fmt_duration(v) for v in by_size.values()))
    console.print(sizes)
    console.print(f"simulated {job['seeds']} seeds in {sim['wall_s']:.2f} s", highlight=False)


def goodput(
    accelerators: Annotated[int, typer.Option(help="Accelerators in the gang job.")],
    accelerator_type: Annotated[
        str, typer.Option("--type", help="Catalog accelerator id (gb200 = gb200-nvl72).")
    ] = "h100",
    days: Annotated[float, typer.Option(help="Wall-clock span of the job, days.")] = 30.0,
    checkpoint: Annotated[
        str, typer.Option(help="Checkpoint interval ('auto' = Daly-optimal, or e.g. 30m).")
    ] = "auto",
    checkpoint_cost: Annotated[
        str | None, typer.Option(help="Blocking time per checkpoint (default: the model's).")
    ] = None,
    restart: Annotated[
        str | None, typer.Option(help="Detection-to-training restart time (default: model's).")
    ] = None,
    detection: Annotated[
        str | None, typer.Option(help="Failure-to-detection time (default: the model's).")
    ] = None,
    failures: Annotated[
        str, typer.Option(help="Failure model id in data/failures/, or a YAML path.")
    ] = "llama3-2024",
    seeds: Annotated[int, typer.Option(help="Monte Carlo seeds.")] = 20,
    spares: Annotated[
        int | None, typer.Option(help="Spare accelerators (default: unlimited healthy capacity).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Expected interruptions, MTTI, optimal checkpoint interval and goodput of one gang job,
    analytically and by Monte Carlo, side by side."""
    try:
        report = goodput_report(
            accelerators,
            accelerator_type,
            days,
            checkpoint,
            checkpoint_cost,
            restart,
            detection,
            failures,
            seeds,
            spares,
        )
    except (InputError, FailureModelError) as exc:
        err_console.print(
            f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(code=2) from None
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2, default=str) + "\n")
    else:
        print_report(report)
