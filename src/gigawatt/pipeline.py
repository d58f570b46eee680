"""The chain as a library: scenario -> plan (`Buildout`) -> `Fleet` -> jobs -> replay ->
`Financials`, in memory, each step computed once.

This is the pipeline layer of docs/architecture (design.md): below the edges (CLI, service,
sweeps, report), above the core (plan, fleet, workload, sched, sim, econ). It reads what a
scenario names (the scenario file, catalogs, failure models, traces' shapes) but writes no
file and prints nothing; the run-folder files are written by `gigawatt.outputs`.

    import gigawatt

    result = gigawatt.run("scenarios/anthropic-fluidstack-2026.yaml", months=4)
    result.plan_summary["capex_usd"]          # the plan
    result.summary.utilization                # the replay's summary (`ReplaySummary`)
    result.finance.summary["verdict"]         # NPV, IRR, break-even

    # or step by step, each step computed on first use and kept:
    pipeline = gigawatt.Pipeline("x.yaml", SimulationOptions(months=3, failures=None))
    pipeline.plan, pipeline.fleet, pipeline.jobs, pipeline.simulation, pipeline.finance

A `Pipeline` is built from a loaded `Scenario` or a path (loaded once, at construction).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

import gigawatt.sched.topology  # noqa: F401  (registers the fleet placements)
from gigawatt.catalog.models import Catalog
from gigawatt.econ.defaults import load_finance_defaults
from gigawatt.econ.financials import Financials, finance_summary
from gigawatt.econ.utilization import useful_utilization
from gigawatt.failures.load import load_failure_model
from gigawatt.failures.models import FailureModel
from gigawatt.failures.spares import parse_spares
from gigawatt.fleet.topology import Fleet, fleet_from_buildout
from gigawatt.plan import plan_scenario, summarize
from gigawatt.plan.buildout import Buildout
from gigawatt.plan.feasible import Ramp
from gigawatt.scenario import Scenario, load_scenario, scenario_catalog
from gigawatt.scenario.tenants import Workload
from gigawatt.sched.defrag import Defragmenting
from gigawatt.sched.jobs import JobTable
from gigawatt.sched.queue import QueuePolicy, make_queue_policy
from gigawatt.sim.replay import NodeFailures, ReplayResult, fleet_failures, replay
from gigawatt.sim.replay_summary import ReplaySummary, summarize_replay
from gigawatt.traces import load_demand_shape
from gigawatt.traces.philly import load_research_mix
from gigawatt.workload.generators import generate_jobs
from gigawatt.workload.reservations import with_reservations
from gigawatt.workload.tenants import scenario_workload

__all__ = [
    "DEFAULT_FAILURE_MODEL",
    "DEFAULT_RAMP",
    "MEAN_MONTH_S",
    "Finance",
    "Pipeline",
    "RunResult",
    "Simulation",
    "SimulationOptions",
    "load_scenario",
    "run",
]

#: The ramp a run plans on unless told otherwise (`gigawatt.plan.feasible`).
DEFAULT_RAMP: Ramp = "feasible"

#: A mean month (365.25 / 12 days) in seconds: simulated months are this long.
MEAN_MONTH_S = 30.4375 * 86_400.0

#: The failure model `run` (and `gigawatt run`) replays with by default: Meta's Llama 3
#: pre-training interruption mix (data/failures/llama3-2024.yaml, "The Llama 3 Herd of Models",
#: Table 5).
DEFAULT_FAILURE_MODEL = "llama3-2024"


@dataclass(frozen=True)
class SimulationOptions:
    """How the planned fleet is replayed. Defaults are `gigawatt simulate SCENARIO`'s."""

    months: int = 12  # simulated from the program start
    queue: str = "easy-backfill"  # queue policy (`gigawatt.sched.queue`)
    placement: str = "topology"  # fleet placement (`gigawatt.sched.cluster`)
    seed: int = 42  # the workload's seed
    contracts: bool = True  # include contracted (cloud) capacity in the fleet
    sample_hours: float = 6.0  # hours between samples of the series
    #: Node failures and repairs from this failure model (a name in data/failures, a YAML path
    #: or a loaded model); None: no failures.
    failures: str | Path | FailureModel | None = None
    #: Inference arrivals follow this trace's demand shape (e.g. "azure-llm-2023:conv").
    inference_shape: str | None = None
    defrag: bool = False  # move checkpointing jobs for gangs blocked by fragmentation
    #: Spare nodes per hall with failures: "4" per hall, "2%" of each hall's nodes; None: the
    #: failure model's pool, else `gigawatt.failures.spares.DEFAULT_SPARES_SHARE`.
    spares: str | None = None

    @property
    def horizon_s(self) -> float:
        """Seconds simulated: `months` mean months."""
        return self.months * MEAN_MONTH_S


