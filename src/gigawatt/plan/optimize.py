"""Scenario -> the accelerator type and phasing per site that maximize compute online by a target
month, under the budget, per-site power by month, lead times and land.

A mixed-integer linear program solved with HiGHS (through `scipy.optimize.milp`). The
formulation, its assumptions and an example are in `docs/optimize.md`; in short:

- decision: ``n[s, a, m]`` integer blocks of ``block_it_mw`` IT MW of accelerator type ``a``
  brought online at site ``s`` in month ``m``; binary ``y[s, a]``: site ``s`` uses type ``a``
  (at most one type per site; land is bought only for a used site);
- objective: H100e-months online by the target, ``sum n * block * h100e_per_mw[a] *
  (months from m to target, inclusive)``, H100-equivalents counted as the planner does (dense
  FP8 over one H100's);
- constraints: facility load (IT x PUE) within grid + on-site supply in every month, facility
  MW within ``land_acres x facility_mw_per_acre``, capex within the budget, and nothing online
  before the site's earliest month (construction, switchgear, accelerator volume shipments,
  power).

Pure: takes a `Scenario` and a `Catalog` and returns values. No files, no printing, no clock
(the benchmark in `benchmarks/plan.py` times it).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from gigawatt.catalog.models import Catalog
from gigawatt.plan.calendar import add_months, month_range, months_between, weeks_to_months
from gigawatt.plan.feasible import FIRM_KINDS
from gigawatt.plan.planner import (
    TERA,
    h100_equivalents,
    phase_construction_start,
    plan_phase,
    site_pue,
)
from gigawatt.scenario.errors import GigawattError
from gigawatt.scenario.models import Phase, Scenario, Site

#: Phases come in whole blocks of this much IT power (a hall or a building module).
DEFAULT_BLOCK_IT_MW = 25.0
#: Accepted relative gap between the best plan found and HiGHS's bound on the optimum.
DEFAULT_MIP_REL_GAP = 1e-6
#: The cheaper of two plans of (almost) equal compute wins: spending the whole budget is worth
#: this share of one block-month of the least productive candidate, so the tie-breaker can
#: never buy a block's worth of compute.
_TIE_BREAK_SHARE = 1e-3
#: The planner's tolerances (`plan.planner`): absolute MW for power and land, relative budget.
_MW_TOLERANCE = 1e-9
_BUDGET_TOLERANCE = 1e-9


class OptimizeError(GigawattError):
    """The optimizer cannot produce a plan: nothing can come online by the target, or the
    solver failed. The message says why, per site."""


@dataclass(frozen=True)
class ChosenPhase:
    """One optimized phase: `it_mw` of IT online from `online`."""

    online: dt.date
    it_mw: float
    accelerators: int
    h100e: float


@dataclass(frozen=True)
class SiteChoice:
    """What the optimizer chose for one site. `accelerator` is None for a site left unbuilt
    (it is then dropped from the optimized scenario and its land is not bought)."""

    site_id: str
    accelerator: str | None
    earliest_online: dt.date | None
    earliest_reason: str
    phases: list[ChosenPhase] = field(default_factory=list)

    @property
    def it_mw(self) -> float:
        """IT MW built at the site by the target."""
        return sum(p.it_mw for p in self.phases)


@dataclass(frozen=True)
class OptimizeResult:
    """The optimized plan.

    `scenario` is the input with each site's phases replaced by the optimized ones (phases
    named ``opt-YYYY-MM``), unbuilt sites dropped, and ``equipment_ordered`` filled in where the
    scenario left it open (the month the optimizer assumed); contracts and everything else are
    untouched, so `plan_scenario` plans it as any other scenario.
    """

    scenario: Scenario
    target: dt.date
    #: Sum over the months from program start to `target` (inclusive) of the H100-equivalents
    #: online at the sites, counted as the planner counts them (whole accelerators).
    h100e_months: float
    #: Capex the budget counts (land, facility, and IT hardware + network when the budget
    #: includes accelerators), including colocation contracts' hardware, USD.
    budget_capex_usd: float
    status: str
    chosen: list[SiteChoice]
    #: Constraints that bind: one more block would not fit. E.g. ``budget``,
    #: ``power at tx-1 from 2026-09``, ``land at tx-1``.
    binding: list[str]


@dataclass(frozen=True)
class _Supply:
    """Power a site can count on: (effective month, MW) steps, and why each starts then."""

    steps: list[tuple[dt.date, float, str]]

    def mw(self, month: dt.date) -> float:
        return sum(mw for start, mw, _ in self.steps if start <= month)


@dataclass(frozen=True)
class _SiteTerms:
    """What the program needs to know about one site, derived from the scenario and catalog."""

    site: Site
    build_months: int
    pue: float
    first_build: dt.date
    equipment_ordered: dt.date
    supply: _Supply
    land_usd: float
    land_facility_mw: float
    facility_usd_per_it_mw: float
    #: Earliest online month per accelerator type, and the constraint that sets it.
    earliest: dict[str, tuple[dt.date, str]]


@dataclass(frozen=True)
class _TypeTerms:
    """Per accelerator type: compute per MW of IT, and the IT hardware + network spend per MW
    the budget pays (0 when it covers land and facilities only)."""

    h100e_per_it_mw: float
    budget_it_usd_per_it_mw: float
    available_from: dt.date


def optimize_scenario(
    scenario: Scenario,
    catalog: Catalog,
    target: dt.date | None = None,
    *,
    block_it_mw: float = DEFAULT_BLOCK_IT_MW,
    accelerators: Collection[str] | None = None,
    exhaustive: bool = False,
    mip_rel_gap: float = DEFAULT_MIP_REL_GAP,
) -> OptimizeResult:
    """Choose one accelerator type and the phasing (online month, IT MW in whole blocks of
    `block_it_mw`) per site to maximize H100e-months online by `target` (default: the last
    month of the horizon).

    `accelerators` limits the candidate types (default: every catalog type shipping by the
    target). The program only needs online months where something changes (a site's earliest
    month for a type, or a supply step); `exhaustive=True` instead offers every month and every
    type (no dominance pruning), the plain reference the fast formulation is tested against.

    Raises `OptimizeError` if the target is outside the horizon, no capacity can come online
    by the target, or HiGHS returns no solution.
    """
    program = scenario.program
    if block_it_mw <= 0:
        raise OptimizeError(f"block size must be positive, got {block_it_mw} MW")
    horizon_end = add_months(program.start, program.horizon_months - 1)
    target = (target or horizon_end).replace(day=1)
    if not program.start <= target <= horizon_end:
        raise OptimizeError(
            f"target {target:%Y-%m} is outside the plan horizon "
            f"{program.start:%Y-%m} to {horizon_end:%Y-%m}"
        )
    types = _type_terms(catalog, target, accelerators, program.budget_includes_accelerators)
    if not exhaustive:
        types = _undominated(types)
    terms = [_site_terms(site, scenario, catalog, types) for site in scenario.sites]
    contracts_usd = _contract_capex_usd(scenario, catalog)
    budget_usd = program.budget_usd - contracts_usd
    if budget_usd <= 0:
        raise OptimizeError(
            f"colocation contracts' hardware (${contracts_usd / 1e9:,.2f}B) uses the whole "
            f"${program.budget_usd / 1e9:,.2f}B budget: nothing is left to build sites"
        )

    blocks = _solve(terms, types, target, block_it_mw, budget_usd, exhaustive, mip_rel_gap)
    blocks = _repair(blocks, terms, types, block_it_mw, budget_usd)
    return _result(scenario, catalog, terms, types, blocks, target, block_it_mw, budget_usd)


# ---------------------------------------------------------------------------------------------
# Inputs: what each type and each site allow


def _month(text: str) -> dt.date:
    """A catalog ``YYYY`` / ``YYYY-MM`` / ``YYYY-MM-DD`` text as the first day of its month."""
    parts = [int(p) for p in text.split("-")]
    return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, 1)


def _type_terms(
    catalog: Catalog, target: dt.date, allowed: Collection[str] | None, it_in_budget: bool
) -> dict[str, _TypeTerms]:
    """Candidate types: in `allowed` (if given) and shipping in volume by the target."""
    if allowed is not None:
        unknown = sorted(set(allowed) - set(catalog.accelerators))
        if unknown:
            raise OptimizeError(f"unknown accelerator(s) {', '.join(unknown)} (not in the catalog)")
    types: dict[str, _TypeTerms] = {}
    network = catalog.cost.network_share_of_it.value
    for acc_id, acc in sorted(catalog.accelerators.items()):
        available = _month(acc.available_from)
        if (allowed is not None and acc_id not in allowed) or available > target:
            continue
        per_mw = 1e6 / acc.it_power_w.value  # accelerators per MW of IT
        types[acc_id] = _TypeTerms(
            h100e_per_it_mw=h100_equivalents(per_mw * acc.fp8_tflops.value * TERA, catalog),
            budget_it_usd_per_it_mw=per_mw * acc.price_usd.value * (1 + network)
            if it_in_budget
            else 0.0,
            available_from=available,
        )
    return types


def _undominated(types: dict[str, _TypeTerms]) -> dict[str, _TypeTerms]:
    """Drop a type another one beats on every count: at least as much compute and no more IT
    spend per MW, shipping no later. A block takes the same power and land whatever its type
    and facility cost does not depend on it, so a dominated type is never needed."""

    def key(t: _TypeTerms) -> tuple[float, float, dt.date]:
        return (-t.h100e_per_it_mw, t.budget_it_usd_per_it_mw, t.available_from)

    kept: dict[str, _TypeTerms] = {}
    for acc_id, t in sorted(types.items(), key=lambda item: (key(item[1]), item[0])):
        if any(
            k.h100e_per_it_mw >= t.h100e_per_it_mw
            and k.budget_it_usd_per_it_mw <= t.budget_it_usd_per_it_mw
            and k.available_from <= t.available_from
            for k in kept.values()
        ):
            continue
        kept[acc_id] = t
    return dict(sorted(kept.items()))


def _site_supply(site: Site, ordered: dt.date, catalog: Catalog, program_start: dt.date) -> _Supply:
    """Grid and firm on-site power by the month they can really carry load, as
    `gigawatt.plan.feasible.site_power` counts them: a new grid connection waits for its large
    power transformers (ordered + lead time), gas turbines with an order date for their
    delivery (ordered + lead time), batteries and solar never count. A grid energized before
    the program started already has its transformers."""
    cost = catalog.cost
    steps: list[tuple[dt.date, float, str]] = []
    if site.grid.power_mw > 0:
        start, why = site.grid.interconnect, "grid interconnect"
        if start > program_start:
            ready = add_months(ordered, weeks_to_months(cost.transformer_lead_weeks.value))
            if ready > start:
                start, why = ready, "grid transformers' lead time"
        steps.append((start, site.grid.power_mw, why))
    for gen in site.onsite_generation:
        if gen.kind not in FIRM_KINDS:
            continue  # storage and solar are never firm capacity (gigawatt.plan.feasible)
        start, why = gen.online, f"on-site {gen.kind.replace('_', ' ')}"
        if gen.kind == "gas_turbine" and gen.ordered is not None:
            ready = add_months(gen.ordered, round(cost.turbine_lead_months.value))
            if ready > start:
                start, why = ready, "gas turbine lead time"
        steps.append((start, gen.power_mw, why))
    return _Supply(sorted(steps, key=lambda s: s[0]))


def site_build_months(site: Site, catalog: Catalog) -> int:
    """Months from groundbreaking to online for a block at this site: the fastest of the
    site's own phases that state a groundbreaking month (the builder's demonstrated pace),
    else the catalog's typical build time."""
    stated = [
        months_between(p.construction_start, p.online)
        for p in site.phases
        if p.construction_start is not None
    ]
    return min(stated) if stated else round(catalog.cost.construction_months.value)


