"""Scenario -> Buildout: the capacity ramp, capex ledger, energy, jobs and constraint findings.

Pure: takes a `Scenario` and a `Catalog`, returns a `Buildout`. No files, no printing, no clock.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from gigawatt.catalog.models import Accelerator, Catalog, Sourced
from gigawatt.plan.buildout import (
    Buildout,
    CapexEntry,
    Finding,
    PhasePlan,
    RampPhase,
    SiteJobs,
    TimelineRow,
)
from gigawatt.plan.calendar import (
    add_months,
    hours_in_month,
    month_range,
    months_between,
    weeks_to_months,
)
from gigawatt.plan.feasible import FIRM_KINDS, PhaseShift, Ramp, ramped_scenario, site_power
from gigawatt.plan.scurve import s_curve_weights
from gigawatt.scenario.models import CapacityContract, Phase, Scenario, Site

TERA = 1e12


def accelerators_for(it_mw: float, accelerator: Accelerator) -> int:
    """Whole accelerators that `it_mw` of IT power holds, at the all-in IT power per unit."""
    return int(it_mw * 1e6 // accelerator.it_power_w.value)


def h100_equivalents(flops_fp8: float, catalog: Catalog) -> float:
    """H100-equivalents as Epoch AI counts them: 8-bit OP/s divided by one H100's dense FP8."""
    return flops_fp8 / (catalog.accelerators["h100"].fp8_tflops.value * TERA)


def site_pue(site: Site, catalog: Catalog) -> float:
    """The site's PUE, or its region's typical one."""
    return site.pue if site.pue is not None else catalog.regions[site.region].pue.value


def phase_construction_start(phase: Phase, catalog: Catalog) -> dt.date:
    """Groundbreaking month: given, or `online` minus the typical build duration."""
    if phase.construction_start is not None:
        return phase.construction_start
    return add_months(phase.online, -round(catalog.cost.construction_months.value))


def plan_phase(site: Site, phase: Phase, catalog: Catalog) -> PhasePlan:
    """Capacity a phase brings online."""
    acc = catalog.accelerators[phase.accelerator]
    pue = site_pue(site, catalog)
    count = accelerators_for(phase.it_mw, acc)
    flops_fp8 = count * acc.fp8_tflops.value * TERA
    return PhasePlan(
        site_id=site.id,
        phase=phase.name,
        accelerator=phase.accelerator,
        online=phase.online,
        construction_start=phase_construction_start(phase, catalog),
        it_mw=phase.it_mw,
        facility_mw=phase.it_mw * pue,
        pue=pue,
        accelerators=count,
        flops_bf16=count * acc.bf16_tflops.value * TERA,
        flops_fp8=flops_fp8,
        h100e=h100_equivalents(flops_fp8, catalog),
    )


def phase_capex(site: Site, plan: PhasePlan, catalog: Catalog) -> list[CapexEntry]:
    """The phase's facility spend on an S-curve over its build, and IT spend before online."""
    cost = catalog.cost
    region = catalog.regions[site.region]
    facility_usd = plan.it_mw * cost.facility_usd_per_mw_it.value
    facility_usd *= region.construction_cost_factor.value
    shares = {
        "shell": cost.share_shell.value,
        "electrical": cost.share_electrical.value,
        "mechanical": cost.share_mechanical.value,
    }
    build_months = max(1, months_between(plan.construction_start, plan.online))
    entries: list[CapexEntry] = []
    for k, weight in enumerate(s_curve_weights(build_months)):
        month = add_months(plan.construction_start, k)
        for category, share in shares.items():
            entries.append(
                CapexEntry(month, site.id, plan.phase, category, facility_usd * share * weight)
            )
    it_usd = plan.accelerators * catalog.accelerators[plan.accelerator].price_usd.value
    entries.extend(_it_entries(it_usd, plan.online, site.id, plan.phase, catalog))
    return entries


def _it_entries(
    it_usd: float, online: dt.date, source_id: str, phase: str, catalog: Catalog
) -> list[CapexEntry]:
    """IT hardware and scale-out network, paid evenly over the install months before online."""
    install = max(1, round(catalog.cost.it_install_months.value))
    network_usd = it_usd * catalog.cost.network_share_of_it.value
    entries = []
    for k in range(install):
        month = add_months(online, k - install)
        entries.append(CapexEntry(month, source_id, phase, "it_hardware", it_usd / install))
        entries.append(CapexEntry(month, source_id, phase, "network", network_usd / install))
    return entries


