"""Terminal output shared by the command modules (an edge): consoles and the one-line error."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from gigawatt.plan.feasible import RAMPS, Ramp
from gigawatt.scenario import GigawattError, Scenario, load_scenario

# Piped output (CI logs, files) gets room for the wide tables; a terminal keeps its width.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 1000)


def print_error(message: str) -> None:
    """Print ``error: message`` on one line of stderr.

    Escaped: messages quote user input and regex patterns ("[a-z0-9]"), which Rich would
    otherwise read as markup. soft_wrap keeps the message on one line at any width.
    """
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def fail(message: str) -> typer.Exit:
    """Print the error and return the exit (code 2) for the caller to raise."""
    print_error(message)
    return typer.Exit(code=2)


def load_or_exit(path: Path) -> Scenario:
    """Load a scenario, or print its one-line error and exit with code 2."""
    try:
        return load_scenario(path)
    except GigawattError as exc:
        raise fail(str(exc)) from None


#: The ``--ramp`` option of the commands that plan: which online months the fleet follows.
RAMP_HELP = (
    "Which ramp to plan on: 'feasible' (each phase at the month its binding constraints allow: "
    "transformers, turbines, grid, chips, land) or 'announced' (the scenario's online months)."
)


def ramp_or_exit(value: str) -> Ramp:
    """A ``--ramp`` value as a `Ramp`, or the one-line error and exit code 2."""
    chosen = value.strip().lower()
    if chosen not in RAMPS:
        raise fail(f"--ramp must be one of {', '.join(RAMPS)}, got {value!r}")
    return "feasible" if chosen == "feasible" else "announced"