def _site_terms(
    site: Site, scenario: Scenario, catalog: Catalog, types: dict[str, _TypeTerms]
) -> _SiteTerms:
    """Earliest months, supply, land and cost terms of one site.

    Construction can start at the program start, or earlier where the scenario's own phases
    broke ground earlier (work already under way); long-lead equipment is ordered then unless
    the site says when it was.
    """
    program_start = scenario.program.start
    cost = catalog.cost
    build_months = site_build_months(site, catalog)
    first_build = min([program_start, *(phase_construction_start(p, catalog) for p in site.phases)])
    ordered = site.equipment_ordered or first_build
    supply = _site_supply(site, ordered, catalog, program_start)
    region = catalog.regions[site.region]
    facility_shares = cost.share_shell.value + cost.share_electrical.value
    facility_shares += cost.share_mechanical.value
    bounds = [
        (program_start, "program start"),
        (add_months(first_build, build_months), "construction time"),
        (add_months(ordered, weeks_to_months(cost.switchgear_lead_weeks.value)), "switchgear"),
    ]
    if supply.steps:
        bounds.append((supply.steps[0][0], supply.steps[0][2]))
    earliest: dict[str, tuple[dt.date, str]] = {}
    for acc_id, t in types.items():
        # The first bound of the latest month names the reason.
        month, why = max(bounds, key=lambda b: b[0])
        if t.available_from > month:
            month, why = t.available_from, f"{acc_id} volume shipments"
        earliest[acc_id] = (month, why)
    return _SiteTerms(
        site=site,
        build_months=build_months,
        pue=site_pue(site, catalog),
        first_build=first_build,
        equipment_ordered=ordered,
        supply=supply,
        land_usd=site.land_acres * region.land_usd_per_acre.value,
        land_facility_mw=site.land_acres * cost.facility_mw_per_acre.value,
        facility_usd_per_it_mw=cost.facility_usd_per_mw_it.value
        * region.construction_cost_factor.value
        * facility_shares,
        earliest=earliest,
    )


