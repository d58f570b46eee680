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
    free: int
    running_jobs: int


class MetricsOut(Strict):
    utilization: dict[str, float]
    queued_jobs: int
    running_jobs: int
    usage: dict[str, dict[str, int]] = Field(
        description="Accelerators held by running jobs, per tenant name and type."
    )


class Problem(Strict):
    """Every 4xx answer: one readable sentence (validation errors joined by "; ")."""

    detail: str
