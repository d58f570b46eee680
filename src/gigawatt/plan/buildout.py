"""What the planner returns: a `Buildout` (pure data, no behaviour beyond read-outs)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

#: Capex categories, in report order.
CAPEX_CATEGORIES = ("land", "shell", "electrical", "mechanical", "it_hardware", "network")

Severity = Literal["error", "warning"]
FindingKind = Literal[
    "power",
    "interconnect",
    "lead_time",
    "turbine_lead_time",
    "accelerator_availability",
    "land",
    "budget",
    "construction_time",
    "horizon",
    "supply",
]


@dataclass(frozen=True)
class PhasePlan:
    """One phase as planned: what it brings online and when."""

    site_id: str
    phase: str
    accelerator: str
    online: dt.date
    construction_start: dt.date
    it_mw: float
    facility_mw: float
    pue: float
    accelerators: int
    flops_bf16: float
    flops_fp8: float
    h100e: float


@dataclass(frozen=True)
class CapexEntry:
    """Money spent in one month, on one category, for one site (and phase)."""

    month: dt.date
    site_id: str
    phase: str
    category: str
    usd: float


@dataclass(frozen=True)
class TimelineRow:
    """Capacity and energy of one source (site or contract) and accelerator in one month."""

    month: dt.date
    source_id: str
    ownership: Literal["owned", "contracted"]
    accelerator: str
    it_mw: float
    facility_mw: float
    accelerators: int
    flops_bf16: float
    flops_fp8: float
    h100e: float
    energy_mwh: float
    energy_cost_usd: float
    contract_cost_usd: float


@dataclass(frozen=True)
class Finding:
    """A constraint that binds or is violated, naming where and when."""

    kind: FindingKind
    severity: Severity
    message: str
    site_id: str | None = None
    phase: str | None = None
    month: dt.date | None = None


@dataclass(frozen=True)
class SiteJobs:
    """Jobs a site creates: peak construction workforce and permanent staff at full build."""

    site_id: str
    construction_peak: int
    construction_peak_month: dt.date | None
    permanent: int
    construction_by_month: list[int] = field(default_factory=list)
    permanent_low: int = 0
    permanent_high: int = 0


@dataclass(frozen=True)
class RampPhase:
    """One owned phase on both ramps: the announced online month (the scenario's) and the
    feasible one (`gigawatt.plan.feasible`; None when no month allows it), what binds, and
    what the phase brings online."""

    site_id: str
    phase: str
    accelerator: str
    it_mw: float
    facility_mw: float
    accelerators: int
    h100e: float
    announced: dt.date
    feasible: dt.date | None
    binding: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Buildout:
    """The plan of one scenario: phases, monthly timeline, capex ledger, jobs, findings."""

    name: str
    months: list[dt.date]
    phases: list[PhasePlan]
    timeline: list[TimelineRow]
    capex: list[CapexEntry]
    jobs: list[SiteJobs]
    construction_jobs_by_month: list[int]
    findings: list[Finding] = field(default_factory=list)
    regions: dict[str, str] = field(default_factory=dict)  # site/contract id -> region id
    budget_usd: float = 0.0
    budget_includes_accelerators: bool = True
    budget_includes_contracts: bool = False
    #: What the owners announced (`Program.announced`): permanent and construction jobs.
    announced_permanent_jobs: int | None = None
    announced_construction_jobs: int | None = None
    announced_source: str = ""
    #: Peak construction workers per GW of facility being built: (central, low, high).
    construction_workers_per_gw: tuple[float, float, float] = (3000.0, 3000.0, 3000.0)
    #: Which ramp the phases, timeline and capex follow: "announced" (the scenario's online
    #: months) or "feasible" (each phase at the month its binding constraints allow).
    ramp: str = "announced"
    #: Every owned phase on both ramps (dropped phases included), whichever ramp is planned.
    ramp_phases: list[RampPhase] = field(default_factory=list)
