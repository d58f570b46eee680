"""``gigawatt serve``: the control plane's HTTP API over a scenario's planned fleet (an edge:
runs a server, reads environment variables)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gigawatt.cli.console import RAMP_HELP, console, fail, ramp_or_exit
from gigawatt.cli.service_options import DatabaseOption
from gigawatt.pipeline import DEFAULT_RAMP


def serve(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML whose planned fleet is served.")],
    database_url: DatabaseOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    placement: Annotated[
        str, typer.Option(help="Fleet placement the policy places with (as in simulate).")
    ] = "topology",
    policy: Annotated[
        str,
        typer.Option(
            "--policy",
            "--queue",
            help="Queue policy deciding which waiting jobs start: the same objects as "
            "`gigawatt simulate --queue` (fifo, priority, shortest-first, drf, easy-backfill).",
        ),
    ] = "easy-backfill",
    speed: Annotated[
        float | None,
        typer.Option(
            help="Run the twin clock this many times faster than the wall clock "
            "(3600: an hour a second). Default: the live wall clock."
        ),
    ] = None,
    failures: Annotated[
        str | None,
        typer.Option(
            help="Failure model (e.g. llama3-2024, or a YAML file): node failures and repairs "
            "on the clock interrupt and requeue jobs."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the failure draws.")] = 0,
    ramp: Annotated[str, typer.Option(help=RAMP_HELP)] = DEFAULT_RAMP,
) -> None:
    """Run the control plane: HTTP API (OpenAPI at /docs) over the scenario's planned fleet."""
    import os

    import uvicorn

    from gigawatt.scenario import GigawattError
    from gigawatt.service.app import create_app
    from gigawatt.store.database import DEFAULT_DATABASE_URL

    url = database_url or DEFAULT_DATABASE_URL
    admin_token = os.environ.get("GIGAWATT_ADMIN_TOKEN")
    if speed is not None and not 0 < speed <= 1e9:
        raise fail(f"--speed {speed}: expected a number > 0 and <= 1e9 (3600: an hour a second)")
    try:
        app = create_app(
            scenario, url, admin_token, placement=placement, speed=speed, failures=failures,
            seed=seed, policy=policy, ramp=ramp_or_exit(ramp),
        )  # fmt: skip
    except (GigawattError, ValueError) as exc:
        raise fail(str(exc)) from None
    if admin_token is None:
        console.print(
            f"admin token (set GIGAWATT_ADMIN_TOKEN to choose one): {app.state.admin_token}"
        )
    console.print(
        f"serving {scenario} on http://{host}:{port} (database {url.split('@')[-1]}; "
        f"queue policy {policy}, placement {placement})"
    )
    if speed is not None:
        console.print(
            f"twin clock: {speed:g}x from {app.state.control.clock():%Y-%m-%d %H:%M} UTC"
            + (f", failures {failures} (seed {seed})" if failures else "")
        )
    uvicorn.run(app, host=host, port=port, log_level="warning")