@dataclass(frozen=True)
class Simulation:
    """One replay of the planned fleet: the per-job and sampled tables, their summary, and
    the wall seconds the replay took (outage drawing included)."""

    result: ReplayResult
    summary: ReplaySummary
    replay_seconds: float
    options: SimulationOptions
    workload: Workload  # the tenants whose jobs were replayed

    @property
    def useful_utilization(self) -> float:
        """Utilization as finance means it (`gigawatt.econ.utilization.useful_utilization`)."""
        failures = self.summary.failures
        if failures is None:
            return useful_utilization(self.summary.utilization)
        return useful_utilization(
            self.summary.utilization, failures.goodput, failures.out_of_service_share
        )

    @property
    def any_online(self) -> bool:
        """Whether any accelerator is online at the end of the simulated window."""
        return any(g.online_accelerators_end for g in self.summary.groups)

    @property
    def whole_node_jobs(self) -> bool:
        """Whether every job takes whole nodes of every node size in the fleet (then the fleet
        cannot fragment below a node)."""
        jobs, fleet = self.result.jobs, self.result.fleet
        node_sizes = {int(v) for v in np.unique(fleet.node_accelerators)}
        node_lcm = math.lcm(*node_sizes) if node_sizes else 1
        return bool(
            jobs.count
            and (jobs.gpu_milli == 1000).all()
            and (jobs.accelerators % node_lcm == 0).all()
        )

    @property
    def min_job_accelerators(self) -> int:
        """The smallest job's accelerators (0 without jobs)."""
        jobs = self.result.jobs
        return int(jobs.accelerators.min()) if jobs.count else 0


@dataclass(frozen=True)
class Finance:
    """The plan financed: monthly `Financials` and their JSON-ready summary (with the
    scenario's name first)."""

    financials: Financials
    summary: dict[str, Any]
    #: The utilization finance used instead of the scenario's (None: the scenario's).
    utilization: float | None


@dataclass(frozen=True)
class RunResult:
    """Every part of one run of the chain (`run`, `Pipeline.result`)."""

    scenario: Scenario
    source: str  # the scenario's file, "" when built in code
    plan: Buildout
    plan_summary: dict[str, Any]
    simulation: Simulation | None  # None: not simulated
    finance: Finance
    notes: tuple[str, ...]  # what a reader should know about the numbers
    seconds: dict[str, float]  # wall seconds per step: plan, simulate, finance

    @property
    def fleet(self) -> Fleet | None:
        return self.simulation.result.fleet if self.simulation else None

    @property
    def jobs(self) -> JobTable | None:
        return self.simulation.result.jobs if self.simulation else None

    @property
    def replay(self) -> ReplayResult | None:
        return self.simulation.result if self.simulation else None

    @property
    def summary(self) -> ReplaySummary | None:
        return self.simulation.summary if self.simulation else None

    @property
    def financials(self) -> Financials:
        return self.finance.financials


