"""The CLI against a real server: admin creates a tenant (token printed once), then the tenant
reserves, submits, lists and cancels with --json and as tables."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import typer
from typer.testing import CliRunner

from gigawatt.cli import admin, serve, tenant

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "anthropic-fluidstack-2026.yaml"
TYPE = "gb300-nvl72"


def cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(admin.admin_app, name="admin")
    for command in (tenant.reserve, tenant.submit, tenant.jobs, tenant.cancel,
                    tenant.usage, tenant.metrics):  # fmt: skip
        app.command()(command)
    return app


def test_admin_then_tenant_commands(
    database_url: str,
    tmp_path: Path,
    start_server: Callable[[str, int], subprocess.Popen[bytes]],
    port: int,
    admin_token: str,
) -> None:
    runner = CliRunner()
    made = runner.invoke(
        cli(),
        ["admin", "tenant", "create", "acme", "--scenario", str(SCENARIO),
         "--quota", f"{TYPE}=1440", "--database-url", database_url, "--json"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    token = json.loads(made.output)["token"]
    bad = runner.invoke(cli(), ["admin", "tenant", "create", "x", "--scenario", str(SCENARIO),
                                "--quota", "gb300", "--database-url", database_url])  # fmt: skip
    assert bad.exit_code == 2 and "TYPE=COUNT" in bad.output

    server = start_server(database_url, port)
    try:
        env = {"GIGAWATT_URL": f"http://127.0.0.1:{port}", "GIGAWATT_TOKEN": token}
        site = "tx-1"
        reserved = runner.invoke(
            cli(), ["reserve", "--gpus", "720", "--type", TYPE, "--site", site,
                    "--from", "2027-03-01", "--days", "30", "--json"], env=env,
        )  # fmt: skip
        assert reserved.exit_code == 0, reserved.output
        assert json.loads(reserved.output)["end_date"] == "2027-03-31"
        refused = runner.invoke(
            cli(), ["reserve", "--gpus", "7200", "--type", TYPE, "--site", site,
                    "--from", "2027-03-01", "--days", "30"], env=env,
        )  # fmt: skip
        assert refused.exit_code == 2 and "quota" in refused.output
        job_file = tmp_path / "job.yaml"
        job_file.write_text(
            f"name: train\naccelerator: {TYPE}\naccelerators: 144\nestimate_s: 7200\n"
        )
        submitted = runner.invoke(cli(), ["submit", str(job_file), "--json"], env=env)
        assert submitted.exit_code == 0, submitted.output
        job_id = json.loads(submitted.output)["id"]
        listed = runner.invoke(cli(), ["jobs"], env=env)
        assert listed.exit_code == 0 and "train" in listed.output and "running" in listed.output
        cancelled = runner.invoke(cli(), ["cancel", job_id], env=env)
        assert cancelled.exit_code == 0 and "cancelled" in cancelled.output
        other = runner.invoke(cli(), ["cancel", job_id], env={**env, "GIGAWATT_TOKEN": admin_token})
        assert other.exit_code == 2 and "401" in other.output

        # Metering: the cancelled job is an item (its id may wrap in the table: ask JSON too).
        usage = runner.invoke(cli(), ["usage"], env=env)
        assert usage.exit_code == 0 and "Usage" in usage.output and "prices:" in usage.output
        report = json.loads(runner.invoke(cli(), ["usage", "--json"], env=env).output)
        (mine,) = report["tenants"]
        assert [i["id"] for i in mine["items"] if i["kind"] == "job"] == [job_id]
        assert mine["tenant"] == "acme" and report["prices_usd_per_hour"][TYPE] > 0
        everyone = runner.invoke(
            cli(), ["usage", "--all"], env={**env, "GIGAWATT_TOKEN": admin_token}
        )
        assert everyone.exit_code == 0 and "acme" in everyone.output
        assert runner.invoke(cli(), ["usage", "--all"], env=env).exit_code == 2  # not admin
        power = runner.invoke(cli(), ["metrics"], env=env)
        assert power.exit_code == 0 and "Power now" in power.output and "tx-1" in power.output
        data = json.loads(runner.invoke(cli(), ["metrics", "--json"], env=env).output)
        assert data["power"]["facility_mw"] > data["power"]["it_mw"] > 0
    finally:
        server.kill()
        server.wait(10)


def test_serve_refuses_a_bad_speed_or_failure_model_in_one_line(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(serve.serve)
    app.command()(tenant.cancel)  # two commands: typer keeps ``serve`` as a subcommand
    runner = CliRunner()
    database = ["--database-url", f"sqlite:///{tmp_path / 'serve.db'}"]
    slow = runner.invoke(app, ["serve", str(SCENARIO), "--speed", "0", *database])
    assert slow.exit_code == 2 and "--speed 0.0: expected a number > 0" in slow.output
    unknown = runner.invoke(
        app, ["serve", str(SCENARIO), "--speed", "3600", "--failures", "nope", *database]
    )
    assert unknown.exit_code == 2
    assert "unknown failure model 'nope' (known: llama3-2024" in unknown.output
    assert "Traceback" not in unknown.output and len(unknown.output.strip().splitlines()) == 1


def test_serve_refuses_an_unknown_queue_policy(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(serve.serve)
    app.command()(tenant.metrics)  # two commands: typer then takes the command's name
    url = f"sqlite:///{tmp_path / 'x.db'}"
    refused = CliRunner().invoke(
        app, ["serve", str(SCENARIO), "--policy", "nope", "--database-url", url]
    )
    assert refused.exit_code == 2
    assert "unknown queue policy 'nope' (known: fifo, priority" in refused.output


def test_admin_tenant_create_beside_a_server_touches_no_job(tmp_path: Path) -> None:
    """``gigawatt admin`` writes the database a running server owns: it must not apply the
    clock's events (here: complete a job whose estimate has elapsed) behind the server's back."""
    import datetime as dt

    from gigawatt.service.app import fleet_from_scenario
    from gigawatt.service.control import ControlPlane
    from gigawatt.service.schemas import JobSubmit, TenantCreate
    from gigawatt.store.database import Database

    url = f"sqlite:///{tmp_path / 'x.db'}"
    fleet, start = fleet_from_scenario(SCENARIO)
    db = Database(url)
    db.upgrade()
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    server = ControlPlane(db, fleet, start, clock=lambda: yesterday)
    acme = server.create_tenant(TenantCreate(name="acme", quotas={TYPE: 72}))
    body = JobSubmit(accelerator=TYPE, accelerators=72, estimate_s=60.0)
    job, _ = server.submit(acme.id, body, None)
    assert job.state == "running"
    made = CliRunner().invoke(
        cli(), ["admin", "tenant", "create", "globex", "--scenario", str(SCENARIO),
                "--database-url", url, "--json"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert server.get_job(acme.id, job.id).state == "running"  # not completed by the CLI
    db.dispose()