def _contract_capex_usd(scenario: Scenario, catalog: Catalog) -> float:
    """Hardware the budget pays for under colocation contracts (the tenant's own servers and
    network, bought at each ramp increase), as `plan.planner` books it. Cloud contracts are
    operating cost, outside the capital budget."""
    if not scenario.program.budget_includes_accelerators:
        return 0.0
    network = catalog.cost.network_share_of_it.value
    total = 0.0
    for contract in scenario.contracts:
        if contract.kind != "colocation":
            continue
        price = catalog.accelerators[contract.accelerator].price_usd.value
        previous = 0
        for point in contract.ramp:
            total += max(0, point.accelerators - previous) * price * (1 + network)
            previous = point.accelerators
    return total


def _online_months(
    terms: _SiteTerms, acc_id: str, target: dt.date, exhaustive: bool
) -> list[dt.date]:
    """Months a block of `acc_id` may come online at the site.

    Only the earliest month and the months supply steps up are needed: a block online in any
    other month can move back to the last of those before it, where the same supply already
    carried the load it joins, and it then counts more months by the target.
    """
    earliest = terms.earliest[acc_id][0]
    if earliest > target:
        return []
    if exhaustive:
        return month_range(earliest, months_between(earliest, target) + 1)
    steps = {start for start, _, _ in terms.supply.steps if earliest < start <= target}
    return sorted({earliest, *steps})


