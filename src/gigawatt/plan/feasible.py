"""Announced vs feasible: each phase moved to the first month its binding constraints allow.

The announced ramp is the scenario's own online dates. The feasible ramp keeps each phase's
groundbreaking and moves its online month later when a constraint binds, and says which one:

- ``accelerator``: the chip ships in volume from the catalog's `available_from`;
- ``switchgear``: medium-voltage switchgear arrives `switchgear_lead_weeks` after the site's
  equipment order (per building, so it bounds every phase);
- ``transformers``: a *new* grid interconnection (energized after the program starts) needs
  large power transformers, arriving `transformer_lead_weeks` after the equipment order; the
  grid carries load from the later of its interconnect month and their arrival;
- ``turbines``: gas turbines with an order month deliver `turbine_lead_months` after it, not
  before, whatever online month the scenario gives them;
- ``power``: the phase waits until firm supply covers the site's facility load with it;
- ``land``: a phase whose cumulative facility power exceeds what the land holds never comes
  online (no date allows it).

Firm supply in a month is the grid (once it carries load) plus on-site generation that can
carry load on its own: gas turbines, reciprocating engines, fuel cells and `other` count from
their delivery; **batteries and solar never count as firm capacity** (a battery stores what
something else made; solar is not there at night). Before the grid arrives, on-site firm
generation carries a phase only if it covers the site's whole facility load.

Pure: `feasible_ramp(scenario, catalog)` returns the shifts; `ramped_scenario` returns the
scenario with the feasible online months (phases that never fit dropped), which the planner
plans as usual.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from gigawatt.catalog.models import Catalog
from gigawatt.plan.calendar import add_months, months_between, weeks_to_months
from gigawatt.scenario.models import OnsiteGeneration, Phase, Scenario, Site

Ramp = Literal["announced", "feasible"]
RAMPS: tuple[Ramp, ...] = ("feasible", "announced")

#: On-site generation that can carry load by itself (dispatchable). Batteries and solar are
#: never firm capacity.
FIRM_KINDS = frozenset({"gas_turbine", "reciprocating_engine", "fuel_cell", "other"})

#: How far past the horizon a phase may move before it counts as never (months).
SEARCH_MONTHS = 240


@dataclass(frozen=True)
class PhaseShift:
    """One phase, announced and feasible: `feasible` is None when no month allows it within
    `SEARCH_MONTHS` (or the land cannot hold it); `binding` names the constraints that moved
    it, `reasons` says each in words."""

    site_id: str
    phase: str
    announced: dt.date
    feasible: dt.date | None
    binding: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def delay_months(self) -> int | None:
        """Months from the announced to the feasible online month (None: never)."""
        return None if self.feasible is None else months_between(self.announced, self.feasible)


@dataclass(frozen=True)
class SitePower:
    """When a site's supply carries load: the grid's effective month and each firm
    generator's delivery month (storage and solar left out)."""

    grid_mw: float
    grid_from: dt.date
    grid_reason: str | None
    generators: tuple[tuple[float, dt.date, str | None], ...]  # (MW, from, late reason)

    def firm_mw(self, month: dt.date) -> float:
        """Firm MW available in `month`: grid once it carries load, plus firm generators."""
        grid = self.grid_mw if month >= self.grid_from else 0.0
        return grid + sum(mw for mw, start, _ in self.generators if month >= start)


def _phase_start(phase: Phase, catalog: Catalog) -> dt.date:
    if phase.construction_start is not None:
        return phase.construction_start
    return add_months(phase.online, -round(catalog.cost.construction_months.value))


def equipment_ordered(site: Site, catalog: Catalog) -> dt.date:
    """When the site's long-lead electrical equipment was ordered (given, or at the first
    groundbreaking, as the planner assumes)."""
    if site.equipment_ordered is not None:
        return site.equipment_ordered
    return min(_phase_start(p, catalog) for p in site.phases)


def generator_delivery(gen: OnsiteGeneration, catalog: Catalog) -> tuple[dt.date, str | None]:
    """The month a generator can carry load: its online month, or for gas turbines with an
    order month the later of that and the order plus the turbine lead time."""
    if gen.kind == "gas_turbine" and gen.ordered is not None:
        lead = round(catalog.cost.turbine_lead_months.value)
        ready = add_months(gen.ordered, lead)
        if ready > gen.online:
            return ready, (
                f"gas turbines ordered {gen.ordered:%Y-%m} deliver {ready:%Y-%m} "
                f"({lead} months), not {gen.online:%Y-%m}"
            )
    return gen.online, None


def site_power(site: Site, catalog: Catalog, program_start: dt.date) -> SitePower:
    """The site's firm supply over time (see the module docstring)."""
    grid_from, grid_reason = site.grid.interconnect, None
    if site.grid.interconnect > program_start:
        ordered = equipment_ordered(site, catalog)
        lead = catalog.cost.transformer_lead_weeks.value
        ready = add_months(ordered, weeks_to_months(lead))
        if ready > grid_from:
            grid_from = ready
            grid_reason = (
                f"grid interconnect {site.grid.interconnect:%Y-%m} waits for large power "
                f"transformers ordered {ordered:%Y-%m}, arriving {ready:%Y-%m} ({lead:.0f} wk)"
            )
    generators = []
    for gen in site.onsite_generation:
        if gen.kind not in FIRM_KINDS:
            continue
        start, reason = generator_delivery(gen, catalog)
        generators.append((gen.power_mw, start, reason))
    return SitePower(site.grid.power_mw, grid_from, grid_reason, tuple(generators))


def _site_pue(site: Site, catalog: Catalog) -> float:
    return site.pue if site.pue is not None else catalog.regions[site.region].pue.value


