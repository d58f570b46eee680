"""The simulate and traces commands (wired into a local Typer app, as the `gigawatt` app does)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from gigawatt.cli.simulate import parse_seeds, simulate
from gigawatt.cli.traces import traces_app


def app() -> typer.Typer:
    main = typer.Typer()
    main.command("simulate")(simulate)
    main.add_typer(traces_app, name="traces")
    return main


def test_seeds_parse_ranges_and_lists() -> None:
    assert parse_seeds("42-45") == [42, 43, 44, 45]
    assert parse_seeds("42,47-48") == [42, 47, 48]
    with pytest.raises(ValueError):
        parse_seeds("x")
    with pytest.raises(ValueError):
        parse_seeds("50-42")


def test_simulate_compares_with_the_paper_and_writes_curves(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app(),
        [
            "simulate",
            "--policy",
            "bestfit",
            "--seeds",
            "42",
            "--compare",
            "--jobs",
            "1",
            "--out",
            str(tmp_path),
        ],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    assert "bestfit" in result.output
    assert "92.94" in result.output  # seed 42 at 100% arrived, ours and the paper's
    summary = json.loads((tmp_path / "summary.json").read_text())
    row = summary["policies"][0]
    assert row["alloc_100"] == row["paper_alloc_100"] == pytest.approx(92.94)
    assert (tmp_path / "curves.csv").read_text().count("\n") == 1 + 3


def test_bad_policy_or_workload_exits_2_with_one_line() -> None:
    result = CliRunner().invoke(app(), ["simulate", "--policy", "nope"])
    assert result.exit_code == 2
    assert "unknown policy 'nope'" in result.output
    result = CliRunner().invoke(app(), ["simulate", "--workload", "nope"])
    assert result.exit_code == 2


def test_traces_list_and_show() -> None:
    runner = CliRunner()
    listed = runner.invoke(app(), ["traces", "list"], terminal_width=200)
    assert listed.exit_code == 0 and "openb" in listed.output
    shown = runner.invoke(app(), ["traces", "show", "openb"], terminal_width=200)
    assert shown.exit_code == 0
    assert "6,212" in shown.output and "gpushare40" in shown.output
    assert runner.invoke(app(), ["traces", "show", "nope"]).exit_code == 2


def test_simulate_scenario_writes_jobs_series_and_summary(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from gigawatt.cli.simulate import simulate

    app = typer.Typer()
    app.command()(simulate)
    out = tmp_path / "sim"
    result = CliRunner().invoke(
        app,
        [
            "scenarios/anthropic-fluidstack-2026.yaml",
            "--months",
            "3",
            "--out",
            str(out),
            "--no-contracts",
            "--queue",
            "fifo",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "tenant" in result.output and "utilization" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert {t["tenant"] for t in summary["tenants"]} == {"training", "inference", "research"}
    assert (out / "jobs.csv").read_text().startswith("job,tenant,accelerators")
    assert (out / "series.csv").is_file()


def test_simulate_scenario_unknown_queue_policy_is_one_line_exit_2() -> None:
    from typer.testing import CliRunner

    from gigawatt.cli.simulate import simulate

    app = typer.Typer()
    app.command()(simulate)
    result = CliRunner().invoke(
        app, ["scenarios/anthropic-fluidstack-2026.yaml", "--queue", "lottery"]
    )
    assert result.exit_code == 2
    assert "unknown queue policy" in result.output


def test_simulate_scenario_with_failures_prints_and_writes_them(tmp_path: Path) -> None:
    out = tmp_path / "f"
    args = ["scenarios/anthropic-fluidstack-2026.yaml", "--months", "3", "--no-contracts"]
    result = CliRunner().invoke(
        app(), ["simulate", *args, "--failures", "llama3-2024", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "goodput" in result.output and "failures:" in result.output
    failures = json.loads((out / "summary.json").read_text())["failures"]
    assert {"interruptions", "lost_accelerator_h", "goodput", "tenant_goodput", "causes"} <= set(
        failures
    )
    assert "repair_nodes" in (out / "series.csv").read_text().splitlines()[0]
    assert "goodput" in (out / "jobs.csv").read_text().splitlines()[0]


def test_simulate_scenario_bad_spares_is_one_line_exit_2() -> None:
    result = CliRunner().invoke(
        app(),
        ["simulate", "scenarios/anthropic-fluidstack-2026.yaml", "--months", "1",
         "--failures", "llama3-2024", "--spares", "3x"],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "--spares" in result.output and "3x" in result.output
    assert "Traceback" not in result.output


def test_simulate_scenario_unknown_failure_model_is_one_line_exit_2() -> None:
    result = CliRunner().invoke(
        app(), ["simulate", "scenarios/anthropic-fluidstack-2026.yaml", "--failures", "nope"]
    )
    assert result.exit_code == 2, result.output


def test_trace_replay_of_one_philly_vc_queues_fifo_in_arrival_order(tmp_path: Path) -> None:
    out = tmp_path / "p"
    result = CliRunner().invoke(
        app(),
        ["simulate", "--trace", "philly", "--workload", "6214e9", "--policy", "fifo",
         "--out", str(out)],
        terminal_width=200,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "6214e9" in result.output and "all jobs: wait p50" in result.output
    rows = list(csv.DictReader((out / "jobs.csv").open()))
    assert len(rows) == 2000  # the VC's trace lines
    arrival = np.array([float(r["arrival_s"]) for r in rows])
    start = np.array([float(r["start_s"]) for r in rows])
    end = np.array([float(r["end_s"]) for r in rows])
    duration = np.array([float(r["duration_s"]) for r in rows])
    assert np.all(start >= arrival) and np.allclose(end - start, duration)
    order = np.argsort(arrival, kind="stable")
    assert np.all(np.diff(start[order]) >= 0)  # strict FIFO: nobody overtakes
    summary = json.loads((out / "summary.json").read_text())
    assert [t["tenant"] for t in summary["tenants"]] == ["6214e9"]
    waits = (start - arrival) / 3600.0
    assert summary["tenants"][0]["wait_p50_h"] == pytest.approx(np.percentile(waits, 50))
    trace = json.loads((out / "trace.json").read_text())
    assert trace["jobs"] == 2000 and trace["accelerators"] == 500 and trace["notes"]
    assert trace["all_jobs"]["wait_p95_h"] == pytest.approx(np.percentile(waits, 95))
    assert trace["all_jobs"]["last_end_s"] == pytest.approx(end.max())


def test_trace_replay_all_policies_compare_side_by_side(tmp_path: Path) -> None:
    # A small Gavel-format trace that overloads a 4-GPU cluster: 24 one-GPU jobs arrive at
    # once, longest first, so FIFO runs them longest first and shortest-first the reverse.
    from gigawatt.traces.gavel_philly import GavelPhillyReader
    from gigawatt.traces.reader import _READERS, register_trace

    folder = tmp_path / "mini"
    (folder / "seed0").mkdir(parents=True)
    real = GavelPhillyReader().folder
    (folder / "v100_throughputs.csv").write_text((real / "v100_throughputs.csv").read_text())
    (folder / "cluster_specs.json").write_text('{"philly": ["4:0:0"]}')
    job = "ResNet-18 (batch size 32)"
    lines = [f"{job}\tcmd\t--num_steps\t1\t{(24 - k) * 10_000}\t0.0\t1" for k in range(24)]
    (folder / "seed0" / "vc.trace").write_text("\n".join(lines) + "\n")
    register_trace("philly-mini")(lambda: GavelPhillyReader(folder=folder))
    try:
        out = tmp_path / "all"
        result = CliRunner().invoke(
            app(),
            ["simulate", "--trace", "philly-mini", "--policy", "all", "--compare", "--jobs",
             "1", "--out", str(out)],
            terminal_width=200,
        )  # fmt: skip
    finally:
        del _READERS["philly-mini"]
    assert result.exit_code == 0, result.output
    compare = json.loads((out / "compare.json").read_text())["policies"]
    by_policy = {row["policy"]: row for row in compare}
    assert set(by_policy) == {"fifo", "priority", "shortest-first", "drf", "easy-backfill"}
    assert by_policy["shortest-first"]["wait_p50_h"] < 0.5 * by_policy["fifo"]["wait_p50_h"]
    assert by_policy["priority"]["wait_p50_h"] == by_policy["fifo"]["wait_p50_h"]  # no priorities
    fifo = list(csv.DictReader((out / "fifo" / "jobs.csv").open()))
    assert float(fifo[0]["duration_s"]) > float(fifo[-1]["duration_s"])
    assert float(fifo[0]["start_s"]) == 0.0 and float(fifo[-1]["wait_s"]) > 0.0
    assert (out / "drf" / "jobs.csv").is_file()


def test_trace_replay_bad_policy_or_packing_trace_is_one_line_exit_2() -> None:
    result = CliRunner().invoke(app(), ["simulate", "--trace", "philly", "--policy", "lottery"])
    assert result.exit_code == 2 and "unknown queue policy 'lottery'" in result.output
    result = CliRunner().invoke(app(), ["simulate", "--trace", "philly", "--workload", "nope"])
    assert result.exit_code == 2 and "philly has no VC 'nope'" in result.output
    result = CliRunner().invoke(app(), ["simulate", "--trace", "azure-llm-2023"])
    assert result.exit_code == 2 and "inference demand shape" in result.output
    assert "Traceback" not in result.output


def test_traces_list_shows_every_bundled_trace() -> None:
    listed = CliRunner().invoke(app(), ["traces", "list"], terminal_width=250)
    assert listed.exit_code == 0
    for name in ("openb", "philly", "azure-llm-2023", "alibaba-v2025-dlrm"):
        assert name in listed.output
    shown = CliRunner().invoke(app(), ["traces", "show", "philly"], terminal_width=250)
    assert shown.exit_code == 0 and "15,264 / 15" in shown.output


def test_scenario_seeds_run_in_a_pool_with_mean_and_spread(tmp_path: Path) -> None:
    out = tmp_path / "s"
    args = ["scenarios/anthropic-fluidstack-2026.yaml", "--months", "7", "--no-contracts"]
    result = CliRunner().invoke(
        app(), ["simulate", *args, "--seeds", "1-2", "--jobs", "2", "--out", str(out)],
        terminal_width=200,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "mean" in result.output and "sd" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert [s["seed"] for s in summary["seeds"]] == [1, 2]
    utilization = [s["utilization"] for s in summary["seeds"]]
    jobs = [s["jobs"] for s in summary["seeds"]]
    assert jobs[0] != jobs[1]  # each seed draws its own workload
    stats = summary["statistics"]["utilization"]
    assert stats["mean"] == pytest.approx(np.mean(utilization))
    assert stats["sd"] == pytest.approx(np.std(utilization, ddof=1))
    seed_2 = json.loads((out / "seed-2" / "summary.json").read_text())
    assert seed_2["jobs"] == jobs[1] and (out / "seed-1" / "jobs.csv").is_file()


def test_scenario_inference_arrivals_follow_the_azure_shape(tmp_path: Path) -> None:
    from gigawatt.traces import load_demand_shape

    out = tmp_path / "shape"
    args = ["scenarios/anthropic-fluidstack-2026.yaml", "--months", "7", "--no-contracts"]
    result = CliRunner().invoke(
        app(), ["simulate", *args, "--inference-shape", "azure-llm-2023:code", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    shape = load_demand_shape("azure-llm-2023:code")
    rows = [r for r in csv.DictReader((out / "jobs.csv").open()) if r["tenant"] == "inference"]
    arrival = np.array([float(r["arrival_s"]) for r in rows])
    assert len(arrival) > 200
    minute = (arrival % shape.period_s // 60).astype(np.int64)
    counts = np.bincount(minute, minlength=len(shape.relative_rate))
    assert np.corrcoef(counts, shape.relative_rate)[0, 1] > 0.8
    bad = CliRunner().invoke(app(), ["simulate", *args, "--inference-shape", "philly"])
    assert bad.exit_code == 2 and "has no demand shape" in bad.output


def test_seed_statistics_are_mean_sample_sd_and_range_ignoring_nan() -> None:
    from gigawatt.cli.simulate_seeds import SeedRun, seed_statistics
    from gigawatt.sim.replay_summary import ReplaySummary, TenantSummary

    def run(seed: int, utilization: float, wait_h: float) -> SeedRun:
        tenant = TenantSummary("t", 10, 10, 10, 0, wait_h, wait_h, wait_h, 1.0, 1.0, 1.0, 1.0,
                               1.0, 1.0, 1, 1.0, 1, 1)  # fmt: skip
        summary = ReplaySummary("fifo", "topology", 1.0, 5, 10, utilization, 1.0, 0.0, 0,
                                [tenant], [])  # fmt: skip
        return SeedRun(seed, summary, 1.0, 8, 1)

    stats = seed_statistics([run(1, 0.2, 1.0), run(2, 0.4, float("nan")), run(3, 0.9, 3.0)])
    assert stats["utilization"]["mean"] == pytest.approx(0.5)
    assert stats["utilization"]["sd"] == pytest.approx(np.std([0.2, 0.4, 0.9], ddof=1))
    assert (stats["utilization"]["min"], stats["utilization"]["max"]) == (0.2, 0.9)
    assert stats["t:wait_p50_h"]["mean"] == pytest.approx(2.0)  # the NaN seed is left out
    single = seed_statistics([run(1, 0.3, float("nan"))])
    assert single["utilization"]["sd"] == 0.0 and single["t:wait_p50_h"]["mean"] is None


def test_a_malformed_trace_is_one_line_in_list_show_and_simulate(tmp_path: Path) -> None:
    from gigawatt.traces.gavel_philly import GavelPhillyReader
    from gigawatt.traces.reader import _READERS, register_trace

    folder = tmp_path / "broken"
    (folder / "seed0").mkdir(parents=True)
    real = GavelPhillyReader().folder
    (folder / "v100_throughputs.csv").write_text((real / "v100_throughputs.csv").read_text())
    (folder / "cluster_specs.json").write_text('{"philly": ["4:0:0"]}')
    (folder / "seed0" / "vc.trace").write_text("A3C\tcmd\t--max-steps\t0\tmany\t0.0\t1\n")
    register_trace("philly-broken")(lambda: GavelPhillyReader(folder=folder))
    try:
        runner = CliRunner()
        listed = runner.invoke(app(), ["traces", "list"], terminal_width=300)
        shown = runner.invoke(app(), ["traces", "show", "philly-broken"], terminal_width=300)
        replayed = runner.invoke(app(), ["simulate", "--trace", "philly-broken"])
    finally:
        del _READERS["philly-broken"]
    assert listed.exit_code == 0 and "cannot read" in listed.output and "openb" in listed.output
    for result in (shown, replayed):
        assert result.exit_code == 2, result.output
        assert "vc.trace:1:" in result.output and "Traceback" not in result.output
