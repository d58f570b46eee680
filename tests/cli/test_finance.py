"""`gigawatt finance` and `gigawatt sweep` end to end on the demo scenario (commands mounted
on a fresh Typer app, as the `gigawatt` app mounts them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gigawatt.cli.finance import finance
from gigawatt.cli.sweep import sweep

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "anthropic-fluidstack-2026.yaml"

app = typer.Typer()
app.command()(finance)
app.command()(sweep)
runner = CliRunner()


def test_finance_prints_verdict_and_writes_traceable_outputs(tmp_path: Path) -> None:
    result = runner.invoke(app, ["finance", str(DEMO), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Cost per accelerator-hour" in result.output and "NPV $" in result.output
    summary = json.loads((tmp_path / "finance.json").read_text())
    assert summary["verdict"]["wacc"] == pytest.approx(summary["inputs"]["wacc"])
    assert "default:" in summary["input_sources"]["life_it_hardware_years"]
    assert {e["incentive"] for e in summary["incentives"]} >= {"sales_tax_exemption"}
    header = (tmp_path / "finance_monthly.csv").read_text().splitlines()[0]
    assert "cost_per_accelerator_hour_usd" in header and "net_income_usd" in header
    assert "tx-1" in (tmp_path / "cost_by_site.csv").read_text()


def test_finance_json_takes_a_measured_utilization(tmp_path: Path) -> None:
    sim = tmp_path / "sim.json"
    sim.write_text(json.dumps({"utilization": 0.5}))
    result = runner.invoke(app, ["finance", str(DEMO), "--json", "--utilization-from", str(sim)])
    assert result.exit_code == 0, result.output
    cost = json.loads(result.output)["cost_per_accelerator_hour"]
    assert cost["utilization"] == 0.5
    fleet = cost["fleet"]
    assert fleet["at_utilization_usd_per_hour"] == pytest.approx(2 * fleet["all_in_usd_per_hour"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--utilization", "1.5"], "--utilization must be in (0, 1]"),
        (["--utilization", "0.5", "--utilization-from", "x.json"], "not both"),
    ],
)
def test_finance_bad_options_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["finance", str(DEMO), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_two_scenarios_are_compared_on_revenue_needed(tmp_path: Path) -> None:
    openai = ROOT / "scenarios" / "openai-commitments.yaml"
    result = runner.invoke(app, ["finance", str(DEMO), str(openai), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Revenue needed to break even vs revenue assumed" in result.output
    assert (tmp_path / "openai-commitments" / "finance.json").is_file()
    both = json.loads(runner.invoke(app, ["finance", str(DEMO), str(openai), "--json"]).output)
    years = [n["year"] for n in both[1]["revenue_needed_to_break_even"]]
    assert years == [2028, 2030]


def test_missing_scenario_is_a_clear_error() -> None:
    result = runner.invoke(app, ["finance", "nope.yaml"])
    assert result.exit_code == 2 and "no such file" in result.output


def test_sweep_writes_parquet_summary_and_tornado(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["sweep", str(DEMO), "--samples", "16", "--engine", "serial", "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert "Which input matters most" in result.output
    summary = json.loads((tmp_path / "sweep.json").read_text())
    assert summary["samples"] == 16 and summary["tornado_npv"]
    assert (tmp_path / "tornado.html").read_text().lstrip().lower().startswith("<!doctype html>")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(tmp_path / "samples.parquet")
    assert table.num_rows == 16 and "npv_usd" in table.column_names


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "dask"], "unknown sweep engine"),
        (["--method", "sobol"], "lhs or grid"),
        (["--engine", "local", "--address", "ray://h:1"], "for the ray engine"),
        (["--method", "grid", "--samples", "10"], "grid over 7 inputs"),
    ],
)
def test_sweep_bad_options_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["sweep", str(DEMO), "--samples", "4", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_sweep_simulate_says_when_nothing_is_online_in_the_window() -> None:
    # The demo has nothing online in its first 2 months: samples keep the sampled utilization.
    result = runner.invoke(
        app,
        [
            "sweep",
            str(DEMO),
            "--samples",
            "2",
            "--engine",
            "serial",
            "--json",
            "--simulate",
            "--sim-months",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["simulated_months"] == 2
    assert summary["simulated_utilization"]["samples_without_online_capacity"] == 2
