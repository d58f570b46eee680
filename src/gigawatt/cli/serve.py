"""`gigawatt serve`, `gigawatt admin tenant create`, and the client commands that talk to a
running service over HTTP (`reserve`, `submit`, `jobs`, `cancel`, `usage`, `metrics`). An
edge: prints, reads files and environment variables.

Client commands find the service at ``--url`` (``GIGAWATT_URL``, default
http://127.0.0.1:8000) and authenticate with ``--token`` (``GIGAWATT_TOKEN``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
import yaml
from rich.table import Table

from gigawatt.cli_console import console, fail

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
            seed=seed, policy=policy,
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


def _request(method: str, url: str, token: str, path: str, **kwargs: Any) -> Any:
    try:
        response = httpx.request(
            method, url.rstrip("/") + path, headers={"Authorization": f"Bearer {token}"},
            timeout=30, **kwargs,
        )  # fmt: skip
    except httpx.HTTPError as exc:
        raise fail(f"cannot reach {url}: {exc}") from None
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise fail(f"{response.status_code}: {detail}")
    return response.json()


def _job_table(jobs: list[dict[str, Any]]) -> Table:
    table = Table("id", "name", "type", "accelerators", "priority", "state", "submitted")
    for job in jobs:
        table.add_row(
            job["id"], job["name"], job["accelerator"], str(job["accelerators"]),
            str(job["priority"]), job["state"], job["submitted_at"][:19],
        )  # fmt: skip
    return table


def reserve(
    gpus: Annotated[int, typer.Option("--gpus", help="Accelerators to hold.")],
    accelerator: Annotated[str, typer.Option("--type", help="Accelerator type.")],
    site: Annotated[str, typer.Option(help="Site id.")],
    start: Annotated[dt.datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day.")],
    days: Annotated[int, typer.Option(help="Length in days.")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = "",
    as_json: JsonOption = False,
) -> None:
    """Reserve accelerators at a site over dates (refused with the reason if not possible)."""
    body = {"accelerator": accelerator, "accelerators": gpus, "site": site,
            "start_date": start.date().isoformat(), "days": days}  # fmt: skip
    made = _request("POST", url, token, "/v1/reservations", json=body)
    if as_json:
        console.print_json(json.dumps(made))
    else:
        console.print(f"reservation {made['id']}: {made['accelerators']} {made['accelerator']} at "
                      f"{made['site']} from {made['start_date']} to {made['end_date']}")  # fmt: skip


def submit(
    job_file: Annotated[
        Path,
        typer.Argument(
            help="Job YAML: name, accelerator, accelerators, estimate_s, priority, checkpoint_s."
        ),
    ],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = "",
    idempotency_key: Annotated[
        str | None, typer.Option(help="Retry-safe key (default: a new one, retried once).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Submit a gang job; it starts now if it fits, else waits in the queue."""
    try:
        body = yaml.safe_load(job_file.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise fail(f"{job_file}: {exc}") from None
    key = idempotency_key or uuid.uuid4().hex
    for attempt in range(2):
        try:
            response = httpx.post(
                url.rstrip("/") + "/v1/jobs", json=body, timeout=30,
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
            )  # fmt: skip
            break
        except httpx.HTTPError as exc:
            if attempt:
                raise fail(f"cannot reach {url}: {exc}") from None
    if response.status_code >= 400:
        raise fail(f"{response.status_code}: {response.json().get('detail', response.text)}")
    job = response.json()
    if as_json:
        console.print_json(json.dumps(job))
    else:
        console.print(f"job {job['id']} {job['state']}")


def jobs(
    state: Annotated[str | None, typer.Option(help="Only jobs in this state.")] = None,
    limit: Annotated[int, typer.Option(help="Page size.")] = 100,
    offset: Annotated[int, typer.Option(help="Skip this many.")] = 0,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = "",
    as_json: JsonOption = False,
) -> None:
    """List your jobs, oldest first."""
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if state:
        params["state"] = state
    page = _request("GET", url, token, "/v1/jobs", params=params)
    if as_json:
        console.print_json(json.dumps(page))
        return
    console.print(_job_table(page["jobs"]))
    console.print(f"{len(page['jobs'])} of {page['total']} (offset {page['offset']})")


def cancel(
    job_id: Annotated[str, typer.Argument(help="Job id.")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = "",
    as_json: JsonOption = False,
) -> None:
    """Cancel a queued or running job."""
    job = _request("POST", url, token, f"/v1/jobs/{job_id}/cancel")
    if as_json:
        console.print_json(json.dumps(job))
    else:
        console.print(f"job {job['id']} {job['state']}")


AllOption = Annotated[
    bool, typer.Option("--all", help="Every tenant (the admin route; --token is the admin's).")
]


def usage(
    month: Annotated[str | None, typer.Option(help="YYYY-MM (default: this month).")] = None,
    every: AllOption = False,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = "",
    as_json: JsonOption = False,
) -> None:
    """Metered accelerator-hours and cost this month (or --month), per job and reservation,
    with the spend committed for the rest of the month and the budget."""
    params = {"month": month} if month else {}
    report = _request("GET", url, token, "/v1/admin/usage" if every else "/v1/usage",
                      params=params)  # fmt: skip
    if as_json:
        console.print_json(json.dumps(report))
        return
    summary = Table("tenant", "accelerator-h", "used $", "committed $", "budget $",
                    title=f"Usage {report['month']} (as of {report['at'][:16]})")  # fmt: skip
    items = Table("tenant", "kind", "id", "type", "accelerators", "accelerator-h", "cost $",
                  "inside")  # fmt: skip
    for tenant in report["tenants"]:
        budget = tenant["monthly_budget_usd"]
        summary.add_row(
            tenant["tenant"], f"{tenant['accelerator_hours']:,.1f}", f"{tenant['cost_usd']:,.2f}",
            f"{tenant['committed_usd']:,.2f}", "-" if budget is None else f"{budget:,.0f}",
        )  # fmt: skip
        for item in tenant["items"]:
            items.add_row(
                tenant["tenant"], item["kind"] + (" (running)" if item["running"] else ""),
                item["id"], item["accelerator"], str(item["accelerators"]),
                f"{item['accelerator_hours']:,.1f}", f"{item['cost_usd']:,.2f}",
                item["reservation"] or "",
            )  # fmt: skip
    console.print(summary)
    if items.row_count:
        console.print(items)
    prices = ", ".join(f"{t} ${p:,.2f}/h" for t, p in report["prices_usd_per_hour"].items())
    console.print(f"prices: {prices or 'none (nothing is charged)'}")


def metrics(
    every: AllOption = False,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = "",
    as_json: JsonOption = False,
) -> None:
    """Utilization per accelerator type, queue, nodes down, and the fleet's power now."""
    data = _request("GET", url, token, "/v1/admin/metrics" if every else "/v1/metrics")
    if as_json:
        console.print_json(json.dumps(data))
        return
    console.print(f"at {str(data.get('at'))[:19]}: {data['running_jobs']} running, "
                  f"{data['queued_jobs']} queued, {data['nodes_down']} nodes down")  # fmt: skip
    table = Table("type", "utilization")
    for accelerator, share in data["utilization"].items():
        table.add_row(accelerator, f"{share:.1%}")
    console.print(table)
    power = data.get("power")
    if power:
        sites = Table("site", "IT MW", "PUE", "facility MW",
                      title=f"Power now (idle accelerators at {power['idle_share']:.0%})")  # fmt: skip
        for site, row in power["by_site"].items():
            sites.add_row(site, f"{row['it_mw']:,.1f}", f"{row['pue']:.2f}",
                          f"{row['facility_mw']:,.1f}")  # fmt: skip
        sites.add_row("total", f"{power['it_mw']:,.1f}", "", f"{power['facility_mw']:,.1f}")
        console.print(sites)
