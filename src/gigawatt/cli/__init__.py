"""The ``gigawatt`` command line: thin commands that parse arguments, call the library
(`gigawatt.pipeline` and the core) and render (an edge: reads files, prints, writes outputs).

One module per command or command group; `COMMANDS` lists them in the order ``gigawatt
--help`` shows. A command's module is imported only when that command runs (or its own
``--help`` is asked), so ``gigawatt --help`` imports none of the numerical stack.
"""

from __future__ import annotations

import typer

from gigawatt.cli.lazy import LazyGroup

#: name -> (module, attribute: a command function or a Typer group, the one-line help shown
#: by ``gigawatt --help``: the first paragraph of the command's own help, tested equal).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": (
        "gigawatt.cli.validate",
        "validate",
        "Check scenario files; print one clear error per bad file (exit code 2).",
    ),
    "plan": (
        "gigawatt.cli.plan",
        "plan",
        "Plan one scenario (or add up several against national supply).",
    ),
    "catalog": (
        "gigawatt.cli.catalog",
        "show_catalog",
        "List the bundled catalog (every number has a source: --sources shows them).",
    ),
    "run": (
        "gigawatt.cli.run",
        "run",
        "Plan, simulate, finance and report one scenario: print the overview; write the tables,\n"
        "summary.json and one self-contained report.html.",
    ),
    "compare": (
        "gigawatt.cli.compare",
        "compare",
        "Two runs side by side: headline numbers with the change from A to B, and capacity,\n"
        "utilization, queue, cash and waits overlaid, in one offline compare.html.",
    ),
    "simulate": (
        "gigawatt.cli.simulate",
        "simulate",
        "Replay a scenario's planned fleet with its tenants' jobs (time-based: waits, "
        "utilization,\nfairness), or pack a GPU cluster trace (arrival-only: allocation and "
        "fragmentation).",
    ),
    "goodput": (
        "gigawatt.cli.goodput",
        "goodput",
        "Expected interruptions, MTTI, optimal checkpoint interval and goodput of one gang job,\n"
        "analytically and by Monte Carlo, side by side.",
    ),
    "serve": (
        "gigawatt.cli.serve",
        "serve",
        "Run the control plane: HTTP API (OpenAPI at /docs) over the scenario's planned fleet.",
    ),
    "reserve": (
        "gigawatt.cli.tenant",
        "reserve",
        "Reserve accelerators at a site over dates (refused with the reason if not possible).",
    ),
    "submit": (
        "gigawatt.cli.tenant",
        "submit",
        "Submit a gang job; it starts now if it fits, else waits in the queue.",
    ),
    "jobs": ("gigawatt.cli.tenant", "jobs", "List your jobs, oldest first."),
    "cancel": ("gigawatt.cli.tenant", "cancel", "Cancel a queued or running job."),
    "usage": (
        "gigawatt.cli.tenant",
        "usage",
        "Metered accelerator-hours and cost this month (or --month), per job and reservation,\n"
        "with the spend committed for the rest of the month and the budget.",
    ),
    "metrics": (
        "gigawatt.cli.tenant",
        "metrics",
        "Utilization per accelerator type, queue, nodes down, and the fleet's power now.",
    ),
    "finance": (
        "gigawatt.cli.finance",
        "finance",
        "Cost, revenue, cash flow and verdict (NPV, IRR, break-even) of scenarios; with several,\n"
        "a side-by-side table of the revenue each needs to break even.",
    ),
    "sweep": (
        "gigawatt.cli.sweep",
        "sweep",
        "Run many plan+finance samples over the scenario's uncertain inputs; with --simulate,\n"
        "each sample is also replayed and financed at its simulated utilization.",
    ),
    "admin": (
        "gigawatt.cli.admin",
        "admin_app",
        "Administer the service's database directly.",
    ),
    "traces": (
        "gigawatt.cli.traces",
        "traces_app",
        "List and describe the bundled cluster traces.",
    ),
}


class GigawattGroup(LazyGroup):
    """The top-level group: every command of `COMMANDS`, imported when it runs."""

    lazy_commands = COMMANDS


app = typer.Typer(
    name="gigawatt",
    help="Plan, simulate and operate AI compute fleets at gigawatt scale.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=GigawattGroup,
)


@app.callback()
def _gigawatt() -> None:
    # Makes the app a group although every command is added by `LazyGroup` (none here).
    pass


def main() -> None:
    """Entry point of the `gigawatt` script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
