"""``gigawatt validate``: check scenario files, one clear line per bad file (an edge)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gigawatt.cli.console import console, print_error
from gigawatt.scenario import GigawattError, load_scenario


def validate(
    scenario: Annotated[list[Path], typer.Argument(help="Scenario YAML file(s) to check.")],
) -> None:
    """Check scenario files; print one clear error per bad file (exit code 2)."""
    bad = 0
    for path in scenario:
        try:
            s = load_scenario(path)
        except GigawattError as exc:
            print_error(str(exc))
            bad += 1
            continue
        console.print(f"[green]ok[/] {path}: {len(s.sites)} sites, {len(s.contracts)} contracts")
    if bad:
        raise typer.Exit(code=2)