def site_shifts(site: Site, catalog: Catalog, program_start: dt.date) -> list[PhaseShift]:
    """The feasible online month of each of the site's phases, in the scenario's order. A
    phase never comes online before the one listed before it (supply only grows, so the
    earlier phases' load then fits too)."""
    cost = catalog.cost
    power = site_power(site, catalog, program_start)
    pue = _site_pue(site, catalog)
    ordered = equipment_ordered(site, catalog)
    switchgear_weeks = cost.switchgear_lead_weeks.value
    switchgear_ready = add_months(ordered, weeks_to_months(switchgear_weeks))
    land_mw = site.land_acres * cost.facility_mw_per_acre.value
    shifts: list[PhaseShift] = []
    load = 0.0
    previous: dt.date | None = None
    for phase in site.phases:
        load += phase.it_mw * pue
        binding: list[str] = []
        reasons: list[str] = []
        if load > land_mw + 1e-9:
            shifts.append(
                PhaseShift(
                    site.id,
                    phase.name,
                    phase.online,
                    None,
                    ("land",),
                    (
                        f"{load:,.0f} MW facility on {site.land_acres:,.0f} acres exceeds the "
                        f"{land_mw:,.0f} MW the land holds at "
                        f"{cost.facility_mw_per_acre.value:.2f} MW/acre",
                    ),
                )
            )
            load -= phase.it_mw * pue  # it is never built: later phases do not carry its load
            continue
        earliest = phase.online
        acc = catalog.accelerators[phase.accelerator]
        ships = dt.date.fromisoformat(acc.available_from[:7] + "-01")
        if ships > earliest:
            earliest = ships
            binding.append("accelerator")
            reasons.append(f"{acc.name} ships in volume from {ships:%Y-%m}")
        if switchgear_ready > earliest:
            earliest = switchgear_ready
            binding.append("switchgear")
            reasons.append(
                f"switchgear ordered {ordered:%Y-%m} arrives {switchgear_ready:%Y-%m} "
                f"({switchgear_weeks:.0f} wk)"
            )
        if previous is not None and previous > earliest:
            earliest = previous
            binding.append("earlier phase")
            reasons.append(f"the phase before it comes online {previous:%Y-%m}")
        month = earliest
        for _ in range(SEARCH_MONTHS):
            if power.firm_mw(month) + 1e-9 >= load:
                break
            month = add_months(month, 1)
        else:
            shifts.append(
                PhaseShift(
                    site.id,
                    phase.name,
                    phase.online,
                    None,
                    (*binding, "power"),
                    (
                        *reasons,
                        f"firm supply never reaches the site's {load:,.0f} MW facility load "
                        f"(grid {power.grid_mw:,.0f} MW + firm on-site "
                        f"{sum(g[0] for g in power.generators):,.0f} MW)",
                    ),
                )
            )
            load -= phase.it_mw * pue
            continue
        if month > earliest:
            binding.append("power")
            reasons.append(_power_reason(power, month, load))
            if power.grid_reason and month == power.grid_from:
                binding.append("transformers")
                reasons.append(power.grid_reason)
            for _, start, late in power.generators:
                if late and start == month:
                    binding.append("turbines")
                    reasons.append(late)
        previous = month
        shifts.append(
            PhaseShift(
                site.id,
                phase.name,
                phase.online,
                month,
                tuple(dict.fromkeys(binding)),
                tuple(reasons),
            )
        )
    return shifts


def _power_reason(power: SitePower, month: dt.date, load: float) -> str:
    parts = []
    if month >= power.grid_from:
        parts.append(f"grid {power.grid_mw:,.0f} MW from {power.grid_from:%Y-%m}")
    onsite = sum(mw for mw, start, _ in power.generators if month >= start)
    if onsite:
        parts.append(f"firm on-site {onsite:,.0f} MW")
    return (
        f"firm supply ({' + '.join(parts) or 'none'}) first covers the site's "
        f"{load:,.0f} MW facility load in {month:%Y-%m}"
    )


def feasible_ramp(scenario: Scenario, catalog: Catalog) -> list[PhaseShift]:
    """Every owned phase, announced and feasible, site by site in scenario order."""
    out: list[PhaseShift] = []
    for site in scenario.sites:
        out.extend(site_shifts(site, catalog, scenario.program.start))
    return out


def ramped_scenario(
    scenario: Scenario, catalog: Catalog, ramp: Ramp = "feasible"
) -> tuple[Scenario, list[PhaseShift]]:
    """The scenario with its phases at the `ramp`'s online months, and the shifts. With
    "feasible", each phase moves to its feasible month (groundbreaking kept, so the build
    stretches) and phases that never fit are dropped; a site left with no phase is dropped.
    With "announced", the scenario is returned unchanged."""
    shifts = feasible_ramp(scenario, catalog)
    if ramp == "announced":
        return scenario, shifts
    by_phase = {(s.site_id, s.phase): s for s in shifts}
    sites = []
    for site in scenario.sites:
        phases = []
        for phase in site.phases:
            shift = by_phase[(site.id, phase.name)]
            if shift.feasible is None:
                continue
            phases.append(
                phase.model_copy(
                    update={
                        "online": shift.feasible,
                        "construction_start": _phase_start(phase, catalog),
                    }
                )
            )
        if phases:
            # The order and land stay the site's own: equipment ordered as before.
            update: dict[str, object] = {"phases": phases}
            if site.equipment_ordered is None:
                update["equipment_ordered"] = equipment_ordered(site, catalog)
            sites.append(site.model_copy(update=update))
    return scenario.model_copy(update={"sites": sites}), shifts
