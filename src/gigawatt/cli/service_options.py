"""Options the service commands share: the service's address and token, JSON output, and the
database URL (each also read from its environment variable)."""

from __future__ import annotations

from typing import Annotated

import typer

DEFAULT_URL = "http://127.0.0.1:8000"

UrlOption = Annotated[str, typer.Option("--url", envvar="GIGAWATT_URL", help="Service address.")]
TokenOption = Annotated[
    str, typer.Option("--token", envvar="GIGAWATT_TOKEN", help="The tenant's API token.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the response as JSON.")]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="GIGAWATT_DATABASE_URL",
        help="SQLAlchemy URL (default: sqlite:///gigawatt-serve.db in this directory).",
    ),
]
