"""A scenario's reservations (``tenants[i].reservations``) against its planned fleet.

`fleet_reservations` checks each reservation against the fleet the plan builds and turns it
into a scheduler `Reservation` (seconds from the program start, fleet indices); every problem is
one `ScenarioError` naming the field path (``tenants[0].reservations[1].site: ...``):

- ``accelerator`` must be a type of the fleet, ``site`` a site or contract id of the fleet
  that has that type;
- the window must lie inside the program's horizon (``program.start`` + ``horizon_months``);
- ``accelerators`` must be at most what that site (or the whole fleet) will ever have of the
  type: more can never be held.

A reservation that passes but cannot be honoured in its window (its nodes are not all online
yet, or an earlier reservation holds them) is refused by the scheduler with its reason
(`gigawatt.sched.reservations.accept_reservations`), not here: that depends on the timing.

`reserved_runs` adds the runs reservations are made for (``run_days``): one gang per
reservation, submitted at the window's start. `with_reservations` does all of it for a scenario
run (jobs and queue policy in, jobs and `Reserving` policy out); `reservation_report` says, after
the replay, what each reservation got.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np

from gigawatt.fleet.topology import SECONDS_PER_DAY, Fleet, seconds_since
from gigawatt.plan.calendar import add_months
from gigawatt.scenario.errors import ScenarioError
from gigawatt.scenario.models import Scenario
from gigawatt.scenario.tenants import FrontierTraining, ReservationSettings, Tenant
from gigawatt.sched.jobs import WHOLE_MILLI, JobTable, concat_jobs
from gigawatt.sched.queue import QueuePolicy
from gigawatt.sched.reservations import Reservation, Reserving, accept_reservations
from gigawatt.sim.replay import ReplayResult


def _path(tenant: int, index: int, field: str) -> tuple[str | int, ...]:
    return ("tenants", tenant, "reservations", index, field)


def fleet_reservations(
    tenants: Sequence[Tenant],
    fleet: Fleet,
    program_start: dt.date,
    program_end: dt.date,
    file: str = "",
) -> list[Reservation]:
    """Every tenant's reservations as scheduler reservations (tenant = index in ``tenants``),
    in the order of the file; raises `ScenarioError` for the first bad one (module doc)."""
    out: list[Reservation] = []
    for t, tenant in enumerate(tenants):
        for j, spec in enumerate(tenant.reservations):
            out.append(_one(spec, t, j, tenant.name, fleet, program_start, program_end, file))
    return out


def _one(
    spec: ReservationSettings,
    t: int,
    j: int,
    tenant: str,
    fleet: Fleet,
    program_start: dt.date,
    program_end: dt.date,
    file: str,
) -> Reservation:
    if spec.accelerator not in fleet.types:
        raise ScenarioError(
            file,
            f"accelerator {spec.accelerator!r} is not in the planned fleet "
            f"(fleet has {', '.join(fleet.types) or 'nothing'})",
            path=_path(t, j, "accelerator"),
        )
    type_index = fleet.types.index(spec.accelerator)
    of_type = fleet.node_type == type_index
    site = -1
    if spec.site is not None:
        if spec.site not in fleet.sites:
            raise ScenarioError(
                file,
                f"unknown site {spec.site!r}; expected one of: {', '.join(sorted(fleet.sites))}",
                path=_path(t, j, "site"),
            )
        site = fleet.sites.index(spec.site)
        of_type &= fleet.node_site == site
    end = spec.start + dt.timedelta(days=spec.days)
    if spec.start < program_start or end > program_end:
        raise ScenarioError(
            file,
            f"window {spec.start} to {end} is outside the program's horizon "
            f"({program_start} to {program_end})",
            path=_path(t, j, "start"),
        )
    ever = int(fleet.node_accelerators[of_type].sum())
    if spec.accelerators > ever:
        where = spec.site or "the whole fleet"
        raise ScenarioError(
            file,
            f"{spec.accelerators:,} {spec.accelerator} asked, but {where} will only ever have "
            f"{ever:,} of them",
            path=_path(t, j, "accelerators"),
        )
    start_s = seconds_since(program_start, spec.start)
    return Reservation(
        tenant=t,
        accelerators=spec.accelerators,
        type_index=type_index,
        start_s=start_s,
        end_s=start_s + spec.days * SECONDS_PER_DAY,
        site=site,
        name=f"{tenant}: {spec.accelerators:,} {spec.accelerator} at {spec.site or 'any site'} "
        f"from {spec.start}",
    )


def reserved_runs(
    jobs: JobTable, tenants: Sequence[Tenant], reservations: Sequence[Reservation], fleet: Fleet
) -> tuple[JobTable, list[int]]:
    """``jobs`` plus one gang per reservation with ``run_days`` (``reservations`` in the order of
    `fleet_reservations`), renumbered in arrival order; and each reservation's run job id (-1:
    none). A run checkpoints like the default frontier run and has its priority."""
    runs = [spec.run_days for tenant in tenants for spec in tenant.reservations]
    chosen = [i for i, days in enumerate(runs) if days is not None]
    if not chosen:
        return jobs, [-1] * len(runs)
    count = len(chosen)
    frontier = FrontierTraining()
    duration = np.array([float(runs[i] or 0.0) * SECONDS_PER_DAY for i in chosen])
    extra = JobTable(
        tenants=jobs.tenants,
        tenant_weight=jobs.tenant_weight,
        types=jobs.types,
        tenant=np.array([reservations[i].tenant for i in chosen], np.int64),
        accelerators=np.array([reservations[i].accelerators for i in chosen], np.int64),
        gpu_milli=np.full(count, WHOLE_MILLI, np.int64),
        allowed=np.array([1 << reservations[i].type_index for i in chosen], np.int64),
        gang=np.ones(count, bool),
        priority=np.full(count, frontier.priority, np.int64),
        arrival_s=np.array([reservations[i].start_s for i in chosen]),
        duration_s=duration,
        estimate_s=duration.copy(),
        checkpoint_s=np.full(count, frontier.checkpoint_interval_s),
    )
    combined = concat_jobs([jobs, extra])
    order = np.argsort(combined.arrival_s, kind="stable")
    new_id = np.empty(len(order), np.int64)
    new_id[order] = np.arange(len(order))
    ids = [-1] * len(runs)
    for k, i in enumerate(chosen):
        ids[i] = int(new_id[jobs.count + k])
    return combined.take(order), ids


def scenario_reservations(scenario: Scenario, fleet: Fleet, file: str = "") -> list[Reservation]:
    """`fleet_reservations` of the scenario's tenants over its program horizon."""
    start = scenario.program.start
    end = add_months(start, scenario.program.horizon_months)
    return fleet_reservations(scenario.tenants, fleet, start, end, file)