def land_capex(site: Site, first_build: dt.date, catalog: Catalog) -> CapexEntry:
    """Land bought once, when given or at the site's first groundbreaking."""
    price = catalog.regions[site.region].land_usd_per_acre.value
    month = site.land_purchased or first_build
    return CapexEntry(month, site.id, "", "land", site.land_acres * price)


def contract_accelerators(contract: CapacityContract, month: dt.date) -> int:
    """Accelerators a contract provides in `month` (0 outside its term)."""
    first = contract.ramp[0].month
    if month < first or months_between(first, month) >= contract.term_months:
        return 0
    count = 0
    for point in contract.ramp:
        if point.month <= month:
            count = point.accelerators
    return count


def _site_findings(
    site: Site,
    plans: list[PhasePlan],
    months: list[dt.date],
    catalog: Catalog,
    program_start: dt.date,
) -> list[Finding]:
    """Power, interconnect, lead-time, availability, land and construction-time findings."""
    findings: list[Finding] = []
    cost = catalog.cost
    ordered = site.equipment_ordered or min(p.construction_start for p in plans)
    power = site_power(site, catalog, program_start)
    for gen in site.onsite_generation:
        if gen.kind not in FIRM_KINDS:
            findings.append(
                Finding(
                    "power",
                    "warning",
                    f"{site.id}: {gen.power_mw:.0f} MW of {gen.kind.replace('_', ' ')} is not "
                    "counted as firm capacity (it cannot carry the load by itself)",
                    site.id,
                    None,
                    gen.online,
                )
            )
    # Large power transformers sit in the grid substation: they bound a *new* interconnection.
    # A site energized before the program started already has them.
    if site.grid.interconnect > program_start:
        substation_ready = add_months(ordered, weeks_to_months(cost.transformer_lead_weeks.value))
        if site.grid.interconnect < substation_ready:
            findings.append(
                Finding(
                    "lead_time",
                    "error",
                    f"{site.id}: grid interconnect {site.grid.interconnect:%Y-%m} needs large "
                    f"power transformers ordered {ordered:%Y-%m} that arrive "
                    f"{substation_ready:%Y-%m} ({cost.transformer_lead_weeks.value:.0f} wk lead time)",
                    site.id,
                    None,
                    site.grid.interconnect,
                )
            )
    # Medium-voltage switchgear is per building: it bounds each phase.
    equipment_ready = add_months(ordered, weeks_to_months(cost.switchgear_lead_weeks.value))
    land_capacity_mw = site.land_acres * cost.facility_mw_per_acre.value
    cumulative_facility = 0.0
    for plan in plans:
        acc = catalog.accelerators[plan.accelerator]
        available_from = dt.date.fromisoformat(_as_month_text(acc.available_from) + "-01")
        if plan.online < available_from:
            findings.append(
                Finding(
                    "accelerator_availability",
                    "error",
                    f"{site.id}/{plan.phase}: {acc.name} ships in volume from "
                    f"{available_from:%Y-%m}, after the phase's online date {plan.online:%Y-%m}",
                    site.id,
                    plan.phase,
                    plan.online,
                )
            )
        if plan.online < equipment_ready:
            findings.append(
                Finding(
                    "lead_time",
                    "error",
                    f"{site.id}/{plan.phase}: online {plan.online:%Y-%m} but switchgear "
                    f"ordered {ordered:%Y-%m} arrives {equipment_ready:%Y-%m} "
                    f"({cost.switchgear_lead_weeks.value:.0f} wk lead time)",
                    site.id,
                    plan.phase,
                    plan.online,
                )
            )
        cumulative_load = cumulative_facility + plan.facility_mw
        if plan.online < power.grid_from:
            onsite = power.firm_mw(plan.online)  # the grid carries nothing yet
            carries = onsite + 1e-9 >= cumulative_load
            grid_text = (
                f"the grid interconnect {site.grid.interconnect:%Y-%m}"
                if power.grid_from == site.grid.interconnect
                else f"the grid, which carries load from {power.grid_from:%Y-%m}"
            )
            findings.append(
                Finding(
                    "interconnect",
                    "warning" if carries else "error",
                    f"{site.id}/{plan.phase}: online {plan.online:%Y-%m} before {grid_text}; "
                    + (
                        f"{onsite:.0f} MW of firm on-site generation carries its "
                        f"{cumulative_load:.0f} MW until then"
                        if carries
                        else f"firm on-site generation delivered by then ({onsite:.0f} MW) cannot "
                        f"carry the site's {cumulative_load:.0f} MW"
                    ),
                    site.id,
                    plan.phase,
                    plan.online,
                )
            )
        typical = round(cost.construction_months.value)
        actual = months_between(plan.construction_start, plan.online)
        if actual < typical * 0.5:
            findings.append(
                Finding(
                    "construction_time",
                    "warning",
                    f"{site.id}/{plan.phase}: {actual} months from groundbreaking to online, under "
                    f"half the typical {typical} months",
                    site.id,
                    plan.phase,
                    plan.online,
                )
            )
        cumulative_facility += plan.facility_mw
        if cumulative_facility > land_capacity_mw + 1e-9:
            findings.append(
                Finding(
                    "land",
                    "error",
                    f"{site.id}/{plan.phase}: {cumulative_facility:.0f} MW facility power on "
                    f"{site.land_acres:.0f} acres exceeds {land_capacity_mw:.0f} MW at "
                    f"{cost.facility_mw_per_acre.value:.2f} MW/acre",
                    site.id,
                    plan.phase,
                    plan.online,
                )
            )
    for gen in site.onsite_generation:
        if gen.kind == "gas_turbine" and gen.ordered is not None:
            ready = add_months(gen.ordered, round(cost.turbine_lead_months.value))
            if gen.online < ready:
                findings.append(
                    Finding(
                        "turbine_lead_time",
                        "error",
                        f"{site.id}: gas turbines ordered {gen.ordered:%Y-%m} deliver about "
                        f"{ready:%Y-%m} ({cost.turbine_lead_months.value:.0f} months), after their "
                        f"online date {gen.online:%Y-%m}",
                        site.id,
                        None,
                        gen.online,
                    )
                )
    # Power: facility load at nameplate against what the grid and on-site plant supply.
    reported: set[str] = set()
    for month in months:
        online = [p for p in plans if p.online <= month]
        load = sum(p.facility_mw for p in online)
        supply = power.firm_mw(month)
        if load > supply + 1e-9 and online:
            newest = online[-1]
            if newest.phase in reported:
                continue
            reported.add(newest.phase)
            findings.append(
                Finding(
                    "power",
                    "error",
                    f"{site.id}/{newest.phase}: facility load {load:.0f} MW exceeds firm supply "
                    f"(grid + firm on-site) {supply:.0f} MW in {month:%Y-%m} "
                    f"(short {load - supply:.0f} MW)",
                    site.id,
                    newest.phase,
                    month,
                )
            )
    return findings


