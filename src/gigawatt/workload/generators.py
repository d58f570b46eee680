"""Draw the jobs of a `Workload` for a fleet over a horizon (pure: values in, `JobTable` out).

Arrival rates follow the fleet: a tenant asking for a share of the fleet submits work in
proportion to the accelerators of its allowed types online at the time (the fleet grows as
phases come online), so its demand is ``share x online capacity`` on average. Arrivals are a
non-homogeneous Poisson process, drawn by inverting the cumulative rate on an hourly grid.

- **frontier_training**: Poisson starts at ``runs_per_year``; each run is pinned to the allowed
  type with the most accelerators online at its arrival and takes a gang size drawn from
  ``accelerators``, cut to ``max_share_of_type`` of that type online; log-uniform duration.
- **inference**: replica groups of ``group_accelerators``, exponential lives, arrival rate
  modulated by a daily sinusoid (peak/trough ``peak_to_trough``, peak at ``peak_hour_utc``;
  time 0 is midnight UTC of the program's first day).
- **research**: Philly sizes times ``size_scale`` and lognormal run times (`ResearchMix`,
  from ``data/traces/philly/``).

Estimates equal run times (EASY backfill is given perfect estimates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gigawatt.fleet.topology import Fleet
from gigawatt.scenario.tenants import (
    FrontierTraining,
    InferenceFleet,
    ResearchPool,
    Tenant,
    Workload,
)
from gigawatt.sched.jobs import WHOLE_MILLI, JobTable, concat_jobs

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

SECONDS_PER_DAY = 86_400.0
SECONDS_PER_YEAR = 365.0 * SECONDS_PER_DAY
GRID_S = 3600.0


@dataclass(frozen=True)
class ResearchMix:
    """Job sizes (accelerators) with their weights, and a lognormal run time by its median and
    mean, cut at ``max_s``."""

    sizes: IntArray
    weights: FloatArray
    median_s: float
    mean_s: float
    max_s: float

    @property
    def sigma(self) -> float:
        return math.sqrt(2.0 * math.log(self.mean_s / self.median_s))

    def mean_run_s(self) -> float:
        """Mean of min(X, max_s) for the lognormal X: E = mean * Phi(z - sigma) + max * (1 -
        Phi(z)), z = ln(max/median) / sigma."""
        z = math.log(self.max_s / self.median_s) / self.sigma

        def phi(x: float) -> float:
            return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))

        return self.mean_s * phi(z - self.sigma) + self.max_s * (1.0 - phi(z))

    def mean_size(self) -> float:
        return float((self.sizes * self.weights).sum() / self.weights.sum())


def online_capacity(fleet: Fleet, type_mask: NDArray[np.bool_], times: FloatArray) -> FloatArray:
    """Accelerators of the masked types online at each of ``times``."""
    nodes = type_mask[fleet.node_type]
    acc = fleet.node_accelerators[nodes].astype(np.float64)
    on_order = np.argsort(fleet.node_online_s[nodes])
    off_order = np.argsort(fleet.node_offline_s[nodes])
    on_t = fleet.node_online_s[nodes][on_order]
    off_t = fleet.node_offline_s[nodes][off_order]
    on_c = np.concatenate([[0.0], np.cumsum(acc[on_order])])
    off_c = np.concatenate([[0.0], np.cumsum(acc[off_order])])
    return np.asarray(
        on_c[np.searchsorted(on_t, times, side="right")]
        - off_c[np.searchsorted(off_t, times, side="right")]
    )


def poisson_times(rate: FloatArray, horizon_s: float, rng: np.random.Generator) -> FloatArray:
    """Arrival times of a Poisson process whose rate (per s) is ``rate[i]`` on hour i."""
    edges = np.arange(len(rate) + 1) * GRID_S
    edges[-1] = min(edges[-1], horizon_s)
    widths = np.diff(edges)
    cumulative = np.concatenate([[0.0], np.cumsum(rate * widths)])
    total = float(cumulative[-1])
    count = int(rng.poisson(total)) if total > 0 else 0
    points = np.sort(rng.uniform(0.0, total, count))
    return np.asarray(np.interp(points, cumulative, edges))


def _grid(horizon_s: float) -> FloatArray:
    return np.arange(0.0, horizon_s, GRID_S)


def _table(
    workload: Workload,
    fleet: Fleet,
    tenant: int,
    arrival_s: FloatArray,
    duration_s: FloatArray,
    accelerators: IntArray,
    allowed: IntArray,
    gang: bool | NDArray[np.bool_],
    priority: int,
    checkpoint_s: float,
    stateless: bool = False,
) -> JobTable:
    count = len(arrival_s)
    return JobTable(
        tenants=tuple(t.name for t in workload.tenants),
        tenant_weight=np.array([t.entitlement for t in workload.tenants]),
        types=fleet.types,
        tenant=np.full(count, tenant, np.int64),
        accelerators=np.asarray(accelerators, np.int64),
        gpu_milli=np.full(count, WHOLE_MILLI, np.int64),
        allowed=np.asarray(allowed, np.int64),
        gang=np.broadcast_to(np.asarray(gang, bool), (count,)).copy(),
        priority=np.full(count, priority, np.int64),
        arrival_s=arrival_s,
        duration_s=duration_s,
        estimate_s=duration_s.copy(),
        checkpoint_s=np.full(count, checkpoint_s),
        stateless=np.full(count, stateless),
    )


def _type_mask(fleet: Fleet, tenant: Tenant) -> NDArray[np.bool_]:
    if not tenant.accelerators:
        return np.ones(len(fleet.types), bool)
    unknown = [a for a in tenant.accelerators if a not in fleet.types]
    if unknown:
        raise ValueError(
            f"tenant {tenant.name}: accelerator {unknown[0]!r} is not in the fleet "
            f"(fleet has {', '.join(fleet.types)})"
        )
    return np.array([t in tenant.accelerators for t in fleet.types])


def _bits(mask: NDArray[np.bool_]) -> int:
    if mask.all():
        return 0
    return int(sum(1 << i for i in np.flatnonzero(mask).tolist()))


def frontier_jobs(
    spec: FrontierTraining,
    fleet: Fleet,
    mask: NDArray[np.bool_],
    horizon_s: float,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """(arrival_s, duration_s, accelerators, allowed bits) of frontier runs."""
    grid = _grid(horizon_s)
    starts = poisson_times(
        np.full(len(grid), spec.runs_per_year / SECONDS_PER_YEAR), horizon_s, rng
    )
    types = np.flatnonzero(mask)
    per_type = (
        np.stack([online_capacity(fleet, np.arange(len(fleet.types)) == t, starts) for t in types])
        if len(types) and len(starts)
        else np.zeros((0, len(starts)))
    )
    sizes = np.array(sorted(spec.accelerators), np.int64)
    low, high = spec.duration_days
    arrival, duration, accelerators, allowed = [], [], [], []
    for i, when in enumerate(starts.tolist()):
        drawn = int(rng.choice(sizes))
        lasting = math.exp(rng.uniform(math.log(low), math.log(high))) * SECONDS_PER_DAY
        if per_type.shape[0] == 0:
            continue
        best = int(np.argmax(per_type[:, i]))
        limit = spec.max_share_of_type * per_type[best, i]
        fitting = sizes[sizes <= limit]
        if len(fitting) == 0:
            continue  # the fleet is still too small for any run of this spec
        arrival.append(when)
        duration.append(lasting)
        accelerators.append(min(drawn, int(fitting[-1])))
        allowed.append(1 << int(types[best]))
    return (
        np.array(arrival),
        np.array(duration),
        np.array(accelerators, np.int64),
        np.array(allowed, np.int64),
    )


@dataclass(frozen=True)
class RateShape:
    """A periodic demand profile: ``relative_rate[i]`` is the rate over ``[i, i+1) x bin_s``
    of each period, relative to the mean (mean 1). Built from a trace (e.g. the Azure LLM
    inference trace, `gigawatt.traces.azure_llm`) or by hand (a 24-hour diurnal curve)."""

    bin_s: float
    relative_rate: FloatArray
    source: str = ""

    def __post_init__(self) -> None:
        rate = np.asarray(self.relative_rate, np.float64)
        if self.bin_s <= 0 or len(rate) == 0 or np.any(rate < 0) or rate.mean() <= 0:
            raise ValueError("RateShape needs bin_s > 0 and non-negative rates with mean > 0")
        object.__setattr__(self, "relative_rate", rate / rate.mean())

    @property
    def period_s(self) -> float:
        return self.bin_s * len(self.relative_rate)

    def at(self, times_s: FloatArray) -> FloatArray:
        """The relative rate at ``times_s`` (the profile repeats every ``period_s``)."""
        index = (np.asarray(times_s) // self.bin_s).astype(np.int64) % len(self.relative_rate)
        return np.asarray(self.relative_rate[index])


def inference_jobs(
    spec: InferenceFleet,
    fleet: Fleet,
    mask: NDArray[np.bool_],
    horizon_s: float,
    rng: np.random.Generator,
    shape: RateShape | None = None,
) -> tuple[FloatArray, FloatArray]:
    """(arrival_s, duration_s) of replica groups. The arrival rate follows the daily sinusoid
    of ``spec``, or ``shape`` when given (drawn on the shape's own bins if finer than an hour)."""
    life_s = spec.group_hours * 3600.0
    if shape is not None:
        step_s = min(GRID_S, shape.bin_s)
        fine = np.arange(0.0, horizon_s, step_s)
        capacity = online_capacity(fleet, mask, fine + step_s / 2)
        rate = (
            spec.share_of_fleet * capacity * shape.at(fine + step_s / 2)
            / (spec.group_accelerators * life_s)
        )  # fmt: skip
        arrival = _poisson_on_bins(rate, step_s, horizon_s, rng)
        return arrival, rng.exponential(life_s, len(arrival))
    grid = _grid(horizon_s)
    amplitude = (spec.peak_to_trough - 1.0) / (spec.peak_to_trough + 1.0)
    hour = (grid + GRID_S / 2) / 3600.0
    diurnal = 1.0 + amplitude * np.cos(2.0 * np.pi * (hour - spec.peak_hour_utc) / 24.0)
    capacity = online_capacity(fleet, mask, grid + GRID_S / 2)
    rate = spec.share_of_fleet * capacity * diurnal / (spec.group_accelerators * life_s)
    arrival = poisson_times(rate, horizon_s, rng)
    return arrival, rng.exponential(life_s, len(arrival))


def _poisson_on_bins(
    rate: FloatArray, bin_s: float, horizon_s: float, rng: np.random.Generator
) -> FloatArray:
    """`poisson_times` on bins of ``bin_s`` instead of hours."""
    edges = np.minimum(np.arange(len(rate) + 1) * bin_s, horizon_s)
    cumulative = np.concatenate([[0.0], np.cumsum(rate * np.diff(edges))])
    total = float(cumulative[-1])
    count = int(rng.poisson(total)) if total > 0 else 0
    return np.asarray(np.interp(np.sort(rng.uniform(0.0, total, count)), cumulative, edges))


def research_jobs(
    spec: ResearchPool,
    mix: ResearchMix,
    fleet: Fleet,
    mask: NDArray[np.bool_],
    horizon_s: float,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """(arrival_s, duration_s, accelerators) of research jobs."""
    grid = _grid(horizon_s)
    capacity = online_capacity(fleet, mask, grid + GRID_S / 2)
    per_job = mix.mean_size() * spec.size_scale * mix.mean_run_s()
    arrival = poisson_times(spec.share_of_fleet * capacity / per_job, horizon_s, rng)
    sizes = rng.choice(mix.sizes, size=len(arrival), p=mix.weights / mix.weights.sum())
    runs = np.minimum(
        mix.median_s * np.exp(mix.sigma * rng.standard_normal(len(arrival))), mix.max_s
    )
    return arrival, runs, np.asarray(sizes * spec.size_scale, np.int64)


def generate_jobs(
    workload: Workload,
    fleet: Fleet,
    horizon_s: float,
    research_mix: ResearchMix,
    inference_shape: RateShape | None = None,
) -> JobTable:
    """Every tenant's jobs arriving in [0, horizon_s), in arrival order; inference arrivals
    follow ``inference_shape`` instead of their sinusoid when given."""
    rng = np.random.default_rng(workload.seed)
    tables: list[JobTable] = []
    for index, tenant in enumerate(workload.tenants):
        mask = _type_mask(fleet, tenant)
        bits = _bits(mask)
        for spec in tenant.workloads:
            # Each kind decides its arrays and flags; the table is built the same way for all.
            # Inference requests are independent (no gang) and keep no training state. A
            # training interval of `auto` is NaN here: the replay sets it per job (Young/Daly).
            gang = not isinstance(spec, InferenceFleet)
            checkpoint_s = (
                math.inf if isinstance(spec, InferenceFleet) else spec.checkpoint_interval_s
            )
            if isinstance(spec, FrontierTraining):
                arrival, duration, acc, allowed = frontier_jobs(spec, fleet, mask, horizon_s, rng)
            else:
                if isinstance(spec, InferenceFleet):
                    arrival, duration = inference_jobs(
                        spec, fleet, mask, horizon_s, rng, inference_shape
                    )
                    acc = np.full(len(arrival), spec.group_accelerators, np.int64)
                else:
                    arrival, duration, acc = research_jobs(
                        spec, research_mix, fleet, mask, horizon_s, rng
                    )
                allowed = np.full(len(arrival), bits, np.int64)
            tables.append(
                _table(
                    workload,
                    fleet,
                    index,
                    arrival,
                    duration,
                    acc,
                    allowed,
                    gang,
                    spec.priority,
                    checkpoint_s,
                    stateless=isinstance(spec, InferenceFleet),  # no rollback on a failure
                )
            )
    return concat_jobs(tables).sorted_by_arrival()
