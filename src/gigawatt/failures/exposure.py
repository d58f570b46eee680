"""How many units of each component a job holds, and the job's interruption rates."""

from __future__ import annotations

import math
from dataclasses import dataclass

from gigawatt.failures.models import Component, FailureModel


@dataclass(frozen=True)
class JobShape:
    """A gang job: `accelerators` on nodes of `node_accelerators`, in scale-up domains of
    `domain_accelerators` (the catalog's ``scale_up_domain``)."""

    accelerators: int
    node_accelerators: int
    domain_accelerators: int

    def units(self, component: Component) -> int:
        """Units of `component`'s scope the job spans (partial nodes/domains count whole)."""
        if component.scope == "accelerator":
            return self.accelerators
        if component.scope == "node":
            return math.ceil(self.accelerators / self.node_accelerators)
        if component.scope == "domain":
            return math.ceil(self.accelerators / self.domain_accelerators)
        return 1

    def replacement_accelerators(self, component: Component) -> int:
        """Accelerators taken out of service when `component` fails: its node, or its whole
        domain for domain-scoped parts (an NVLink switch tray takes the rack down)."""
        if component.scope == "domain":
            return self.domain_accelerators
        return self.node_accelerators


@dataclass(frozen=True)
class JobRates:
    """Per-cause interruption rates of one job, per second (all causes independent)."""

    ids: tuple[str, ...]
    per_s: tuple[float, ...]
    loses_work: tuple[bool, ...]

    @property
    def total_per_s(self) -> float:
        return sum(self.per_s)

    @property
    def unplanned_per_s(self) -> float:
        """Rate of interruptions that lose work since the last checkpoint."""
        return sum(r for r, lose in zip(self.per_s, self.loses_work, strict=True) if lose)

    @property
    def planned_per_s(self) -> float:
        return self.total_per_s - self.unplanned_per_s


def job_rates(model: FailureModel, shape: JobShape) -> JobRates:
    """Rate of each component for the job: unit rate x units (exposure scales linearly;
    for Weibull components this is the long-run renewal rate, 1 / mean life)."""
    return JobRates(
        ids=tuple(c.id for c in model.components),
        per_s=tuple(c.rate_per_unit_s * shape.units(c) for c in model.components),
        loses_work=tuple(c.loses_work for c in model.components),
    )
