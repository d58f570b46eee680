"""`gigawatt finance A B --out`: compare.json / compare.html (the bubble question)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from gigawatt.cli.finance import finance
from gigawatt.econ.comparison import compare_programs

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "anthropic-fluidstack-2026.yaml"
OPENAI = ROOT / "scenarios" / "openai-commitments.yaml"

app = typer.Typer()
app.command()(finance)
app.command("noop")(lambda: None)  # two commands, so "finance" is a subcommand
runner = CliRunner()


def test_compare_files_match_finance_json_of_each_scenario(tmp_path: Path) -> None:
    result = runner.invoke(app, ["finance", str(OPENAI), str(DEMO), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "compare.html").read_text()
    assert "<script src=" not in page and page.count("plotly.js v") <= 2
    assert "Revenue, USD billions a year" in page and "NPV, USD billions" in page
    compare = json.loads((tmp_path / "compare.json").read_text())
    assert compare["years"] == [2028, 2030]
    for path, program in zip((OPENAI, DEMO), compare["programs"], strict=True):
        alone = json.loads(runner.invoke(app, ["finance", str(path), "--json"]).output)
        assert program["label"] == path.stem
        assert program["npv_usd"] == alone["verdict"]["npv_usd"]
        for key in ("operating_profit_month", "payback_month"):
            assert program[key] == alone["verdict"][key]
        expected = {n["year"]: n for n in alone["revenue_needed_to_break_even"]}
        for row in program["revenue_needed_to_break_even"]:
            if row["status"] == "in_horizon":
                need = expected[row["year"]]
                assert row["revenue_needed_usd"] == need["revenue_needed_usd"]
                assert row["revenue_assumed_usd"] == need["revenue_assumed_usd"]
            else:
                assert row["year"] not in expected and row["revenue_needed_usd"] is None


def test_year_beyond_the_horizon_says_so_instead_of_a_number() -> None:
    summary = {
        "name": "short",
        "horizon": {"first_month": "2025-06", "last_month": "2029-12"},
        "inputs": {"break_even_years": [2028, 2030]},
        "verdict": {
            "npv_usd": 1.0,
            "irr": None,
            "wacc": 0.08,
            "valuation_month": "2025-06",
            "operating_profit_month": None,
            "payback_month": None,
        },
        "totals_usd": {"capex": 5.0},
        "revenue_needed_to_break_even": [
            {"year": 2028, "revenue_needed_usd": 3.0, "revenue_assumed_usd": 2.0, "gap_usd": 1.0}
        ],
    }
    rows = compare_programs([summary])["programs"][0]["revenue_needed_to_break_even"]
    assert [r["status"] for r in rows] == ["in_horizon", "beyond_horizon"]
    assert rows[1]["revenue_needed_usd"] is None and "ends 2029-12" in rows[1]["note"]