def _block_cap(terms: _SiteTerms, target: dt.date, block_facility_mw: float) -> int:
    """Most blocks the site's land and its supply by the target can hold."""
    cap_mw = min(terms.land_facility_mw, terms.supply.mw(target))
    return math.floor(cap_mw / block_facility_mw + 1e-9)


# ---------------------------------------------------------------------------------------------
# The program


@dataclass(frozen=True)
class _Blocks:
    """A solution: blocks per (site index, type, online month)."""

    solution: dict[tuple[int, str, dt.date], int]
    status: str


class _Program:
    """A MILP being written down: nonnegative integer columns, ``<=`` rows, a cost to
    minimize, and the budget coefficient of each column."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.capex_usd: list[float] = []
        self.upper: list[float] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.rhs: list[float] = []

    def column(self, h100e_months: float, capex_usd: float, upper: float) -> int:
        """A new integer variable in [0, upper] worth `h100e_months`; returns its index."""
        self.cost.append(-h100e_months)
        self.capex_usd.append(capex_usd)
        self.upper.append(upper)
        return len(self.cost) - 1

    def row(self, entries: list[tuple[int, float]], upper: float) -> None:
        """``sum(coefficient x column) <= upper`` over `entries` of (column, coefficient)."""
        for col, value in entries:
            self.rows.append(len(self.rhs))
            self.cols.append(col)
            self.vals.append(value)
        self.rhs.append(upper)

    def solve(self, tie_per_usd: float, mip_rel_gap: float) -> tuple[list[float] | None, str]:
        """Column values (None if HiGHS found no solution) and HiGHS's status text."""
        shape = (len(self.rhs), len(self.cost))
        matrix = coo_array((self.vals, (self.rows, self.cols)), shape=shape).tocsr()
        result = milp(
            np.asarray(self.cost) + tie_per_usd * np.asarray(self.capex_usd),
            integrality=np.ones(len(self.cost)),
            bounds=Bounds(np.zeros(len(self.upper)), np.asarray(self.upper)),
            constraints=LinearConstraint(matrix, -np.inf, np.asarray(self.rhs)),
            options={"disp": False, "mip_rel_gap": mip_rel_gap},
        )
        values = None if result.x is None else [float(v) for v in result.x]
        return values, str(result.message)