def _as_month_text(text: str) -> str:
    return text if len(text) == 7 else (text[:7] if len(text) >= 7 else f"{text}-01")


def plan_scenario(scenario: Scenario, catalog: Catalog, ramp: Ramp = "announced") -> Buildout:
    """Plan a scenario month by month on the `ramp` ("announced": the scenario's online
    months; "feasible": each phase at the month its binding constraints allow, see
    `gigawatt.plan.feasible`). Returns a `Buildout` whose findings are the scenario's own (the
    announced ramp's, which say why phases move) and whose `ramp_phases` hold both ramps;
    never raises on plan problems (they become `Finding`s)."""
    announced = scenario
    scenario, shifts = ramped_scenario(announced, catalog, ramp)
    program = scenario.program
    phase_plans: dict[str, list[PhasePlan]] = {
        site.id: [plan_phase(site, phase, catalog) for phase in site.phases]
        for site in scenario.sites
    }
    capex: list[CapexEntry] = []
    for site in scenario.sites:
        plans = phase_plans[site.id]
        first_build = min(p.construction_start for p in plans)
        capex.append(land_capex(site, first_build, catalog))
        for plan in plans:
            capex.extend(phase_capex(site, plan, catalog))
    for contract in scenario.contracts:
        if contract.kind == "colocation":
            capex.extend(_colocation_capex(contract, catalog))

    first_month = min([program.start, *(e.month for e in capex)])
    end = add_months(program.start, program.horizon_months)
    months = month_range(first_month, months_between(first_month, end))

    timeline: list[TimelineRow] = []
    for month in months:
        hours = hours_in_month(month)
        for site in scenario.sites:
            price = catalog.regions[site.region].electricity_usd_per_mwh.value
            by_type: dict[str, list[PhasePlan]] = defaultdict(list)
            for plan in phase_plans[site.id]:
                if plan.online <= month:
                    by_type[plan.accelerator].append(plan)
            for accelerator, plans in sorted(by_type.items()):
                it_mw = sum(p.it_mw for p in plans)
                facility_mw = sum(p.facility_mw for p in plans)
                energy = facility_mw * program.average_it_load * hours
                fp8 = sum(p.flops_fp8 for p in plans)
                timeline.append(
                    TimelineRow(
                        month,
                        site.id,
                        "owned",
                        accelerator,
                        it_mw,
                        facility_mw,
                        sum(p.accelerators for p in plans),
                        sum(p.flops_bf16 for p in plans),
                        fp8,
                        h100_equivalents(fp8, catalog),
                        energy,
                        energy * price,
                        0.0,
                    )
                )
        for contract in scenario.contracts:
            row = _contract_row(contract, month, hours, program.average_it_load, catalog)
            if row is not None:
                timeline.append(row)

    announced_plans = {
        site.id: [plan_phase(site, phase, catalog) for phase in site.phases]
        for site in announced.sites
    }
    findings: list[Finding] = []
    for site in announced.sites:
        findings.extend(
            _site_findings(site, announced_plans[site.id], months, catalog, program.start)
        )
    findings.extend(_budget_findings(scenario, capex, timeline))
    for plans in phase_plans.values():
        for plan in plans:
            if plan.online >= end:
                findings.append(
                    Finding(
                        "horizon",
                        "warning",
                        f"{plan.site_id}/{plan.phase}: online {plan.online:%Y-%m} is after the "
                        f"plan horizon ends ({add_months(end, -1):%Y-%m})",
                        plan.site_id,
                        plan.phase,
                        plan.online,
                    )
                )

    construction_by_month, site_jobs = _jobs(scenario, phase_plans, months, catalog)
    return Buildout(
        name=program.name,
        months=months,
        phases=[p for site in scenario.sites for p in phase_plans[site.id]],
        timeline=timeline,
        capex=sorted(capex, key=lambda e: (e.month, e.site_id, e.phase, e.category)),
        jobs=site_jobs,
        construction_jobs_by_month=construction_by_month,
        findings=findings,
        regions={
            **{s.id: s.region for s in scenario.sites},
            **{c.id: c.region or "" for c in scenario.contracts},
        },
        budget_usd=program.budget_usd,
        budget_includes_accelerators=program.budget_includes_accelerators,
        budget_includes_contracts=program.budget_includes_contracts,
        announced_permanent_jobs=program.announced.permanent_jobs if program.announced else None,
        announced_construction_jobs=(
            program.announced.construction_jobs if program.announced else None
        ),
        announced_source=program.announced.source if program.announced else "",
        construction_workers_per_gw=_rate_range(catalog.cost.construction_workers_per_gw),
        ramp=ramp,
        ramp_phases=_ramp_phases(announced_plans, shifts),
    )