class Pipeline:
    """The chain for one scenario; each step is computed on first use and kept.

    ``simulation``: how the fleet is replayed. ``utilization``: finance at this share of
    accelerator-hours instead of the scenario's; ``simulated_utilization``: finance at the
    simulated one (`Simulation.useful_utilization`; the scenario's when it is 0). ``catalog``
    and ``plan``: steps a caller already computed for this scenario (e.g. a sweep's sample).
    ``progress``: called with the simulated time (seconds) as the replay advances.
    ``source``: the scenario's file for messages (default: the path given, else "").
    ``ramp``: the ramp the plan (and so the fleet, the replay and finance) follows:
    "announced" (the scenario's online months) or "feasible" (each phase at the month its
    binding constraints allow, `gigawatt.plan.feasible`)."""

    def __init__(
        self,
        scenario: Scenario | str | Path,
        simulation: SimulationOptions | None = None,
        *,
        utilization: float | None = None,
        simulated_utilization: bool = False,
        catalog: Catalog | None = None,
        plan: Buildout | None = None,
        progress: Callable[[float], None] | None = None,
        source: str | None = None,
        ramp: Ramp = DEFAULT_RAMP,
    ) -> None:
        if utilization is not None and simulated_utilization:
            raise ValueError("give a utilization or simulated_utilization, not both")
        if isinstance(scenario, Scenario):
            self.scenario = scenario
        else:
            self.scenario = load_scenario(scenario)
        #: The scenario's file, for messages ("" when built in code).
        self.source = (
            source
            if source is not None
            else ""
            if isinstance(scenario, Scenario)
            else str(scenario)
        )
        self.options = simulation if simulation is not None else SimulationOptions()
        self.utilization = utilization
        self.simulated_utilization = simulated_utilization
        self.progress = progress
        self._catalog = catalog
        self._plan = plan
        self.ramp: Ramp = ramp
        #: Wall seconds of each step computed so far ("plan", "simulate", "finance"), each
        #: including the steps it computed first.
        self.seconds: dict[str, float] = {}

    # plan ---------------------------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        """The bundled catalog with the scenario's overrides."""
        if self._catalog is None:
            self._catalog = scenario_catalog(self.scenario)
        return self._catalog

    @property
    def plan(self) -> Buildout:
        """The scenario planned month by month on the pipeline's ramp
        (`gigawatt.plan.plan_scenario`)."""
        if self._plan is None:
            started = time.perf_counter()
            self._plan = plan_scenario(self.scenario, self.catalog, self.ramp)
            self.seconds["plan"] = time.perf_counter() - started
        return self._plan

    @cached_property
    def plan_summary(self) -> dict[str, Any]:
        """The plan's JSON-ready summary (`gigawatt.plan.summarize`)."""
        return summarize(self.plan)

    # fleet and jobs -----------------------------------------------------------------------

    @cached_property
    def fleet(self) -> Fleet:
        """The physical fleet the plan builds, time zero at the program start."""
        return fleet_from_buildout(
            self.plan, self.catalog, self.scenario.program.start, self.options.contracts
        )

    @cached_property
    def workload(self) -> Workload:
        """The tenants (`gigawatt.workload.tenants.scenario_workload`)."""
        return scenario_workload(self.scenario, self.options.seed)

    @cached_property
    def _jobs_and_policy(self) -> tuple[JobTable, QueuePolicy]:
        options = self.options
        shape = load_demand_shape(options.inference_shape) if options.inference_shape else None
        jobs = generate_jobs(
            self.workload, self.fleet, options.horizon_s, load_research_mix(), shape
        )
        policy = make_queue_policy(options.queue, options.placement)
        if options.defrag:  # moves checkpointing jobs for a blocked gang (docs/simulate.md)
            policy = Defragmenting(policy)
        return with_reservations(self.scenario, self.fleet, jobs, policy, self.source)

    @property
    def jobs(self) -> JobTable:
        """The tenants' jobs arriving within the horizon, with the scenario's reserved runs."""
        return self._jobs_and_policy[0]

    @property
    def policy(self) -> QueuePolicy:
        """The queue policy the replay admits with (wrapped for defrag and reservations)."""
        return self._jobs_and_policy[1]

    @cached_property
    def failure_model(self) -> FailureModel | None:
        """The failure model of `SimulationOptions.failures`, loaded once (None: none)."""
        failures = self.options.failures
        if failures is None or failures == "":
            return None
        if isinstance(failures, FailureModel):
            return failures
        return load_failure_model(failures)

    def _node_failures(self, model: FailureModel | None) -> NodeFailures | None:
        """Node outages of ``model`` drawn for the fleet over the horizon, with the spare pool."""
        if model is None:
            return None
        per_hall, share = parse_spares(self.options.spares, model.spares is not None)
        options = self.options
        return fleet_failures(model, self.fleet, options.horizon_s, options.seed, per_hall, share)

    # replay and finance -------------------------------------------------------------------

    @cached_property
    def simulation(self) -> Simulation:
        """The fleet replayed with the jobs under the policy (and failures) up to the horizon."""
        begun = time.perf_counter()
        fleet, jobs, policy, options = self.fleet, self.jobs, self.policy, self.options
        model = self.failure_model  # loaded before the replay's clock starts
        started = time.perf_counter()
        node_failures = self._node_failures(model)  # drawing outages counts as replay time
        result = replay(
            fleet,
            jobs,
            policy,
            options.horizon_s,
            options.sample_hours * 3600.0,
            self.progress,
            node_failures,
        )
        seconds = time.perf_counter() - started
        simulation = Simulation(result, summarize_replay(result), seconds, options, self.workload)
        self.seconds["simulate"] = time.perf_counter() - begun
        return simulation

    @cached_property
    def finance_utilization(self) -> float | None:
        """The utilization finance uses instead of the scenario's: the one given, or the
        simulated one when asked for and above 0 (None: the scenario's)."""
        if not self.simulated_utilization:
            return self.utilization
        used = self.simulation.useful_utilization
        return used if used > 0 else None

    @cached_property
    def finance(self) -> Finance:
        """Cost, revenue, cash flow and verdict of the plan (`gigawatt.econ.financials`)."""
        utilization = self.finance_utilization
        began = time.perf_counter()
        scenario, buildout = self.scenario, self.plan
        settings, defaults = scenario.finance, load_finance_defaults()
        start = scenario.program.start
        fin, summary = finance_summary(
            buildout, settings, defaults, valuation_month=start, utilization=utilization
        )
        summary = {"name": scenario.program.name, **summary}
        self.seconds["finance"] = time.perf_counter() - began
        return Finance(fin, summary, utilization)

    def notes(self) -> list[str]:
        """What a reader should know about the steps computed so far."""
        notes: list[str] = []
        simulation = self.__dict__.get("simulation")
        if isinstance(simulation, Simulation) and not simulation.any_online:
            notes.append(
                f"No accelerator is online within the {self.options.months} simulated months "
                "from the program start: the simulation numbers are empty (try a larger --months)."
            )
        finance = self.__dict__.get("finance")
        if (
            self.simulated_utilization
            and isinstance(finance, Finance)
            and finance.utilization is None
        ):
            notes.append(
                "--simulated-utilization: nothing was used in the simulated window "
                "(utilization 0), so finance keeps the scenario's utilization."
            )
        return notes

    def result(self, simulate: bool = True) -> RunResult:
        """Plan, simulate (unless ``simulate`` is False) and finance: every part."""
        if self.simulated_utilization and not simulate:
            raise ValueError("simulated_utilization needs the simulation")
        plan, plan_summary = self.plan, self.plan_summary
        simulation = self.simulation if simulate else None
        finance = self.finance
        return RunResult(
            scenario=self.scenario,
            source=self.source,
            plan=plan,
            plan_summary=plan_summary,
            simulation=simulation,
            finance=finance,
            notes=tuple(self.notes()),
            seconds=dict(self.seconds),
        )


