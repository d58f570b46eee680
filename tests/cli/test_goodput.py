"""``gigawatt goodput`` as a command: tables, JSON, aliases, one-line errors with exit 2."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from gigawatt.cli.goodput import goodput, parse_duration_s

app = typer.Typer()
app.command()(goodput)
runner = CliRunner()


def test_llama3_sizing_prints_analytic_and_simulated_side_by_side() -> None:
    result = runner.invoke(app, ["--accelerators", "16384", "--type", "h100", "--days", "54"])
    assert result.exit_code == 0, result.output
    for text in ("analytic", "simulated (20 seeds)", "MTTI", "goodput", "faulty_gpu", "466.0"):
        assert text in result.output


def test_gb200_alias_and_json_output() -> None:
    args = ["--accelerators", "100000", "--type", "gb200", "--checkpoint", "30m"]
    result = runner.invoke(app, [*args, "--restart", "10m", "--seeds", "4", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["job"]["type"] == "gb200-nvl72"
    assert report["job"]["domain_accelerators"] == 72
    assert report["job"]["checkpoint_interval_s"] == 1800.0
    assert report["job"]["restart_s"] == 600.0
    assert 0.0 < report["simulated"]["goodput_mean"] < 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--accelerators", "0"], "--accelerators"),
        (["--accelerators", "8", "--type", "h999"], "unknown accelerator"),
        (["--accelerators", "8", "--checkpoint", "soon"], "--checkpoint"),
        (["--accelerators", "8", "--failures", "nope"], "unknown failure model"),
        (["--accelerators", "8", "--days", "-1"], "--days"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.strip().count("\n") == 0


def test_durations_parse_with_units() -> None:
    assert parse_duration_s("30m", "x") == 1800.0
    assert parse_duration_s("1.5h", "x") == 5400.0
    assert parse_duration_s("90", "x") == 90.0
