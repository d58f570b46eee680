"""What a replay means for people: utilization, waiting, fairness and gang spans (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gigawatt.sim.replay import ReplayResult

HOUR_S = 3600.0


def _pct(values: np.ndarray, q: float) -> float:
    finite = values[~np.isnan(values)]
    return float(np.percentile(finite, q)) if len(finite) else float("nan")


@dataclass(frozen=True)
class TenantSummary:
    """One tenant: jobs, waits and completion times (hours), share of use vs entitlement."""

    tenant: str
    jobs: int
    started: int
    finished: int
    rejected: int
    wait_p50_h: float
    wait_p95_h: float
    wait_p99_h: float
    jct_p50_h: float
    jct_p95_h: float
    demand_accelerator_h: float  # asked: accelerators x run time of jobs arrived
    used_accelerator_h: float  # ran within the horizon
    share: float  # of all accelerator-hours used
    entitlement: float  # its weight over the sum of weights
    max_domains: int  # most scale-up domains one of its jobs spanned
    mean_domains: float  # mean over its multi-node jobs (1.0 if none)
    max_halls: int
    max_sites: int


@dataclass(frozen=True)
class GroupSummary:
    """One (site, accelerator type): time-averaged utilization over the time it was online."""

    site: str
    accelerator: str
    online_accelerators_end: float
    utilization: float  # busy / online accelerator-seconds


@dataclass(frozen=True)
class CauseSummary:
    """One failure cause: node outages it caused, job interruptions, lost accelerator-hours."""

    cause: str
    node_outages: int
    interruptions: int
    lost_accelerator_h: float  # rolled back to the last checkpoint + restart time
    planned: bool = False  # a planned job stop: checkpoints first, loses only the restart


@dataclass(frozen=True)
class MttiRow:
    """Jobs of one size band: how long they ran and how often failures cut them; MTTI = wall
    hours running / unplanned interruptions (None: none seen)."""

    accelerators_from: int
    accelerators_to: int
    jobs: int  # that ran within the horizon
    run_h: float  # wall hours running, summed over the jobs (not accelerator-weighted)
    interruptions: int  # unplanned (failures; job stops that lose work)
    mtti_h: float | None


#: Job size bands of ``FailureSummary.mtti_by_size`` (accelerators, upper bounds): a job's MTTI
#: falls about in proportion to its size, so the bands grow by 8x.
MTTI_BANDS = (8, 64, 512, 4_096, 32_768, 262_144, 2_097_152)


def mtti_by_size(result: ReplayResult) -> list[MttiRow]:
    """Observed MTTI per job size band (bands with jobs that ran); empty if not recorded."""
    records = result.failures
    if records is None or len(records.job_unplanned) == 0:
        return []
    size = result.jobs.accelerators
    ran = records.job_run_s > 0
    rows: list[MttiRow] = []
    low = 1
    for high in MTTI_BANDS:
        mine = ran & (size >= low) & (size <= high)
        if mine.any():
            run_h = float(records.job_run_s[mine].sum()) / HOUR_S
            cuts = int(records.job_unplanned[mine].sum())
            rows.append(
                MttiRow(low, high, int(mine.sum()), run_h, cuts, run_h / cuts if cuts else None)
            )
        low = high + 1
    return rows


@dataclass(frozen=True)
class FailureSummary:
    """Failures over the replay. Goodput = useful training time / time held while running
    (useful = held minus rolled-back work, restart time, checkpoint writes and migration
    restores), accelerator-weighted for a tenant or the fleet."""

    node_outages: int
    interruptions: int
    lost_accelerator_h: float
    rolled_back_accelerator_h: float
    restart_accelerator_h: float
    goodput: float  # all jobs, accelerator-weighted
    tenant_goodput: dict[str, float]  # NaN for a tenant that never ran
    repair_nodes_mean: float  # nodes in repair, mean over the samples (the repair backlog)
    repair_nodes_max: int
    out_of_service_accelerators_mean: float  # accelerators in repair, mean over the samples
    out_of_service_share: float  # of online + in-repair accelerators, mean over the samples
    causes: list[CauseSummary]
    checkpoint_overhead_accelerator_h: float = 0.0  # writing checkpoints (not useful work)
    migration_overhead_accelerator_h: float = 0.0  # restoring jobs a policy moved
    migrations: int = 0
    stateless_interruptions: int = 0  # interruptions (planned too) of jobs that lose no work
    spares_per_hall: int = 0
    spare_swaps: int = 0  # failed nodes replaced at once from their hall's spare pool
    spares_in_use_mean: float = 0.0  # over the samples, all halls
    spares_in_use_max: int = 0
    planned_interruptions: int = 0  # of ``interruptions``: planned job stops (no work lost)
    mtti_by_size: list[MttiRow] = field(default_factory=list)  # observed, per job size band


def job_goodput(result: ReplayResult) -> np.ndarray:
    """Per job: useful training time / time held while running (NaN: never ran); needs a
    replay with failures."""
    records = result.failures
    if records is None:
        raise ValueError("the replay ran without failures")
    run = records.job_run_s
    lost = records.job_lost_s + result.records.overhead_s
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(run > 0, (run - lost).clip(0) / run, np.nan)


def summarize_failures(result: ReplayResult) -> FailureSummary:
    """Interruptions and lost time by cause, goodput per tenant, repair backlog (pure)."""
    records = result.failures
    if records is None:
        raise ValueError("the replay ran without failures")
    jobs = result.jobs
    share = jobs.accelerators * (jobs.gpu_milli / 1000.0)
    held = records.job_run_s * share
    overhead = result.records.overhead_s
    checkpoints = result.records.checkpoint_overhead_s
    useful = (records.job_run_s - records.job_lost_s - overhead).clip(0) * share
    tenant_goodput = {}
    for index, name in enumerate(jobs.tenants):
        mine = jobs.tenant == index
        total = float(held[mine].sum())
        tenant_goodput[name] = float(useful[mine].sum()) / total if total > 0 else float("nan")
    rolled = records.rolled_back_accelerator_s_by_cause
    planned = records.planned_by_cause
    if len(planned) != len(records.causes):  # records built without job stops
        planned = np.zeros(len(records.causes), bool)
    restart = records.restart_accelerator_s_by_cause
    repair = records.repair_nodes
    out = records.repair_accelerators
    online = result.samples.group_online.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out_share = np.where(online + out > 0, out / (online + out), 0.0)
    return FailureSummary(
        node_outages=int(records.node_outages_by_cause.sum()),
        interruptions=int(records.interruptions_by_cause.sum()),
        lost_accelerator_h=float(rolled.sum() + restart.sum()) / HOUR_S,
        rolled_back_accelerator_h=float(rolled.sum()) / HOUR_S,
        restart_accelerator_h=float(restart.sum()) / HOUR_S,
        goodput=float(useful.sum() / held.sum()) if held.sum() > 0 else float("nan"),
        tenant_goodput=tenant_goodput,
        repair_nodes_mean=float(repair.mean()) if len(repair) else 0.0,
        repair_nodes_max=int(repair.max()) if len(repair) else 0,
        out_of_service_accelerators_mean=float(out.mean()) if len(out) else 0.0,
        out_of_service_share=float(out_share.mean()) if len(out_share) else 0.0,
        causes=[
            CauseSummary(
                cause,
                int(records.node_outages_by_cause[k]),
                int(records.interruptions_by_cause[k]),
                float(rolled[k] + restart[k]) / HOUR_S,
                bool(planned[k]),
            )
            for k, cause in enumerate(records.causes)
        ],
        checkpoint_overhead_accelerator_h=float((checkpoints * share).sum()) / HOUR_S,
        migration_overhead_accelerator_h=float(((overhead - checkpoints) * share).sum()) / HOUR_S,
        migrations=int(result.records.migrations.sum()),
        stateless_interruptions=int(result.records.interruptions[jobs.stateless].sum()),
        spares_per_hall=records.spares_per_hall,
        spare_swaps=records.spare_swaps,
        spares_in_use_mean=float(records.spares_in_use.mean())
        if len(records.spares_in_use)
        else 0.0,
        spares_in_use_max=int(records.spares_in_use.max()) if len(records.spares_in_use) else 0,
        planned_interruptions=int(records.interruptions_by_cause[planned].sum()),
        mtti_by_size=mtti_by_size(result),
    )


@dataclass(frozen=True)
class ReplaySummary:
    policy: str
    placement: str
    horizon_s: float
    events: int
    jobs: int
    utilization: float
    jain_fairness: float  # Jain's index over share / entitlement (1: exactly fair)
    mean_queue_length: float
    max_queue_length: int
    tenants: list[TenantSummary]
    groups: list[GroupSummary]
    failures: FailureSummary | None = None  # None: replayed without failures


def summarize_replay(result: ReplayResult) -> ReplaySummary:
    """Per tenant and per (site, type) summaries of a replay; see the dataclasses' fields."""
    jobs, records = result.jobs, result.records
    wait = records.wait_s(jobs) / HOUR_S
    jct = records.jct_s(jobs) / HOUR_S
    used_total = float(result.tenant_busy_s.sum())
    weights = jobs.tenant_weight / jobs.tenant_weight.sum()
    demand = jobs.accelerator_seconds()
    tenants: list[TenantSummary] = []
    for index, name in enumerate(jobs.tenants):
        mine = jobs.tenant == index
        multi = mine & (records.nodes > 1)
        tenants.append(
            TenantSummary(
                tenant=name,
                jobs=int(mine.sum()),
                started=int((mine & ~np.isnan(records.start_s)).sum()),
                finished=int((mine & ~np.isnan(records.end_s)).sum()),
                rejected=int((mine & records.rejected).sum()),
                wait_p50_h=_pct(wait[mine], 50),
                wait_p95_h=_pct(wait[mine], 95),
                wait_p99_h=_pct(wait[mine], 99),
                jct_p50_h=_pct(jct[mine], 50),
                jct_p95_h=_pct(jct[mine], 95),
                demand_accelerator_h=float(demand[mine].sum()) / HOUR_S,
                used_accelerator_h=float(result.tenant_busy_s[index]) / HOUR_S,
                share=float(result.tenant_busy_s[index]) / used_total if used_total else 0.0,
                entitlement=float(weights[index]),
                max_domains=int(records.domains[mine].max()) if mine.any() else 0,
                mean_domains=float(records.domains[multi].mean()) if multi.any() else 1.0,
                max_halls=int(records.halls[mine].max()) if mine.any() else 0,
                max_sites=int(records.sites[mine].max()) if mine.any() else 0,
            )
        )
    ratios = np.array([t.share / t.entitlement for t in tenants if t.jobs])
    jain = float(ratios.sum() ** 2 / (len(ratios) * (ratios**2).sum())) if ratios.any() else 1.0
    online_end = (
        result.samples.group_online[-1]
        if len(result.samples.time_s)
        else np.zeros(len(result.groups))
    )
    groups = [
        GroupSummary(
            site,
            accelerator,
            float(online_end[g]),
            float(result.group_busy_s[g] / result.group_online_s[g])
            if result.group_online_s[g] > 0
            else 0.0,
        )
        for g, (site, accelerator) in enumerate(result.groups)
    ]
    online_total = float(result.group_online_s.sum())
    queue = result.samples.queue_length
    return ReplaySummary(
        policy=result.policy,
        placement=result.placement,
        horizon_s=result.horizon_s,
        events=result.events,
        jobs=jobs.count,
        utilization=float(result.group_busy_s.sum()) / online_total if online_total else 0.0,
        jain_fairness=jain,
        mean_queue_length=float(queue.mean()) if len(queue) else 0.0,
        max_queue_length=int(queue.max()) if len(queue) else 0,
        tenants=tenants,
        groups=groups,
        failures=summarize_failures(result) if result.failures is not None else None,
    )
