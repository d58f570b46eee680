"""The simulate and traces commands (wired into a local Typer app, as cli.py does)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gigawatt.cli_simulate import parse_seeds, simulate, traces_app


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

    from gigawatt.cli_simulate import simulate

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

    from gigawatt.cli_simulate import simulate

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


def test_simulate_scenario_unknown_failure_model_is_one_line_exit_2() -> None:
    result = CliRunner().invoke(
        app(), ["simulate", "scenarios/anthropic-fluidstack-2026.yaml", "--failures", "nope"]
    )
    assert result.exit_code == 2, result.output
