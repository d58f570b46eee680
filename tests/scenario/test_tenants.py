"""Tenants (the scenario's `tenants:` section): the checkpoint interval a scenario writes
(`auto`, seconds or a duration), its errors, and what `auto` becomes once the jobs are
simulated with failures."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

import gigawatt.sched.topology  # noqa: F401
from gigawatt.failures.analytic import daly_interval_s
from gigawatt.failures.exposure import JobShape, job_rates
from gigawatt.failures.load import load_failure_model
from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.scenario.tenants import FrontierTraining, ResearchPool, Tenant, Workload
from gigawatt.sched.queue import make_queue_policy
from gigawatt.sim.replay import fleet_failures, replay
from gigawatt.traces.philly import load_research_mix
from gigawatt.workload.generators import generate_jobs

DAY_S = 86_400.0


@pytest.mark.parametrize(
    ("written", "seconds"),
    [(1800, 1800.0), (1800.5, 1800.5), ("1800", 1800.0), ("30m", 1800.0), ("1.5h", 5400.0),
     ("90s", 90.0), ("1d", 86_400.0), (" 45 min ", 2700.0)],
)  # fmt: skip
def test_checkpoint_interval_takes_seconds_or_a_duration(written: object, seconds: float) -> None:
    spec = ResearchPool.model_validate({"checkpoint_interval_s": written})
    assert spec.checkpoint_interval_s == seconds
    assert spec.model_dump()["checkpoint_interval_s"] == seconds


def test_auto_is_nan_in_the_model_and_auto_when_written_back() -> None:
    spec = FrontierTraining.model_validate({"checkpoint_interval_s": "auto"})
    assert math.isnan(spec.checkpoint_interval_s)
    assert spec.model_dump()["checkpoint_interval_s"] == "auto"
    assert '"checkpoint_interval_s":"auto"' in spec.model_dump_json()
    again = FrontierTraining.model_validate_json(spec.model_dump_json())
    assert math.isnan(again.checkpoint_interval_s)
    # Defaults: frontier runs at their Young/Daly interval (a fixed hour loses most of the work
    # of a 100k+ gang; docs/failures.md), research every 30 minutes; plain seconds stay seconds.
    assert math.isnan(FrontierTraining().checkpoint_interval_s)
    assert FrontierTraining().model_dump()["checkpoint_interval_s"] == "auto"
    assert ResearchPool().checkpoint_interval_s == 1800.0
    assert FrontierTraining(checkpoint_interval_s=3600).checkpoint_interval_s == 3600.0


@pytest.mark.parametrize("bad", ["sometimes", "30 parsecs", 0, -60, "0m", True, None, math.inf])
def test_a_bad_checkpoint_interval_says_what_was_expected(bad: object) -> None:
    with pytest.raises(ValidationError) as error:
        Tenant.model_validate(
            {"name": "lab", "entitlement": 1,
             "workloads": [{"kind": "frontier_training", "checkpoint_interval_s": bad}]}
        )  # fmt: skip
    [problem] = error.value.errors()
    assert problem["loc"] == ("workloads", 0, "frontier_training", "checkpoint_interval_s")
    assert "expected `auto`, seconds (e.g. 1800) or a duration like 30m or 1.5h" in problem["msg"]


def test_validate_names_the_file_line_and_field_of_a_bad_interval(tmp_path: Path) -> None:
    from gigawatt.cli import app

    text = Path("scenarios/anthropic-fluidstack-2026.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        text + "\ntenants:\n  - {name: lab, entitlement: 1,\n"
        "     workloads: [{kind: research, checkpoint_interval_s: often}]}\n"
    )
    result = CliRunner().invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert (
        "tenants[0].workloads[0].research.checkpoint_interval_s: expected `auto`, seconds"
        in result.output
    )
    assert "Traceback" not in result.output


def test_auto_checkpoints_at_young_daly_from_each_jobs_mtti_when_simulated_with_failures() -> None:
    """A tenant writes `auto` for its research jobs and `30m` for its other pool; replayed with
    Llama 3's failures, every job that ran uninterrupted to its end wrote exactly the
    checkpoints of its Daly interval at its size (10 s each, the model's checkpoint cost)."""
    fleet = build_fleet([HallBlock("s", "h", "h100", 512, 8, 1, 0.0)])
    tenant = Tenant.model_validate(
        {"name": "lab", "entitlement": 1,
         "workloads": [{"kind": "research", "share_of_fleet": 0.3, "size_scale": 8,
                        "checkpoint_interval_s": "auto"},
                       {"kind": "research", "share_of_fleet": 0.3, "size_scale": 8,
                        "checkpoint_interval_s": "30m"}]}
    )  # fmt: skip
    horizon_s = 20 * DAY_S
    jobs = generate_jobs(Workload(tenants=[tenant], seed=4), fleet, horizon_s, load_research_mix())
    auto = np.isnan(jobs.checkpoint_s)
    assert auto.any() and (jobs.checkpoint_s[~auto] == 1800.0).all()
    model = load_failure_model("llama3-2024")
    failures = fleet_failures(model, fleet, horizon_s, seed=2)
    result = replay(fleet, jobs, make_queue_policy("fifo"), horizon_s, DAY_S, None, failures)
    records = result.records
    clean = ~np.isnan(records.end_s) & (records.interruptions == 0) & (records.migrations == 0)
    checked = {True: 0, False: 0}
    for job in np.flatnonzero(clean):
        work = float(jobs.duration_s[job])
        if auto[job]:
            rates = job_rates(model, JobShape(int(jobs.accelerators[job]), 8, 8))
            interval = daly_interval_s(10.0, 1.0 / rates.unplanned_per_s)
        else:
            interval = 1800.0
        writes = max(math.ceil(work / interval) - 1, 0)
        assert records.checkpoint_overhead_s[job] == pytest.approx(writes * 10.0), job
        checked[bool(auto[job])] += writes > 0
    # Enough jobs long enough to checkpoint on both sides, and the intervals do differ.
    assert checked[True] >= 10 and checked[False] >= 10