def _solve(
    terms: list[_SiteTerms],
    types: dict[str, _TypeTerms],
    target: dt.date,
    block_it_mw: float,
    budget_usd: float,
    exhaustive: bool,
    mip_rel_gap: float,
) -> _Blocks:
    """Write the MILP down and solve it with HiGHS."""
    program = _Program()
    # 1. Columns: y[s, a] (0/1, carries the site's land cost) and n[s, a, m] (blocks).
    use: dict[tuple[int, str], int] = {}
    blocks: dict[tuple[int, str, dt.date], int] = {}
    caps: dict[int, int] = {}
    for s, site in enumerate(terms):
        caps[s] = _block_cap(site, target, block_it_mw * site.pue)
        for acc_id, t in types.items():
            months = _online_months(site, acc_id, target, exhaustive)
            if not months or caps[s] == 0:
                continue
            use[s, acc_id] = program.column(0.0, site.land_usd, 1)
            block_usd = block_it_mw * (site.facility_usd_per_it_mw + t.budget_it_usd_per_it_mw)
            for month in months:
                months_by_target = months_between(month, target) + 1
                value = block_it_mw * t.h100e_per_it_mw * months_by_target
                blocks[s, acc_id, month] = program.column(value, block_usd, caps[s])
    if not blocks:
        raise OptimizeError(_nothing_possible(terms, types, target, block_it_mw, budget_usd))

    # 2. Rows, site by site.
    for s, site in enumerate(terms):
        site_types = [a for (i, a) in use if i == s]
        if not site_types:
            continue
        # One type per site.
        program.row([(use[s, a], 1.0) for a in site_types], 1.0)
        # Blocks of a type only if the site uses it.
        for a in site_types:
            typed = [(c, 1.0) for (i, b, _), c in blocks.items() if i == s and b == a]
            program.row([*typed, (use[s, a], -float(caps[s]))], 0.0)
        # Land: facility MW of all blocks.
        facility = block_it_mw * site.pue
        site_blocks = [(m, c) for (i, _, m), c in blocks.items() if i == s]
        program.row([(c, facility) for _, c in site_blocks], site.land_facility_mw)
        # Power: facility MW online by each month a block may come online (load and supply
        # only change in those months or at supply steps, which are among them).
        for month in sorted({m for m, _ in site_blocks}):
            online = [(c, facility) for m, c in site_blocks if m <= month]
            program.row(online, site.supply.mw(month))
    # 3. Budget: land of used sites + facility and IT capex of every block.
    program.row(list(enumerate(program.capex_usd)), budget_usd)

    # 4. Solve, preferring the cheaper of (almost) equal plans: spending the whole budget is
    # worth a sliver of the least productive block-month.
    smallest = min(block_it_mw * t.h100e_per_it_mw for t in types.values())
    tie_per_usd = _TIE_BREAK_SHARE * smallest / budget_usd
    values, status = program.solve(tie_per_usd, mip_rel_gap)
    if values is None:
        raise OptimizeError(f"HiGHS found no plan: {status}")
    solution = {key: round(values[c]) for key, c in blocks.items()}
    return _Blocks({key: n for key, n in solution.items() if n > 0}, status)


# ---------------------------------------------------------------------------------------------
# Checking and reading out the solution


