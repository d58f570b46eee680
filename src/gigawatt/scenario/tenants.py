"""Who uses the fleet: tenants and the workload generators that make their jobs.

The scenario's ``tenants:`` section: strict, frozen models in the style of
`gigawatt.scenario.models`; field descriptions are the YAML reference. `default_tenants` gives a
scenario without tenants a frontier lab's usual mix. Types only: `gigawatt.workload` draws the
jobs from them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)


class StrictModel(BaseModel):
    """Frozen; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_DURATION_UNITS_S = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86_400.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*$")
#: The checkpoint interval meaning "Young/Daly-optimal per job" once parsed (the job table's
#: ``checkpoint_s`` convention: NaN = auto).
AUTO_CHECKPOINT = math.nan


def _parse_checkpoint_interval(value: Any) -> Any:
    """``auto`` -> NaN; a number of seconds, or a duration like ``90s``, ``30m``, ``1.5h``,
    ``1d``, -> seconds (> 0, finite); anything else is an error that says what was expected."""
    expected = "expected `auto`, seconds (e.g. 1800) or a duration like 30m or 1.5h"
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "auto":
            return AUTO_CHECKPOINT
        match = _DURATION.match(text)
        if match is None:
            raise ValueError(f"{expected}, got {value!r}")
        seconds = float(match.group(1)) * _DURATION_UNITS_S[match.group(2) or "s"]
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise ValueError(f"{expected}, got {value!r}")
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"{expected}, greater than 0, got {value!r}")
    return seconds


#: Seconds of work between checkpoints, NaN for ``auto``; written back as ``auto``.
CheckpointInterval = Annotated[
    float,
    BeforeValidator(_parse_checkpoint_interval),
    PlainSerializer(lambda seconds: "auto" if math.isnan(seconds) else seconds),
    WithJsonSchema(
        {
            "anyOf": [
                {"enum": ["auto"]},
                {"type": "number", "exclusiveMinimum": 0},
                {"type": "string", "pattern": _DURATION.pattern},
            ]
        }
    ),
]
_CHECKPOINT_HELP = (
    "`auto`: Young/Daly-optimal per job from its checkpoint cost and its MTTI at its size "
    "(needs a failure model, e.g. `gigawatt simulate --failures llama3-2024`; without failures "
    "the job never checkpoints); or a fixed interval of work between checkpoints: seconds "
    "(1800) or a duration (`30m`, `1.5h`, `90s`, `1d`). Work since the last checkpoint is lost "
    "on a failure; see docs/failures.md."
)


class FrontierTraining(StrictModel):
    """Large pre-training runs: one gang each, weeks long, checkpointing."""

    kind: Literal["frontier_training"] = Field(
        default="frontier_training", description="Which workload this is."
    )
    runs_per_year: float = Field(
        default=8.0, gt=0, le=1000, description="Mean runs started per year (Poisson)."
    )
    accelerators: list[Annotated[int, Field(ge=1)]] = Field(
        default=[8192, 16384, 32768, 65536, 131072, 262144],
        min_length=1,
        description="Gang sizes to draw from (uniformly); a run takes the largest drawn size "
        "that is at most `max_share_of_type` of its type's accelerators online at arrival.",
    )
    max_share_of_type: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Largest share of one accelerator type's online capacity a single run may ask.",
    )
    duration_days: tuple[float, float] = Field(
        default=(14.0, 60.0),
        description="Run length, drawn log-uniform between these days. Llama 3 405B: 54-day "
        "snapshot on 16,384 H100 (Meta, 'The Llama 3 Herd of Models', 2024, sec. 3.3.4).",
    )
    checkpoint_interval_s: CheckpointInterval = Field(
        default=AUTO_CHECKPOINT,
        description=_CHECKPOINT_HELP + " Default `auto`: at frontier sizes a fixed hour is ruinous "
        "(Kokolis et al., HPCA 2025: ETTR 0.70 with 60-minute vs 0.93 with 5-minute checkpoints "
        "at 16k GPUs; minutes are needed at 100k).",
    )
    priority: int = Field(default=10, description="Higher starts first under `priority`.")


class InferenceFleet(StrictModel):
    """Serving: groups of replicas that scale with a diurnal load."""

    kind: Literal["inference"] = Field(default="inference", description="Which workload this is.")
    share_of_fleet: float = Field(
        default=0.3, gt=0, le=1, description="Mean share of online accelerators it asks for."
    )
    group_accelerators: int = Field(
        default=1024,
        ge=1,
        description="Accelerators per replica group (one job; several model replicas).",
    )
    group_hours: float = Field(
        default=12.0, gt=0, description="Mean life of a replica group, hours (exponential)."
    )
    peak_to_trough: float = Field(
        default=2.0,
        ge=1,
        description="Ratio of the arrival rate at the daily peak to the trough (sinusoidal).",
    )
    peak_hour_utc: float = Field(default=18.0, ge=0, lt=24, description="Hour of the peak, UTC.")
    priority: int = Field(default=20, description="Higher starts first under `priority`.")