def _ramp_phases(
    announced: dict[str, list[PhasePlan]], shifts: list[PhaseShift]
) -> list[RampPhase]:
    """Each owned phase with its announced and feasible online months."""
    by_phase = {(s.site_id, s.phase): s for s in shifts}
    out = []
    for plans in announced.values():
        for p in plans:
            shift = by_phase[(p.site_id, p.phase)]
            out.append(
                RampPhase(
                    p.site_id,
                    p.phase,
                    p.accelerator,
                    p.it_mw,
                    p.facility_mw,
                    p.accelerators,
                    p.h100e,
                    shift.announced,
                    shift.feasible,
                    shift.binding,
                    shift.reasons,
                )
            )
    return out


def _colocation_capex(contract: CapacityContract, catalog: Catalog) -> list[CapexEntry]:
    """In colocation the tenant buys the hardware: capex for each ramp increase."""
    acc = catalog.accelerators[contract.accelerator]
    entries: list[CapexEntry] = []
    previous = 0
    for point in contract.ramp:
        added = point.accelerators - previous
        previous = point.accelerators
        if added > 0:
            entries.extend(
                _it_entries(added * acc.price_usd.value, point.month, contract.id, "", catalog)
            )
    return entries


def _contract_row(
    contract: CapacityContract, month: dt.date, hours: float, load: float, catalog: Catalog
) -> TimelineRow | None:
    count = contract_accelerators(contract, month)
    if count == 0:
        return None
    acc = catalog.accelerators[contract.accelerator]
    it_mw = count * acc.it_power_w.value / 1e6
    if contract.kind == "cloud":
        # The provider pays for power; it is in the hourly price.
        cost = count * hours * (contract.price_per_accelerator_hour_usd or 0.0)
        facility_mw, energy, energy_cost = 0.0, 0.0, 0.0
    else:
        cost = it_mw * 1000 * (contract.price_per_kw_month_usd or 0.0)
        region = catalog.regions[contract.region] if contract.region else None
        pue = region.pue.value if region else 1.0
        facility_mw = it_mw * pue
        energy = facility_mw * load * hours
        energy_cost = energy * region.electricity_usd_per_mwh.value if region else 0.0
    fp8 = count * acc.fp8_tflops.value * TERA
    return TimelineRow(
        month,
        contract.id,
        "contracted",
        contract.accelerator,
        it_mw,
        facility_mw,
        count,
        count * acc.bf16_tflops.value * TERA,
        fp8,
        h100_equivalents(fp8, catalog),
        energy,
        energy_cost,
        cost,
    )