def _budget_capex_usd(
    solution: dict[tuple[int, str, dt.date], int],
    terms: list[_SiteTerms],
    types: dict[str, _TypeTerms],
    block_it_mw: float,
) -> float:
    """Land of every used site plus facility and IT capex of every block (linear in IT MW: an
    upper bound on the planner's whole-accelerator count)."""
    used = {s for s, _, _ in solution}
    total = sum(terms[s].land_usd for s in used)
    for (s, acc_id, _), count in solution.items():
        per_mw = terms[s].facility_usd_per_it_mw + types[acc_id].budget_it_usd_per_it_mw
        total += count * block_it_mw * per_mw
    return total


def _repair(
    blocks: _Blocks,
    terms: list[_SiteTerms],
    types: dict[str, _TypeTerms],
    block_it_mw: float,
    budget_usd: float,
) -> _Blocks:
    """Check the rounded solution against the planner's own tolerances and drop blocks (latest
    first) until it passes. HiGHS accepts a row violated within its feasibility tolerance
    (~1e-6 scaled), the planner flags 1e-9: this closes that gap. It almost never removes
    anything."""
    solution = dict(blocks.solution)

    def drop_latest(keys: list[tuple[int, str, dt.date]]) -> None:
        key = max(keys, key=lambda k: (k[2], k[0]))
        solution[key] -= 1
        if solution[key] == 0:
            del solution[key]

    allowed_usd = budget_usd * (1 + _BUDGET_TOLERANCE)
    while solution:
        if _budget_capex_usd(solution, terms, types, block_it_mw) > allowed_usd:
            drop_latest(list(solution))
            continue
        built = sorted({s for s, _, _ in solution})
        violated = [s for s in built if _site_violation(solution, s, terms[s], block_it_mw)]
        if not violated:
            break
        drop_latest([k for k in solution if k[0] == violated[0]])
    return _Blocks(solution, blocks.status)


def _site_load_mw(
    solution: dict[tuple[int, str, dt.date], int], s: int, month: dt.date, facility_mw: float
) -> float:
    return sum(n * facility_mw for (i, _, m), n in solution.items() if i == s and m <= month)


def _site_violation(
    solution: dict[tuple[int, str, dt.date], int], s: int, site: _SiteTerms, block_it_mw: float
) -> bool:
    """True if the site's blocks exceed its land or, in a month one comes online, its supply."""
    facility = block_it_mw * site.pue
    months = sorted({m for (i, _, m) in solution if i == s})
    if _site_load_mw(solution, s, months[-1], facility) > site.land_facility_mw + _MW_TOLERANCE:
        return True
    return any(
        _site_load_mw(solution, s, m, facility) > site.supply.mw(m) + _MW_TOLERANCE for m in months
    )


