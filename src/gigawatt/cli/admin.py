"""``gigawatt admin``: administer the service's database directly (``admin tenant create``)
(an edge: writes the database, prints the new tenant's token once)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gigawatt.cli.console import console, fail
from gigawatt.cli.service_options import DatabaseOption, JsonOption

admin_app = typer.Typer(help="Administer the service's database directly.", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants.", no_args_is_help=True)
admin_app.add_typer(tenant_app, name="tenant")


def _parse_quotas(quota: list[str]) -> dict[str, int]:
    quotas: dict[str, int] = {}
    for item in quota:
        name, _, count = item.partition("=")
        if not name or not count.isdigit():
            raise fail(f"--quota {item!r}: expected TYPE=COUNT, e.g. gb200=4096")
        quotas[name] = int(count)
    return quotas


@tenant_app.command("create")
def tenant_create(
    name: Annotated[str, typer.Argument(help="Tenant name (lowercase letters, digits, - and _).")],
    scenario: Annotated[
        Path, typer.Option(help="Scenario served (checks the quota's accelerator types).")
    ] = Path("scenarios/anthropic-fluidstack-2026.yaml"),
    quota: Annotated[
        list[str], typer.Option("--quota", help="TYPE=COUNT, repeatable: most held at once.")
    ] = [],  # noqa: B006 - typer reads the default
    budget_usd: Annotated[float | None, typer.Option(help="Monthly budget, USD.")] = None,
    database_url: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a tenant and print its API token (shown this once; only its hash is stored)."""
    from gigawatt.scenario import GigawattError
    from gigawatt.service.app import fleet_from_scenario
    from gigawatt.service.control import ControlPlane, Refused
    from gigawatt.service.schemas import TenantCreate
    from gigawatt.store.database import DEFAULT_DATABASE_URL, Database

    try:
        fleet, start = fleet_from_scenario(scenario)
        body = TenantCreate(name=name, quotas=_parse_quotas(quota), monthly_budget_usd=budget_usd)
        db = Database(database_url or DEFAULT_DATABASE_URL)
        db.upgrade()
        # Beside a running server: only the tenant is written, no job is touched.
        tenant = ControlPlane(db, fleet, start, recover=False).create_tenant(body)
    except (GigawattError, Refused, ValueError) as exc:
        raise fail(str(getattr(exc, "reason", exc))) from None
    if as_json:
        console.print_json(tenant.model_dump_json())
        return
    console.print(f"tenant {tenant.name} ({tenant.id}) quotas {tenant.quotas}")
    console.print(f"token (shown once): {tenant.token}", soft_wrap=True)
