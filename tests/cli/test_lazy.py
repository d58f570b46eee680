"""The command list: every command is listed with its own help and imported only when run."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gigawatt.cli import COMMANDS, app
from gigawatt.cli.lazy import LazyCommand

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_listed_summary_is_the_first_paragraph_of_the_command_help(name: str) -> None:
    module, attribute, summary = COMMANDS[name]
    command = LazyCommand(name, module, attribute, summary).load()
    assert command.help is not None
    assert inspect.cleandoc(command.help).split("\n\n")[0] == summary


def test_help_lists_every_command_in_order_and_imports_no_numerical_stack() -> None:
    code = (
        "import sys; from gigawatt.cli import main; sys.argv = ['gigawatt', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print([m for m in ('numpy', 'scipy', 'plotly', 'pyarrow', 'fastapi', 'sqlalchemy') "
        "if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
        check=True,
    )
    lines = done.stdout.splitlines()
    assert lines[-1] == "[]"
    listed = [line.split()[1] for line in lines if line.startswith("│ ") and line[2] != " "]
    assert [n for n in listed if n != "--help"] == list(COMMANDS)


def test_a_command_runs_through_the_app_and_a_typo_is_suggested() -> None:
    runner = CliRunner()
    done = runner.invoke(app, ["validate", str(ROOT / "scenarios" / "stargate-abilene.yaml")])
    assert done.exit_code == 0 and "ok" in done.output
    typo = runner.invoke(app, ["simlate"])
    assert typo.exit_code == 2 and "simulate" in typo.output