def with_reservations(
    scenario: Scenario, fleet: Fleet, jobs: JobTable, policy: QueuePolicy, file: str = ""
) -> tuple[JobTable, QueuePolicy]:
    """The scenario's reserved runs added to ``jobs`` and ``policy`` wrapped in `Reserving`
    (both unchanged when the scenario has no reservations). Tenants must be the scenario's,
    in its order (the jobs' tenant indices)."""
    reservations = scenario_reservations(scenario, fleet, file)
    if not reservations:
        return jobs, policy
    if jobs.types != fleet.types:
        raise ValueError("jobs must name the fleet's accelerator types (generate_jobs does)")
    jobs, _ = reserved_runs(jobs, scenario.tenants, reservations, fleet)
    return jobs, Reserving(policy, fleet, reservations)


def reservation_report(scenario: Scenario, result: ReplayResult) -> list[dict[str, object]]:
    """What each reservation of the scenario got in ``result`` (a replay made with
    `with_reservations`): its window (days from the start), whether it was held or refused
    (and why), and for a reservation with a run: when the run started, in days, and its delay
    past the window start in hours (NaN: it never started within the horizon)."""
    fleet, jobs, records = result.fleet, result.jobs, result.records
    reservations = scenario_reservations(scenario, fleet)
    _, refused = accept_reservations(fleet, reservations)
    reasons = {id(r.reservation): r.reason for r in refused}
    specs = [spec for tenant in scenario.tenants for spec in tenant.reservations]
    rows: list[dict[str, object]] = []
    for r, spec in zip(reservations, specs, strict=True):
        row: dict[str, object] = {
            "name": r.name,
            "start_day": r.start_s / SECONDS_PER_DAY,
            "end_day": r.end_s / SECONDS_PER_DAY,
            "held": id(r) not in reasons,
            "refused_because": reasons.get(id(r), ""),
        }
        if spec.run_days is not None:
            # The run: the job the reservation added (same tenant, size, arrival and length).
            match = np.flatnonzero(
                (jobs.tenant == r.tenant)
                & (jobs.accelerators == r.accelerators)
                & (jobs.arrival_s == r.start_s)
                & (jobs.duration_s == spec.run_days * SECONDS_PER_DAY)
            )
            start = float(records.start_s[match[0]]) if len(match) else float("nan")
            row["run_start_day"] = start / SECONDS_PER_DAY
            row["run_delay_h"] = (start - r.start_s) / 3600.0
        rows.append(row)
    return rows


def reservation_lines(scenario: Scenario, result: ReplayResult) -> list[str]:
    """`reservation_report` as one line per reservation, for the terminal."""
    lines = []
    for row in reservation_report(scenario, result):
        text = f"reservation {row['name']} (days {row['start_day']:.0f}-{row['end_day']:.0f}): "
        if not row["held"]:
            text += f"REFUSED: {row['refused_because']}"
        else:
            text += "held"
        if "run_start_day" in row:
            delay = float(str(row["run_delay_h"]))
            text += (
                "; its run never started within the horizon"
                if math.isnan(delay)
                else f"; its run started day {row['run_start_day']:.1f} ({delay:+.1f} h vs window)"
            )
        lines.append(text)
    return lines
