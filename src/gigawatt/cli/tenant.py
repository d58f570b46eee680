"""The commands a tenant runs against a running service over HTTP: ``reserve``, ``submit``,
``jobs``, ``cancel``, ``usage``, ``metrics`` (an edge: reads files, talks HTTP, prints).

They find the service at ``--url`` (``GIGAWATT_URL``, default http://127.0.0.1:8000) and
authenticate with ``--token`` (``GIGAWATT_TOKEN``).
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

from gigawatt.cli.console import console, fail
from gigawatt.cli.service_options import DEFAULT_URL, JsonOption, TokenOption, UrlOption


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