def run(
    scenario: Scenario | str | Path,
    *,
    simulate: bool = True,
    months: int = 12,
    queue: str = "easy-backfill",
    placement: str = "topology",
    seed: int = 42,
    failures: str | Path | FailureModel | None = DEFAULT_FAILURE_MODEL,
    contracts: bool = True,
    sample_hours: float = 6.0,
    spares: str | None = None,
    simulated_utilization: bool = False,
    utilization: float | None = None,
    progress: Callable[[float], None] | None = None,
    ramp: Ramp = DEFAULT_RAMP,
) -> RunResult:
    """Plan, simulate and finance a scenario (a path or a loaded `Scenario`), as
    ``gigawatt run`` does but writing nothing: every part, typed, in memory. Defaults are
    ``gigawatt run``'s (failures from `DEFAULT_FAILURE_MODEL`; None replays without)."""
    options = SimulationOptions(
        months=months,
        queue=queue,
        placement=placement,
        seed=seed,
        contracts=contracts,
        sample_hours=sample_hours,
        failures=failures,
        spares=spares,
    )
    pipeline = Pipeline(
        scenario,
        options,
        utilization=utilization,
        simulated_utilization=simulated_utilization,
        progress=progress,
        ramp=ramp,
    )
    return pipeline.result(simulate)
