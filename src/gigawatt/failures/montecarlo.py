"""Job-level Monte Carlo: one gang job, many seeds, interruptions over wall-clock.

State of the job (one per seed)::

    running --(any member fails)--> recovering --(detection + restart [+ spare wait])--> running
       |  blocks: tau work + delta checkpoint     ^   a stop while recovering starts it over
       +--(planned stop: checkpoint, keep work)---+

Interruptions arrive over wall-clock whatever the job is doing (the hardware fails whether or
not the job is training), so their count is rate x time, as in the analytic side. A failed
unit goes to repair; the job resumes on a spare (its node, or its domain for domain-scoped
parts) and, with a finite spares pool, waits for a repair to finish when none is free.

`replay` is the vectorized fast path over all seeds at once; `replay_reference` walks the
same events one by one and is the readable version the tests hold the fast one to.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gigawatt.failures.exposure import JobShape, job_rates
from gigawatt.failures.models import Component, FailureModel, RepairTime

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Events:
    """Interruptions of all seeds, flat, sorted by (seed, time)."""

    seed: IntArray  # seed index per event
    time_s: FloatArray
    cause: IntArray  # index into the model's components
    recovery_s: FloatArray  # detection + restart + any wait for a spare
    repair_s: FloatArray  # time the failed unit is out of service (0: restarts in place)
    seeds: int
    horizon_s: float


@dataclass(frozen=True)
class SimResult:
    """Per-seed outcomes (arrays of length seeds)."""

    useful_s: FloatArray
    rollback_s: FloatArray  # work lost since the last checkpoint
    recovery_s: FloatArray  # wall-clock spent detecting, restarting, waiting for spares
    checkpoint_s: FloatArray  # blocking checkpoint time
    interruptions: IntArray  # (seeds, causes)
    accelerators_in_repair: FloatArray  # time-average accelerators of this job out for repair
    horizon_s: float

    @property
    def ettr(self) -> FloatArray:
        """Effective training time ratio per seed: useful / elapsed."""
        return self.useful_s / self.horizon_s


def _weibull_times(
    rng: np.random.Generator, units: int, mean_s: float, shape: float, horizon_s: float
) -> FloatArray:
    """Failure times in [0, horizon) of `units` renewal processes with Weibull lives."""
    scale = mean_s / math.gamma(1.0 + 1.0 / shape)
    clock = scale * rng.weibull(shape, units)
    found: list[FloatArray] = []
    while True:
        alive = clock < horizon_s
        if not alive.any():
            break
        clock = clock[alive]
        found.append(clock.copy())
        clock = clock + scale * rng.weibull(shape, clock.size)
    return np.concatenate(found) if found else np.empty(0)


def repair_draws(rng: np.random.Generator, repair: RepairTime, size: int) -> FloatArray:
    mean_s = repair.mean_h * 3600.0
    if repair.kind == "fixed":
        return np.full(size, mean_s)
    if repair.kind == "exponential":
        return rng.exponential(mean_s, size)
    mu = math.log(mean_s) - repair.sigma**2 / 2.0  # lognormal with this mean
    return rng.lognormal(mu, repair.sigma, size)


def _spare_waits(
    time_s: FloatArray, repair_s: FloatArray, units: IntArray, spares: int
) -> FloatArray:
    """Wait for a spare at each event of one seed: the failed unit (`units` accelerators) goes
    to repair and the job takes spares; repaired units return to the pool. The job waits until
    no more than `spares` accelerators are out for repair."""
    waits = np.zeros(time_s.size)
    out: list[tuple[float, int]] = []  # (back in service at, accelerators)
    in_repair = 0
    for j in range(time_s.size):
        if repair_s[j] <= 0.0:
            continue
        now = time_s[j]
        heapq.heappush(out, (now + repair_s[j], int(units[j])))
        in_repair += int(units[j])
        # The job needs its full size back: at most `spares` accelerators may be out.
        ready = now
        while out and (out[0][0] <= now or in_repair > spares):
            back, size = heapq.heappop(out)
            in_repair -= size
            ready = max(ready, back)
        waits[j] = ready - now
    return waits


def draw_events(
    model: FailureModel,
    shape: JobShape,
    horizon_s: float,
    seeds: int,
    recovery_s: float,
    spares: int | None = None,
    seed: int = 0,
) -> Events:
    """Draw every seed's interruptions: Poisson superposition for exponential components,
    renewal processes for Weibull ones; repair times per event; spare waits when `spares`
    (accelerators) is finite. Seed s uses ``np.random.default_rng([seed, s])``."""
    rates = job_rates(model, shape)
    comps: tuple[Component, ...] = model.components
    expo = [k for k, c in enumerate(comps) if c.distribution == "exponential"]
    expo_rates = np.array([rates.per_s[k] for k in expo])
    expo_total = float(expo_rates.sum())
    unit_size = np.array([shape.replacement_accelerators(c) for c in comps], dtype=np.int64)
    seed_idx, times, causes, repairs, recov = [], [], [], [], []
    for s in range(seeds):
        rng = np.random.default_rng([seed, s])
        count = rng.poisson(expo_total * horizon_s) if expo_total > 0 else 0
        t = rng.uniform(0.0, horizon_s, count)
        c = (
            np.array(expo, dtype=np.int64)[rng.choice(len(expo), count, p=expo_rates / expo_total)]
            if count
            else np.empty(0, dtype=np.int64)
        )
        parts_t, parts_c = [t], [c]
        for k, comp in enumerate(comps):
            if comp.distribution == "weibull" and rates.per_s[k] > 0:
                assert comp.weibull_shape is not None
                wt = _weibull_times(
                    rng,
                    shape.units(comp),
                    1.0 / comp.rate_per_unit_s,
                    comp.weibull_shape,
                    horizon_s,
                )
                parts_t.append(wt)
                parts_c.append(np.full(wt.size, k, dtype=np.int64))
        t = np.concatenate(parts_t)
        c = np.concatenate(parts_c)
        order = np.argsort(t, kind="stable")
        t, c = t[order], c[order]
        rep = np.zeros(t.size)
        for k, comp in enumerate(comps):
            hit = c == k
            if comp.repair is not None and hit.any():
                rep[hit] = repair_draws(rng, comp.repair, int(hit.sum()))
        wait = (
            _spare_waits(t, rep, unit_size[c], spares) if spares is not None else np.zeros(t.size)
        )
        seed_idx.append(np.full(t.size, s, dtype=np.int64))
        times.append(t)
        causes.append(c)
        repairs.append(rep)
        recov.append(recovery_s + wait)
    return Events(
        seed=np.concatenate(seed_idx),
        time_s=np.concatenate(times),
        cause=np.concatenate(causes),
        recovery_s=np.concatenate(recov),
        repair_s=np.concatenate(repairs),
        seeds=seeds,
        horizon_s=horizon_s,
    )


def replay(
    events: Events,
    loses_work: npt.NDArray[np.bool_],
    repair_accelerators: IntArray,
    interval_s: float,
    checkpoint_cost_s: float,
) -> SimResult:
    """Vectorized replay of all seeds: useful work, rollback, recovery and checkpoint time."""
    horizon, n = events.horizon_s, events.time_s.size
    tau, block = interval_s, interval_s + checkpoint_cost_s
    seeds = events.seeds
    t, seed = events.time_s, events.seed
    first = np.ones(n, dtype=bool)
    first[1:] = seed[1:] != seed[:-1]
    resume = t + events.recovery_s
    prev_resume = np.empty(n)
    prev_resume[1:] = resume[:-1]
    prev_resume[first] = 0.0
    run = np.maximum(0.0, t - prev_resume)  # training time before this stop
    k = np.floor(run / block)
    rem = run - k * block
    keeps = ~loses_work[events.cause]
    partial = np.where(keeps, np.minimum(rem, tau), 0.0)
    useful_ev = k * tau + partial
    ckpt_ev = k * checkpoint_cost_s + np.where(keeps, np.maximum(0.0, rem - tau), 0.0)
    rollback_ev = np.where(keeps, 0.0, rem)
    # Recovery actually spent: until resumed, the next stop, or the horizon.
    nxt = np.empty(n)
    nxt[:-1] = t[1:]
    last = np.ones(n, dtype=bool)
    last[:-1] = seed[1:] != seed[:-1]
    nxt[last] = horizon
    recov_ev = np.minimum(resume, nxt) - t
    # The final run of each seed, from its last resume (or 0) to the horizon.
    final_start = np.zeros(seeds)
    final_start[seed[last]] = resume[last]
    final_run = np.maximum(0.0, horizon - final_start)
    fk = np.floor(final_run / block)
    frem = final_run - fk * block
    useful = np.bincount(seed, useful_ev, seeds) + fk * tau + np.minimum(frem, tau)
    ckpt = np.bincount(seed, ckpt_ev, seeds) + fk * checkpoint_cost_s + np.maximum(0.0, frem - tau)
    causes = len(loses_work)
    counts = np.bincount(seed * causes + events.cause, minlength=seeds * causes)
    repair_busy = np.minimum(events.repair_s, horizon - t) * repair_accelerators[events.cause]
    return SimResult(
        useful_s=useful,
        rollback_s=np.bincount(seed, rollback_ev, seeds).astype(np.float64),
        recovery_s=np.bincount(seed, recov_ev, seeds).astype(np.float64),
        checkpoint_s=ckpt,
        interruptions=counts.reshape(seeds, causes).astype(np.int64),
        accelerators_in_repair=np.bincount(seed, repair_busy, seeds) / horizon,
        horizon_s=horizon,
    )


def replay_reference(
    events: Events,
    loses_work: npt.NDArray[np.bool_],
    repair_accelerators: IntArray,
    interval_s: float,
    checkpoint_cost_s: float,
) -> SimResult:
    """The same as `replay`, one event at a time (the readable reference)."""
    seeds, horizon = events.seeds, events.horizon_s
    causes = len(loses_work)
    useful, rollback = np.zeros(seeds), np.zeros(seeds)
    recov, ckpt, repair = np.zeros(seeds), np.zeros(seeds), np.zeros(seeds)
    counts = np.zeros((seeds, causes), dtype=np.int64)
    block = interval_s + checkpoint_cost_s

    def run_for(s: int, length: float, keep_partial: bool) -> None:
        blocks = math.floor(length / block)
        rem = length - blocks * block
        useful[s] += blocks * interval_s
        ckpt[s] += blocks * checkpoint_cost_s
        if keep_partial:
            useful[s] += min(rem, interval_s)
            ckpt[s] += max(0.0, rem - interval_s)
        else:
            rollback[s] += rem

    for s in range(seeds):
        mine = np.flatnonzero(events.seed == s)
        resumed_at = 0.0
        for pos, j in enumerate(mine):
            now, cause = float(events.time_s[j]), int(events.cause[j])
            counts[s, cause] += 1
            repair[s] += min(events.repair_s[j], horizon - now) * repair_accelerators[cause]
            if now > resumed_at:  # it was training
                run_for(s, now - resumed_at, keep_partial=not loses_work[cause])
            resumed_at = now + float(events.recovery_s[j])
            until = float(events.time_s[mine[pos + 1]]) if pos + 1 < mine.size else horizon
            recov[s] += min(resumed_at, until) - now
        if horizon > resumed_at:
            run_for(s, horizon - resumed_at, keep_partial=True)
    return SimResult(useful, rollback, recov, ckpt, counts, repair / horizon, horizon)


def simulate_job(
    model: FailureModel,
    shape: JobShape,
    horizon_s: float,
    interval_s: float,
    checkpoint_cost_s: float,
    recovery_s: float,
    seeds: int = 20,
    spares: int | None = None,
    seed: int = 0,
) -> SimResult:
    """Draw and replay `seeds` runs of one gang job (vectorized)."""
    events = draw_events(model, shape, horizon_s, seeds, recovery_s, spares, seed)
    loses = np.array([c.loses_work for c in model.components])
    repl = np.array(
        [shape.replacement_accelerators(c) if c.repair else 0 for c in model.components],
        dtype=np.int64,
    )
    return replay(events, loses, repl, interval_s, checkpoint_cost_s)
