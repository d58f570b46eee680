"""`gigawatt run` end to end, as a user runs it: plan + simulate + finance + one report."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gigawatt.plan import plan_scenario
from gigawatt.report.failure_charts import (
    GANG_SPREAD_TITLE,
    GOODPUT_TITLE,
    INTERRUPTIONS_TITLE,
    LOST_HOURS_TITLE,
    OUT_OF_SERVICE_TITLE,
)
from gigawatt.report.finance_charts import (
    CASH_TITLE,
    COST_BY_SITE_MONTH_TITLE,
    COST_BY_SITE_TITLE,
    INCENTIVES_TITLE,
    PNL_TITLE,
    REVENUE_NEEDED_TITLE,
)
from gigawatt.report.plan_report import build_figures
from gigawatt.report.simulate_charts import (
    QUEUE_TITLE,
    TENANT_USE_TITLE,
    UTILIZATION_TITLE,
    WAIT_TITLE,
)
from gigawatt.scenario import load_scenario, scenario_catalog

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "anthropic-fluidstack-2026.yaml"


def gigawatt(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gigawatt", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def gigawatt_run(*args: str) -> subprocess.CompletedProcess[str]:
    return gigawatt("run", *args)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("run")
    # Four simulated months keep the test quick; `make demo` simulates the default twelve.
    result = gigawatt_run(str(DEMO), "--out", str(out), "--months", "4")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return out, result.stdout


def _summary(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "summary.json").read_text())
    return data


def test_run_writes_plan_finance_simulate_files_and_one_report(demo_run: tuple[Path, str]) -> None:
    out, _ = demo_run
    for name in (
        "timeline.csv",
        "capex.csv",
        "finance.json",
        "finance_monthly.csv",
        "cost_by_site.csv",
        "simulate/series.csv",
        "simulate/jobs.csv",
        "simulate/summary.json",
        "summary.json",
        "report.html",
    ):
        assert (out / name).stat().st_size > 0, name
    assert not list(out.glob(".plan-*")), "the plan's scratch folder is removed"
    summary = _summary(out)
    assert {"plan", "finance", "simulate", "headlines"} <= set(summary)
    for name in summary["files"]:
        assert (out / name).exists(), name


def test_run_prints_the_overview(demo_run: tuple[Path, str]) -> None:
    _, stdout = demo_run
    for label in ("Capex", "Cost per accelerator-hour", "NPV", "IRR", "Payback"):
        assert label in stdout
    assert "Simulated utilization" in stdout
    assert "Incentives" in stdout


def test_summary_sections_equal_the_separate_commands(demo_run: tuple[Path, str]) -> None:
    out, _ = demo_run
    summary = _summary(out)
    # The run plans on the feasible ramp by default, as finance does; `gigawatt plan` plans
    # the scenario's announced ramp unless told: the reproduce command says which.
    assert summary["ramp"] == "feasible"
    assert summary["reproduce"]["plan"].split()[1:] == [
        "plan",
        str(DEMO),
        "--ramp",
        "feasible",
        "--json",
    ]
    plan = gigawatt("plan", str(DEMO), "--ramp", "feasible", "--json")
    finance = gigawatt("finance", str(DEMO), "--json")
    assert plan.returncode == 0 and finance.returncode == 0
    plan_alone, finance_alone = json.loads(plan.stdout), json.loads(finance.stdout)
    assert summary["plan"]["capex_total_usd"] == plan_alone["capex_total_usd"]
    assert summary["plan"]["year_end"] == plan_alone["year_end"]
    assert summary["finance"]["verdict"] == finance_alone["verdict"]
    assert (
        summary["finance"]["cost_per_accelerator_hour"]
        == finance_alone["cost_per_accelerator_hour"]
    )
    assert summary["finance"]["incentives"] == finance_alone["incentives"]
    assert summary["finance"]["inputs"] == finance_alone["inputs"]
    assert summary["finance_utilization"] == "scenario"


def test_simulated_utilization_for_finance_is_the_useful_share(tmp_path: Path) -> None:
    # With failures, finance gets what earns: busy / online x goodput x the share in service
    # (finance's default 0.85 is allocation x goodput the same way), and the reproduce
    # command gives the same finance section.
    result = gigawatt_run(
        str(DEMO), "--out", str(tmp_path), "--months", "4", "--simulated-utilization"
    )
    assert result.returncode == 0, result.stderr
    summary = _summary(tmp_path)
    sim, failures = summary["simulate"], summary["simulate"]["failures"]
    assert failures["goodput"] < 1 and failures["interruptions"] > 0
    expected = sim["utilization"] * failures["goodput"] * (1 - failures["out_of_service_share"])
    assert summary["finance_utilization"] == "simulated"
    assert summary["finance_utilization_value"] == pytest.approx(expected, rel=1e-12)
    assert summary["finance_utilization_value"] < sim["utilization"]
    command = summary["reproduce"]["finance"].split()
    assert command[:2] == ["gigawatt", "finance"] and "--utilization" in command
    alone = gigawatt(*command[1:])
    assert alone.returncode == 0, alone.stderr
    assert summary["finance"]["verdict"] == json.loads(alone.stdout)["verdict"]


def test_simulated_utilization_with_nothing_used_keeps_the_scenarios(tmp_path: Path) -> None:
    # The demo has nothing online in its first two months: no utilization to take.
    result = gigawatt_run(
        str(DEMO), "--out", str(tmp_path), "--months", "2", "--simulated-utilization"
    )
    assert result.returncode == 0, result.stderr
    summary = _summary(tmp_path)
    assert summary["simulate"]["utilization"] == 0
    assert summary["finance_utilization"] == "scenario"
    assert any("finance keeps the scenario's utilization" in n for n in summary["notes"])


def test_each_headline_points_at_its_number(demo_run: tuple[Path, str]) -> None:
    summary = _summary(demo_run[0])
    by_key = {h["key"]: h for h in summary["headlines"]}
    fin, plan, sim = summary["finance"], summary["plan"], summary["simulate"]
    assert by_key["capex_total_usd"]["value"] == plan["capex_total_usd"]
    assert by_key["npv_usd"]["value"] == fin["verdict"]["npv_usd"]
    assert by_key["irr"]["value"] == fin["verdict"]["irr"]
    for key in ("operating_profit_month", "payback_month"):
        assert by_key[key]["value"] == fin["verdict"][key]
    fleet = fin["cost_per_accelerator_hour"]["fleet"]
    assert by_key["cost_per_accelerator_hour_usd"]["value"] == fleet["all_in_usd_per_hour"]
    assert by_key["simulated_utilization"]["value"] == sim["utilization"]
    for headline in summary["headlines"]:
        assert headline["source"] and headline["display"]


def _chart_titles() -> list[str]:
    scenario = load_scenario(DEMO)
    plan_titles = [
        fig.layout.title.text
        for fig in build_figures(plan_scenario(scenario, scenario_catalog(scenario)))
    ]
    return [
        *plan_titles,
        UTILIZATION_TITLE,
        TENANT_USE_TITLE,
        QUEUE_TITLE,
        WAIT_TITLE,
        INTERRUPTIONS_TITLE,
        LOST_HOURS_TITLE,
        GOODPUT_TITLE,
        OUT_OF_SERVICE_TITLE,
        GANG_SPREAD_TITLE,
        COST_BY_SITE_TITLE,
        COST_BY_SITE_MONTH_TITLE,
        PNL_TITLE,
        CASH_TITLE,
        INCENTIVES_TITLE,
        REVENUE_NEEDED_TITLE,
    ]


def test_report_is_self_contained_and_has_every_chart(demo_run: tuple[Path, str]) -> None:
    page = (demo_run[0] / "report.html").read_text()
    # Titles live in the charts' JSON, which escapes "/" and "&" (as \u002f, \u0026).
    unescaped = page.replace("\\u002f", "/").replace("\\u0026", "&")
    assert re.search(r"<script[^>]*\bsrc=", page) is None
    # plotly.js embedded once, not once per chart.
    assert page.count("window.PlotlyConfig") == 1
    for title in _chart_titles():
        assert title in unescaped, title
    # Overview numbers come before the first chart.
    assert page.index("Cost per accelerator-hour, all-in") < page.index("Plotly.newPlot")


def test_run_replays_failures_and_reports_goodput_of_training_tenants(
    demo_run: tuple[Path, str],
) -> None:
    out, stdout = demo_run
    summary = _summary(out)
    sim = summary["simulate"]
    failures = sim["failures"]
    assert sim["settings"]["failures"] == "llama3-2024"
    assert "--failures llama3-2024" in summary["reproduce"]["simulate"]
    # Four months of a fleet of ~1M accelerators at Llama 3's rates: thousands of outages.
    assert failures["node_outages"] > 1000 and failures["interruptions"] > 100
    assert sum(c["interruptions"] for c in failures["causes"]) == failures["interruptions"]
    assert (
        0
        < failures["lost_accelerator_h"]
        == pytest.approx(failures["rolled_back_accelerator_h"] + failures["restart_accelerator_h"])
    )
    training = [t for t, kind in sim["tenant_kinds"].items() if "training" in kind]
    assert training
    by_key = {h["key"]: h for h in summary["headlines"]}
    for tenant in training:
        goodput = failures["tenant_goodput"][tenant]
        assert 0 < goodput < 1
        assert by_key[f"goodput_{tenant}"]["value"] == goodput
    assert by_key["failure_interruptions"]["value"] == failures["interruptions"]
    assert "Goodput, training tenant" in stdout
    # The series carries the repair backlog the out-of-service chart draws.
    header = (out / "simulate" / "series.csv").read_text().splitlines()[0].split(",")
    assert "repair_accelerators" in header
    page = (out / "report.html").read_text()
    assert "Failures and goodput" in page and "llama3-2024" in page
    # The demo's jobs all take whole nodes: the report says why there is no GPU-level
    # fragmentation chart instead of leaving it out silently.
    assert sim["whole_node_jobs"] is True
    assert "zero by construction" in page


def test_run_without_failures_says_so(tmp_path: Path) -> None:
    result = gigawatt_run(str(DEMO), "--out", str(tmp_path), "--months", "1", "--failures", "none")
    assert result.returncode == 0, result.stderr
    summary = _summary(tmp_path)
    assert summary["simulate"]["failures"] is None
    assert summary["simulate"]["settings"]["failures"] is None
    page = (tmp_path / "report.html").read_text()
    assert "ran without failures" in page and INTERRUPTIONS_TITLE not in page


def test_unknown_failure_model_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = gigawatt_run(str(DEMO), "--out", str(tmp_path / "out"), "--failures", "nope")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown failure model 'nope'" in lines[0], result.stderr
    assert not (tmp_path / "out").exists()


def test_report_shows_sweep_fan_charts_when_a_sweep_ran(tmp_path: Path) -> None:
    from gigawatt.econ.payback import TERMS
    from gigawatt.report.sweep_charts import FAN_TITLE, TORNADO_TITLE, milestone_title

    sweep = gigawatt("sweep", str(DEMO), "--samples", "16", "--engine", "serial",
                     "--out", str(tmp_path / "sweep"))  # fmt: skip
    assert sweep.returncode == 0, sweep.stderr
    result = gigawatt_run(str(DEMO), "--out", str(tmp_path), "--no-simulate")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "report.html").read_text().replace("\\u002f", "/")
    for title in (FAN_TITLE, *(milestone_title(t) for t in TERMS), TORNADO_TITLE):
        assert title.split(" (")[0] in page, title
    assert "16 samples" in page


def test_run_without_simulation_still_reports_plan_and_finance(tmp_path: Path) -> None:
    result = gigawatt_run(str(DEMO), "--out", str(tmp_path), "--no-simulate")
    assert result.returncode == 0, result.stderr
    summary = _summary(tmp_path)
    assert summary["simulate"] == {"skipped": "--no-simulate"}
    page = (tmp_path / "report.html").read_text()
    assert UTILIZATION_TITLE not in page and CASH_TITLE in page


def test_bad_scenario_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("program:\n  name: x\nsites: 3\n")
    result = gigawatt_run(str(bad), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