def _budget_findings(
    scenario: Scenario, capex: list[CapexEntry], timeline: list[TimelineRow]
) -> list[Finding]:
    program = scenario.program
    counted = [
        e
        for e in capex
        if program.budget_includes_accelerators or e.category not in ("it_hardware", "network")
    ]
    if program.budget_includes_contracts:
        counted += [
            CapexEntry(r.month, r.source_id, "", "contract", r.contract_cost_usd)
            for r in timeline
            if r.contract_cost_usd
        ]
    spent = 0.0
    for entry in sorted(counted, key=lambda e: e.month):
        spent += entry.usd
        if spent > program.budget_usd * (1 + 1e-9):
            total = sum(e.usd for e in counted)
            what = "capex" if program.budget_includes_accelerators else "facility capex"
            if program.budget_includes_contracts:
                what += " and contract payments"
            return [
                Finding(
                    "budget",
                    "error",
                    f"{what} passes the ${program.budget_usd / 1e9:.1f}B budget in "
                    f"{entry.month:%Y-%m} (at {entry.site_id}); total ${total / 1e9:.1f}B",
                    entry.site_id,
                    entry.phase or None,
                    entry.month,
                )
            ]
    return []


def _jobs(
    scenario: Scenario,
    phase_plans: dict[str, list[PhasePlan]],
    months: list[dt.date],
    catalog: Catalog,
) -> tuple[list[int], list[SiteJobs]]:
    """Construction workers on site each month (each phase's facility MW times the workers
    per MW being built, for every month of its build) and permanent jobs per site at full
    build (a per-site staff plus a number per GW of facility power); the low and high ends
    of the permanent jobs come from the catalog's published ranges."""
    cost = catalog.cost
    workers_per_mw = cost.construction_workers_per_gw.value / 1000.0
    total = [0.0] * len(months)
    site_jobs: list[SiteJobs] = []
    index = {m: k for k, m in enumerate(months)}
    for site in scenario.sites:
        per_month = [0.0] * len(months)
        for plan in phase_plans[site.id]:
            month = plan.construction_start
            while month < plan.online:
                k = index.get(month)
                if k is not None:
                    per_month[k] += plan.facility_mw * workers_per_mw
                month = add_months(month, 1)
        peak = max(per_month) if per_month else 0.0
        peak_month = months[per_month.index(peak)] if peak > 0 else None
        gw = sum(p.facility_mw for p in phase_plans[site.id]) / 1000.0
        site_jobs.append(
            SiteJobs(
                site.id,
                round(peak),
                peak_month,
                round(permanent_jobs(gw, cost.permanent_jobs_per_site, cost.permanent_jobs_per_gw)),
                [round(v) for v in per_month],
                round(
                    permanent_jobs(
                        gw, cost.permanent_jobs_per_site, cost.permanent_jobs_per_gw, "low"
                    )
                ),
                round(
                    permanent_jobs(
                        gw, cost.permanent_jobs_per_site, cost.permanent_jobs_per_gw, "high"
                    )
                ),
            )
        )
        total = [a + b for a, b in zip(total, per_month, strict=True)]
    return [round(t) for t in total], site_jobs


def _rate_range(rate: Sourced) -> tuple[float, float, float]:
    """(central, low, high) of a sourced rate; a missing end is the central value."""
    low = rate.low if rate.low is not None else rate.value
    high = rate.high if rate.high is not None else rate.value
    return (rate.value, low, high)


def permanent_jobs(gw: float, per_site: Sourced, per_gw: Sourced, end: str = "value") -> float:
    """Permanent jobs of one site with `gw` of facility power: the per-site staff plus the
    jobs per GW, at the central value or the `end` ("low", "high") of their ranges (0 for a
    site with nothing built)."""
    if gw <= 0:
        return 0.0

    def pick(s: Sourced) -> float:
        value = getattr(s, end) if end != "value" else None
        return float(value if value is not None else s.value)

    return pick(per_site) + pick(per_gw) * gw
