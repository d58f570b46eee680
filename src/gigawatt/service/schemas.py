"""Request and response bodies of the HTTP API; each field's description is its reference."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

MAX_GANG = 1_048_576
MAX_QUOTA = 1 << 40
MAX_ESTIMATE_S = 366 * 86_400.0


#: Printable text only (PostgreSQL refuses NUL in strings; control characters help no one).
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TenantCreate(Strict):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    quotas: dict[
        Annotated[str, Field(max_length=32)], Annotated[int, Field(ge=0, le=MAX_QUOTA)]
    ] = Field(
        default_factory=dict,
        max_length=64,
        description="Most accelerators held at once, per accelerator type.",
    )
    monthly_budget_usd: float | None = Field(default=None, ge=0, le=1e15)


class TenantOut(Strict):
    id: str
    name: str
    quotas: dict[str, int]
    monthly_budget_usd: float | None
    token: str | None = Field(default=None, description="Shown once, at creation.")


class ReservationCreate(Strict):
    accelerator: str = Field(
        min_length=1, max_length=32, pattern=PRINTABLE, description="Accelerator type"
    )
    accelerators: int = Field(ge=1, le=MAX_GANG)
    site: str = Field(min_length=1, max_length=64, pattern=PRINTABLE)
    start_date: dt.date
    days: int = Field(ge=1, le=3660)


class ReservationOut(Strict):
    id: str
    site: str
    accelerator: str
    accelerators: int
    start_date: dt.date
    end_date: dt.date
    state: str


class JobSubmit(Strict):
    name: str = Field(default="job", min_length=1, max_length=128, pattern=PRINTABLE)
    accelerator: str = Field(
        min_length=1, max_length=32, pattern=PRINTABLE, description="Accelerator type"
    )
    accelerators: int = Field(ge=1, le=MAX_GANG, description="Gang size: all start or none")
    priority: int = Field(default=0, ge=-1000, le=1000)
    estimate_s: float = Field(gt=0, le=MAX_ESTIMATE_S, description="Duration estimate, seconds")
    checkpoint_s: float | None = Field(default=None, gt=0, le=MAX_ESTIMATE_S)


class JobEventOut(Strict):
    state: str
    at: dt.datetime
    reason: str


class JobOut(Strict):
    id: str
    name: str
    accelerator: str
    accelerators: int
    priority: int
    estimate_s: float
    checkpoint_s: float | None
    state: str
    submitted_at: dt.datetime
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    placement: dict[str, object] | None
    reservation: str | None = Field(
        default=None, description="The tenant's reservation it runs inside (None: shared)."
    )
    progress_s: float = Field(
        default=0.0, description="Work saved by checkpoints before interruptions, seconds."
    )
    interruptions: int = Field(
        default=0, description="Times a node failure or a reservation's end interrupted it."
    )
    history: list[JobEventOut] = Field(default_factory=list)


class JobPage(Strict):
    jobs: list[JobOut]
    total: int
    offset: int
    limit: int


class CapacityOut(Strict):
    accelerator: str
    total: int
    online: int
    free: int = Field(description="Wholly free accelerators on online nodes, held ones too.")
    running_jobs: int
    reserved: int = Field(
        default=0, description="Accelerators on nodes held for reservations whose window is on."
    )
    reserved_free: int = Field(
        default=0, description="Of those, free (usable by the reservations' owners only)."
    )


class SitePower(Strict):
    it_mw: float = Field(description="IT power now, MW.")
    facility_mw: float = Field(description="Facility power now (IT x PUE), MW.")
    pue: float


class PowerOut(Strict):
    """Estimated power now (see docs/serve.md for the model and its assumptions)."""

    it_mw: float = Field(description="IT power now, MW: busy at full, idle at idle_share.")
    facility_mw: float = Field(description="Facility power now, MW: IT power x site PUE.")
    idle_share: float = Field(description="Share of full-load power an idle accelerator draws.")
    by_site: dict[str, SitePower]


class MetricsOut(Strict):
    at: dt.datetime | None = Field(default=None, description="The service clock's time.")
    utilization: dict[str, float]
    queued_jobs: int
    running_jobs: int
    usage: dict[str, dict[str, int]] = Field(
        description="Accelerators held by running jobs, per tenant name and type."
    )
    nodes_down: int = Field(default=0, description="Nodes down for repair (twin failures).")
    power: PowerOut | None = None


class UsageItem(Strict):
    kind: str = Field(description="job or reservation")
    id: str
    accelerator: str
    accelerators: int
    reservation: str | None = Field(
        description="For a job: the reservation it ran inside (which pays for it)."
    )
    accelerator_hours: float = Field(description="Metered in the month, up to now.")
    cost_usd: float = Field(description="accelerator_hours x price (0 inside a reservation).")
    running: bool


class TenantUsage(Strict):
    tenant: str
    accelerator_hours: float
    cost_usd: float = Field(description="Used in the month up to now, USD.")
    committed_usd: float = Field(
        description="Still to come in the month: reservation windows ahead, running jobs' "
        "remaining estimates, queued jobs' estimates (current month only), USD."
    )
    monthly_budget_usd: float | None
    items: list[UsageItem]


class UsageOut(Strict):
    month: str
    at: dt.datetime = Field(description="The service clock's time of this read-out.")
    prices_usd_per_hour: dict[str, float] = Field(description="Price per accelerator-hour.")
    tenants: list[TenantUsage]


class Problem(Strict):
    """Every 4xx answer: one readable sentence (validation errors joined by "; ")."""

    detail: str