def _result(
    scenario: Scenario,
    catalog: Catalog,
    terms: list[_SiteTerms],
    types: dict[str, _TypeTerms],
    blocks: _Blocks,
    target: dt.date,
    block_it_mw: float,
    budget_usd: float,
) -> OptimizeResult:
    """The optimized scenario, what each site got, the objective as the planner counts it, and
    the constraints that bind."""
    sites: list[Site] = []
    chosen: list[SiteChoice] = []
    binding: list[str] = []
    h100e_months = 0.0
    for s, site_terms in enumerate(terms):
        site = site_terms.site
        mine = sorted((m, a, n) for (i, a, m), n in blocks.solution.items() if i == s)
        if not mine:
            earliest = min(site_terms.earliest.values(), default=None, key=lambda e: e[0])
            chosen.append(
                SiteChoice(
                    site.id,
                    None,
                    earliest[0] if earliest else None,
                    earliest[1] if earliest else "no accelerator type ships by the target",
                )
            )
            continue
        acc_id = mine[0][1]
        phases = [
            Phase(
                name=f"opt-{month:%Y-%m}",
                online=month,
                it_mw=count * block_it_mw,
                accelerator=acc_id,
                construction_start=add_months(month, -site_terms.build_months),
            )
            for month, acc_id, count in mine
        ]
        optimized = site.model_copy(
            update={"phases": phases, "equipment_ordered": site_terms.equipment_ordered}
        )
        sites.append(optimized)
        chosen_phases = []
        for phase in phases:
            planned = plan_phase(optimized, phase, catalog)
            h100e_months += planned.h100e * (months_between(phase.online, target) + 1)
            chosen_phases.append(
                ChosenPhase(phase.online, phase.it_mw, planned.accelerators, planned.h100e)
            )
        earliest_month, reason = site_terms.earliest[acc_id]
        chosen.append(SiteChoice(site.id, acc_id, earliest_month, reason, chosen_phases))
        binding.extend(_site_binding(blocks.solution, s, site_terms, block_it_mw, target))

    if not sites:
        raise OptimizeError(_nothing_possible(terms, types, target, block_it_mw, budget_usd))
    spent = _budget_capex_usd(blocks.solution, terms, types, block_it_mw)
    contracts_usd = scenario.program.budget_usd - budget_usd
    cheapest_block = min(
        block_it_mw * (terms[s].facility_usd_per_it_mw + types[a].budget_it_usd_per_it_mw)
        for s, a, _ in blocks.solution
    )
    if budget_usd - spent < cheapest_block:
        total = spent + contracts_usd
        binding.insert(
            0, f"budget: ${total / 1e9:,.2f}B of ${scenario.program.budget_usd / 1e9:,.2f}B spent"
        )
    optimized_scenario = scenario.model_copy(update={"sites": sites})
    return OptimizeResult(
        scenario=optimized_scenario,
        target=target,
        h100e_months=h100e_months,
        budget_capex_usd=spent + contracts_usd,
        status=blocks.status,
        chosen=chosen,
        binding=binding,
    )


def _site_binding(
    solution: dict[tuple[int, str, dt.date], int],
    s: int,
    site: _SiteTerms,
    block_it_mw: float,
    target: dt.date,
) -> list[str]:
    """Land and power limits with less than one block of room left, for a built site."""
    facility = block_it_mw * site.pue
    binding: list[str] = []
    months = sorted(
        {m for (i, _, m) in solution if i == s}
        | {start for start, _, _ in site.supply.steps if start <= target}
    )
    first_online = min(m for (i, _, m) in solution if i == s)
    for month in months:
        load = _site_load_mw(solution, s, month, facility)
        supply = site.supply.mw(month)
        if month >= first_online and supply - load < facility:
            binding.append(
                f"power at {site.site.id} from {month:%Y-%m}: "
                f"{load:,.0f} of {supply:,.0f} MW facility power"
            )
    total = _site_load_mw(solution, s, target, facility)
    if site.land_facility_mw - total < facility:
        binding.append(
            f"land at {site.site.id}: {total:,.0f} of {site.land_facility_mw:,.0f} MW "
            f"({site.site.land_acres:,.0f} acres)"
        )
    return binding


def _nothing_possible(
    terms: list[_SiteTerms],
    types: dict[str, _TypeTerms],
    target: dt.date,
    block_it_mw: float,
    budget_usd: float,
) -> str:
    """Why no block can come online by the target, site by site."""
    if not terms:
        return "the scenario has no sites to optimize"
    if not types:
        return f"no candidate accelerator ships in volume by the target {target:%Y-%m}"
    reasons: list[str] = []
    for site in terms:
        month, why = min(site.earliest.values(), key=lambda e: e[0])
        block_facility_mw = block_it_mw * site.pue
        room = min(site.land_facility_mw, site.supply.mw(target))
        if month > target:
            reasons.append(f"{site.site.id}: earliest online {month:%Y-%m} ({why})")
        elif room < block_facility_mw:
            reasons.append(
                f"{site.site.id}: {room:,.0f} MW of land/power by then, under one "
                f"{block_it_mw:g} MW IT block ({block_facility_mw:,.0f} MW facility)"
            )
        else:
            cheapest = min(
                site.land_usd
                + block_it_mw * (site.facility_usd_per_it_mw + t.budget_it_usd_per_it_mw)
                for t in types.values()
            )
            reasons.append(
                f"{site.site.id}: land + one block cost ${cheapest / 1e9:,.2f}B, "
                f"budget left ${budget_usd / 1e9:,.2f}B"
            )
    return f"no capacity can come online by {target:%Y-%m}: " + "; ".join(reasons)
