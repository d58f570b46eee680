"""A failure model as data: per-component interruption rates with their sources.

One YAML file in ``data/failures/`` validates into one `FailureModel` (frozen, unknown keys
are errors). Each component sits at a scope (one per accelerator, per node, per scale-up
domain, or per job) and has a rate per 1,000 unit-days, given either directly or as the
observed ``events`` over ``unit_days`` of exposure it was derived from.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

ModelId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=64)]
SourceDate = Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]

#: Where a component sits; its count in a job of N accelerators is N, ceil(N / node),
#: ceil(N / domain) or 1.
Scope = Literal["accelerator", "node", "domain", "job"]


class StrictModel(BaseModel):
    """Frozen, strict types, and unknown keys are errors (a typo never passes silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Observed(StrictModel):
    """The observation a rate was derived from: `events` over `unit_days` of exposure."""

    events: int = Field(ge=0, description="Events counted in the source.")
    unit_days: float = Field(gt=0, description="Units (of the component's scope) x days observed.")


class RepairTime(StrictModel):
    """How long a failed unit is out of service (repair or replace), hours."""

    kind: Literal["fixed", "exponential", "lognormal"] = Field(
        default="exponential", description="Distribution of the repair time."
    )
    mean_h: float = Field(gt=0, description="Mean time out of service, hours.")
    sigma: float = Field(
        default=1.0, gt=0, description="Lognormal shape (std of the log); lognormal only."
    )
    source: str = Field(min_length=3, description="Where the repair time comes from.")


class Component(StrictModel):
    """One cause of job interruption, e.g. a faulty GPU or an NCCL watchdog timeout."""

    id: ModelId
    name: str = Field(description="The cause as the source names it (e.g. Table 5's row).")
    scope: Scope = Field(description="What one unit is: accelerator, node, domain or job.")
    kind: Literal["hardware", "software", "network", "host", "planned", "unknown"] = Field(
        description="Category used for grouping in reports."
    )
    rate_per_1000_unit_days: float | None = Field(
        default=None, ge=0, description="Interruptions per 1,000 unit-days (or give observed)."
    )
    observed: Observed | None = Field(
        default=None, description="Events and exposure the rate derives from (or give the rate)."
    )
    distribution: Literal["exponential", "weibull"] = Field(
        default="exponential",
        description="Time between failures of one unit; Weibull units renew on replacement.",
    )
    weibull_shape: float | None = Field(
        default=None, gt=0, description="Weibull shape k (k < 1 infant mortality); weibull only."
    )
    loses_work: bool = Field(
        default=True,
        description="False for planned stops, which checkpoint first and only pay the restart.",
    )
    repair: RepairTime | None = Field(
        default=None,
        description="Time the failed unit is out of service; None if the job restarts in place.",
    )
    source: str = Field(min_length=3, description="Publication (and table) of the rate.")
    date: SourceDate
    note: str | None = None

    @model_validator(mode="after")
    def _one_rate(self) -> Component:
        if (self.rate_per_1000_unit_days is None) == (self.observed is None):
            raise ValueError("give exactly one of rate_per_1000_unit_days or observed")
        if self.distribution == "weibull" and self.weibull_shape is None:
            raise ValueError("distribution weibull needs weibull_shape")
        if self.distribution == "exponential" and self.weibull_shape is not None:
            raise ValueError("weibull_shape is only for distribution weibull")
        return self

    @property
    def rate_per_unit_s(self) -> float:
        """Interruptions per unit per second."""
        if self.observed is not None:
            per_day = self.observed.events / self.observed.unit_days
        else:
            assert self.rate_per_1000_unit_days is not None
            per_day = self.rate_per_1000_unit_days / 1000.0
        return per_day / 86_400.0


class Recovery(StrictModel):
    """Defaults for detecting an interruption, restarting, and checkpointing (seconds)."""

    detection_s: float = Field(ge=0, description="Failure to detection (watchdog, health check).")
    restart_s: float = Field(ge=0, description="Detection to training again (reschedule, load).")
    checkpoint_cost_s: float = Field(ge=0, description="Blocking time per checkpoint.")
    source: str = Field(min_length=3, description="Where these come from, or why assumed.")


class Spares(StrictModel):
    """Spare nodes kept per hall: a node that fails with a repair time is swapped for a spare
    at once (its jobs only pay the restart; capacity stays) while a spare is left; the
    repaired node becomes a spare again."""

    nodes_per_hall: int = Field(ge=0, description="Spare nodes per hall.")
    source: str = Field(min_length=3, description="Where the pool size comes from, or why.")


class FailureModel(StrictModel):
    """A named set of components plus the node sizes their per-node rates assume."""

    id: ModelId
    name: str
    description: str
    accelerators_per_node: dict[str, int] = Field(
        description="Accelerators per node by accelerator type id; key 'default' required."
    )
    recovery: Recovery
    components: tuple[Component, ...] = Field(min_length=1)
    spares: Spares | None = Field(
        default=None, description="Spare nodes per hall; None: failed nodes wait for repair."
    )

    @model_validator(mode="after")
    def _checks(self) -> FailureModel:
        if "default" not in self.accelerators_per_node:
            raise ValueError("accelerators_per_node needs a 'default' entry")
        if any(v < 1 for v in self.accelerators_per_node.values()):
            raise ValueError("accelerators_per_node values must be >= 1")
        ids = [c.id for c in self.components]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate component ids: {', '.join(duplicates)}")
        return self

    def node_size(self, accelerator_type: str) -> int:
        """Accelerators per node for `accelerator_type` (falls back to 'default')."""
        return self.accelerators_per_node.get(
            accelerator_type, self.accelerators_per_node["default"]
        )
