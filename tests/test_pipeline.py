"""The chain as a library: `gigawatt.run` / `Pipeline` compute every step once, in memory,
and give the numbers the CLI writes."""

from __future__ import annotations

import builtins
import io
import json
import math
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import gigawatt
from gigawatt.pipeline import Pipeline, SimulationOptions

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scenarios" / "anthropic-fluidstack-2026.yaml"
#: Three months: the demo's first sites are online, and a replay takes about a second.
MONTHS = 3


def _count_calls(monkeypatch: pytest.MonkeyPatch, module: str, name: str) -> list[int]:
    """Replace every reference to ``module.name`` held by a loaded gigawatt module with a
    wrapper that counts its calls (so a second path to it would be counted too)."""
    original = getattr(sys.modules[module], name)
    calls = [0]

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    for mod_name, mod in list(sys.modules.items()):
        if mod_name.startswith("gigawatt") and getattr(mod, name, None) is original:
            monkeypatch.setattr(mod, name, counted)
    return calls


@pytest.fixture
def no_writes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Any file opened for writing, replaced or made fails the test; the working folder is an
    empty temporary one, checked empty afterwards."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"the pipeline wrote a file: {args[:1]}")

    def guarded(opener: Callable[..., Any]) -> Callable[..., Any]:
        def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            if any(flag in mode for flag in "wax+"):
                refuse(file)
            return opener(file, mode, *args, **kwargs)

        return open_

    monkeypatch.setattr(builtins, "open", guarded(builtins.open))
    monkeypatch.setattr(io, "open", guarded(io.open))
    for name in ("replace", "rename", "mkdir", "makedirs"):
        monkeypatch.setattr(os, name, refuse)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    assert not list(tmp_path.iterdir())


def _json(value: Any) -> Any:
    """As summary.json holds it: JSON types, non-finite numbers as null."""

    def finite(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: finite(x) for k, x in v.items()}
        if isinstance(v, list):
            return [finite(x) for x in v]
        return v

    return finite(json.loads(json.dumps(value, default=str)))


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """summary.json of ``gigawatt run DEMO --months 3`` (in this process)."""
    from gigawatt.cli import app

    out = tmp_path_factory.mktemp("run")
    result = CliRunner().invoke(app, ["run", str(DEMO), "--out", str(out), "--months", "3"])
    assert result.exit_code == 0, result.output
    summary: dict[str, Any] = json.loads((out / "summary.json").read_text())
    return summary


def test_library_run_writes_no_file_loads_once_and_plans_once(
    monkeypatch: pytest.MonkeyPatch, no_writes: Path
) -> None:
    loads = _count_calls(monkeypatch, "gigawatt.scenario.load", "load_scenario")
    plans = _count_calls(monkeypatch, "gigawatt.plan.planner", "plan_scenario")
    result = gigawatt.run(DEMO, months=MONTHS)
    assert loads == [1]
    assert plans == [1]
    assert result.simulation is not None and result.jobs is not None
    assert result.jobs.count > 0
    assert result.finance.summary["name"] == result.plan_summary["name"]


def test_steps_are_computed_once_and_reused() -> None:
    pipeline = Pipeline(DEMO, SimulationOptions(months=MONTHS))
    assert pipeline.plan is pipeline.plan
    assert pipeline.fleet is pipeline.fleet
    assert pipeline.jobs is pipeline.jobs
    simulation = pipeline.simulation
    assert simulation is pipeline.simulation
    assert simulation.result.fleet is pipeline.fleet
    assert pipeline.finance is pipeline.finance
    assert set(pipeline.seconds) == {"plan", "simulate", "finance"}


def test_library_gives_the_numbers_the_cli_writes(cli_run: dict[str, Any]) -> None:
    result = gigawatt.run(str(DEMO), months=MONTHS)
    assert result.simulation is not None
    assert _json(result.plan_summary) == cli_run["plan"]
    assert _json(result.finance.summary) == cli_run["finance"]
    replay = _json(asdict(result.simulation.summary))
    written = {k: v for k, v in cli_run["simulate"].items() if k in replay}
    assert replay == written
    assert list(result.notes) == cli_run["notes"]
    assert cli_run["finance_utilization"] == "scenario"


def test_simulated_utilization_finances_at_the_useful_utilization() -> None:
    pipeline = Pipeline(DEMO, SimulationOptions(months=MONTHS), simulated_utilization=True)
    used = pipeline.simulation.useful_utilization
    assert 0 < used <= pipeline.simulation.summary.utilization
    assert pipeline.finance.utilization == used
    scenario = Pipeline(pipeline.scenario).finance
    assert scenario.utilization is None
    cost = pipeline.finance.summary["cost_per_accelerator_hour"]["utilization"]
    assert cost == pytest.approx(used)
    assert cost != scenario.summary["cost_per_accelerator_hour"]["utilization"]


def test_no_simulation_and_a_loaded_scenario() -> None:
    loaded = gigawatt.load_scenario(DEMO)
    result = gigawatt.run(loaded, simulate=False)
    assert result.simulation is None and result.fleet is None and result.summary is None
    assert result.source == ""
    assert "simulate" not in result.seconds
    with pytest.raises(ValueError, match="needs the simulation"):
        gigawatt.run(loaded, simulate=False, simulated_utilization=True)


def test_import_gigawatt_is_light() -> None:
    code = (
        "import sys, gigawatt; "
        "heavy = [m for m in ('numpy', 'pandas', 'plotly', 'scipy', 'pyarrow') "
        "if m in sys.modules]; print(heavy); gigawatt.Pipeline; print('numpy' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.split() == ["[]", "True"]


def test_the_library_page_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/library.md's Python blocks, run as written from the repository root."""
    monkeypatch.chdir(ROOT)
    page = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)
    assert len(blocks) == 2
    for block in blocks:
        exec(compile(block, "docs/library.md", "exec"), {})