class ResearchPool(StrictModel):
    """Experiments: a Philly-like mix of sizes and run times (`data/traces/philly/`)."""

    kind: Literal["research"] = Field(default="research", description="Which workload this is.")
    share_of_fleet: float = Field(
        default=0.1, gt=0, le=1, description="Mean share of online accelerators it asks for."
    )
    size_scale: int = Field(
        default=512,
        ge=1,
        description="Philly's GPUs per job are multiplied by this (a 2017 1-GPU job is a "
        "512-accelerator experiment on a gigawatt campus; keeps a year of jobs in the "
        "hundreds of thousands). ASSUMED.",
    )
    checkpoint_interval_s: CheckpointInterval = Field(default=1800.0, description=_CHECKPOINT_HELP)
    priority: int = Field(default=0, description="Higher starts first under `priority`.")


Generator = Annotated[FrontierTraining | InferenceFleet | ResearchPool, Field(discriminator="kind")]


def _parse_day(value: Any) -> Any:
    """``YYYY-MM`` is the first day of that month (the scenario's month style); ``YYYY-MM-DD``
    and YAML dates are days."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value.strip()):
        year, month = value.strip().split("-")
        try:
            return dt.date(int(year), int(month), 1)
        except ValueError:
            raise ValueError(
                f"expected a month YYYY-MM or a day YYYY-MM-DD, got {value!r}"
            ) from None
    return value


Day = Annotated[dt.date, BeforeValidator(_parse_day)]


class ReservationSettings(StrictModel):
    """Accelerators held for this tenant over a time window (`gigawatt simulate`): inside the
    window no other tenant's job runs on them and this tenant's jobs get them first; before it,
    other jobs use them only if they end (by their estimate) before the window starts. Checked
    against the planned fleet when the simulation starts: an unknown type or site, a window
    outside the program or more than the site will ever have stops the run with the reason; a
    reservation that cannot be held in its window (too few nodes online throughout it, or held
    by earlier reservations) is refused and reported."""

    accelerator: str = Field(min_length=1, description="Accelerator id (a type in the fleet).")
    accelerators: int = Field(ge=1, description="Accelerators held (rounded up to whole nodes).")
    site: str | None = Field(
        default=None,
        description="Site or contract id whose accelerators are held; empty: any site.",
    )
    start: Day = Field(
        description="First day of the window: YYYY-MM-DD, or YYYY-MM for the month's first day."
    )
    days: float = Field(gt=0, le=3650, description="Length of the window, days.")
    run_days: float | None = Field(
        default=None,
        gt=0,
        description="If set, the run the window is for: the tenant submits one gang of "
        "`accelerators` at `start` that runs this many days (at most `days`).",
    )

    @model_validator(mode="after")
    def _run_fits_window(self) -> ReservationSettings:
        if self.run_days is not None and self.run_days > self.days:
            raise ValueError(
                f"run_days ({self.run_days:g}) must be at most days ({self.days:g}): the run "
                "has to end inside its window"
            )
        return self


class Tenant(StrictModel):
    """A team or customer with an entitlement to a share of the fleet."""

    name: str = Field(min_length=1, max_length=40, description="Name in outputs.")
    entitlement: float = Field(
        gt=0, description="Weight of its fair share (shares are weights over their sum)."
    )
    accelerators: list[str] = Field(
        default_factory=list,
        description="Accelerator ids its jobs may run on (empty: any type in the fleet).",
    )
    workloads: list[Generator] = Field(min_length=1, description="What it runs.")
    reservations: list[ReservationSettings] = Field(
        default_factory=list,
        description="Time windows of accelerators held for this tenant (docs/simulate.md).",
    )


class Workload(StrictModel):
    """All tenants of a simulation and the seed of their job draws."""

    tenants: list[Tenant] = Field(min_length=1)
    seed: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _unique_names(self) -> Workload:
        names = [t.name for t in self.tenants]
        if len(set(names)) != len(names):
            raise ValueError("tenant names must be unique")
        return self


def default_tenants(seed: int = 0) -> Workload:
    """A frontier lab's mix when a scenario names no tenants: training 50%, inference 30%,
    research 20% entitlement (ASSUMED; in line with labs' public statements that training and
    serving each take large shares of compute)."""
    return Workload(
        seed=seed,
        tenants=[
            Tenant(name="training", entitlement=0.5, workloads=[FrontierTraining()]),
            Tenant(name="inference", entitlement=0.3, workloads=[InferenceFleet()]),
            Tenant(name="research", entitlement=0.2, workloads=[ResearchPool()]),
        ],
    )
