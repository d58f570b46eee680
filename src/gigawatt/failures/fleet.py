"""The failures a fleet's scheduler applies: node outages drawn for a fleet from a failure model
(`fleet_failures`), the cause names, the recovery time a job pays, spare pools and job-scoped
stops (`NodeFailures`), ready for the scheduling engine (`gigawatt.sched.engine`)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from gigawatt.failures.models import FailureModel
from gigawatt.failures.outages import Outages, draw_outages
from gigawatt.fleet.topology import Fleet


@dataclass(frozen=True)
class JobStop:
    """A job-scoped cause (``scope: job`` in the failure model): every running job that
    checkpoints stops for it at ``per_s`` (per job, independent of its size); ``cause`` indexes
    ``NodeFailures.causes``. A planned stop (``loses_work`` false) checkpoints first."""

    cause: int
    per_s: float
    loses_work: bool = False


@dataclass(frozen=True)
class NodeFailures:
    """Failures to apply: node outages (``draw_outages``), the names of their causes (index =
    ``outages.cause``), the time a job loses on each interruption before it trains again
    (the model's detection + restart, seconds), the checkpoint write cost of jobs that give
    none (seconds) and the model itself (for ``auto`` checkpoint intervals: Young/Daly from
    each job's MTTI at its size; None: ``auto`` jobs never checkpoint)."""

    outages: Outages
    causes: tuple[str, ...]
    restart_s: float
    checkpoint_cost_s: float = 0.0
    model: FailureModel | None = None
    spares_per_hall: int = 0  # spare nodes per hall (the model's ``spares``)
    #: Spare nodes of each hall when they differ by hall (``spares_share``); overrides
    #: ``spares_per_hall`` when given.
    spares_by_hall: tuple[int, ...] | None = None
    #: Job-scoped stops (planned maintenance) of running jobs; empty: none.
    job_stops: tuple[JobStop, ...] = ()
    #: Seed of the job stops' draws.
    seed: int = 0


def job_stops(model: FailureModel) -> tuple[JobStop, ...]:
    """The model's job-scoped components with a rate, as ``JobStop``s (cause = the component's
    index). Exponential: a Weibull one is drawn at its mean rate, as ``draw_outages`` does."""
    return tuple(
        JobStop(k, c.rate_per_unit_s, c.loses_work)
        for k, c in enumerate(model.components)
        if c.scope == "job" and c.rate_per_unit_s > 0
    )


def fleet_failures(
    model: FailureModel,
    fleet: Fleet,
    horizon_s: float,
    seed: int = 0,
    spares_per_hall: int | None = None,
    spares_share: float | None = None,
) -> NodeFailures:
    """Node outages of ``fleet`` over ``[0, horizon_s]`` from ``model`` (``draw_outages``),
    with the model's cause names, detection + restart time, checkpoint cost and spare nodes
    per hall (``spares_per_hall`` overrides the model's ``spares``; ``spares_share`` instead
    gives each hall that share of its nodes, rounded up), plus the model's job-scoped stops
    (``job_stops``, drawn by the engine from ``seed``)."""
    spares_by_hall: tuple[int, ...] | None = None
    if spares_share is not None:
        if not 0.0 <= spares_share <= 1.0:
            raise ValueError(f"spares share must be within 0-100%, got {spares_share:.1%}")
        hall_nodes = np.bincount(fleet.node_hall, minlength=fleet.hall_count)
        spares_by_hall = tuple(math.ceil(n * spares_share - 1e-9) for n in hall_nodes.tolist())
        spares_per_hall = max(spares_by_hall, default=0)
    if spares_per_hall is None:
        spares_per_hall = model.spares.nodes_per_hall if model.spares is not None else 0
    if spares_per_hall < 0:
        raise ValueError(f"spares per hall must be >= 0, got {spares_per_hall}")
    outages = draw_outages(
        model,
        fleet.node_accelerators,
        fleet.node_domain,
        fleet.node_online_s,
        fleet.node_offline_s,
        horizon_s,
        seed,
    )
    return NodeFailures(
        outages=outages,
        causes=tuple(c.id for c in model.components),
        restart_s=model.recovery.detection_s + model.recovery.restart_s,
        checkpoint_cost_s=model.recovery.checkpoint_cost_s,
        model=model,
        spares_per_hall=spares_per_hall,
        spares_by_hall=spares_by_hall,
        job_stops=job_stops(model),
        seed=seed,
    )


def failures_from(failures: NodeFailures, from_s: float) -> NodeFailures:
    """``failures`` with only the outages that start at or after ``from_s`` (a live service
    applies those still ahead of its clock)."""
    o = failures.outages
    keep = o.down_s >= from_s
    ahead = Outages(
        node=o.node[keep], down_s=o.down_s[keep], up_s=o.up_s[keep], cause=o.cause[keep]
    )
    return dataclasses.replace(failures, outages=ahead)
