"""Reservations in the scenario: the settings model, the checks against the planned fleet
(one line with the field path), the reserved runs, and the CLI's one-line refusal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import typer
from pydantic import ValidationError
from typer.testing import CliRunner

from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.scenario.errors import ScenarioError
from gigawatt.scenario.tenants import ReservationSettings, Tenant
from gigawatt.sched.jobs import simple_jobs
from gigawatt.workload.reservations import fleet_reservations, reserved_runs

START = dt.date(2026, 1, 1)
END = dt.date(2027, 1, 1)
DAY = 86_400.0


def fleet():  # type: ignore[no-untyped-def]
    return build_fleet(
        [
            HallBlock("tx-1", "h0", "gb300", 16, 4, 18, 0.0),
            HallBlock("ny-1", "h1", "tpu", 8, 4, 4, 0.0),
        ]
    )


def tenant(**reservation: object) -> Tenant:
    spec = {"accelerator": "gb300", "accelerators": 32, "start": "2026-03", "days": 30}
    spec.update(reservation)
    return Tenant.model_validate(
        {"name": "lab", "entitlement": 1.0, "workloads": [{"kind": "research"}],
         "reservations": [spec]}
    )  # fmt: skip


def test_month_or_day_starts_and_the_run_must_fit_its_window() -> None:
    assert ReservationSettings.model_validate(
        {"accelerator": "x", "accelerators": 1, "start": "2026-03", "days": 1}
    ).start == dt.date(2026, 3, 1)
    assert tenant(start="2026-03-15").reservations[0].start == dt.date(2026, 3, 15)
    with pytest.raises(ValidationError, match="run_days"):
        tenant(run_days=31)
    with pytest.raises(ValidationError):
        tenant(gpus=3)  # unknown key


def test_reservation_becomes_seconds_and_fleet_indices() -> None:
    [r] = fleet_reservations([tenant(site="tx-1", start="2026-03-15")], fleet(), START, END)
    assert r.start_s == (dt.date(2026, 3, 15) - START).days * DAY
    assert r.end_s == r.start_s + 30 * DAY
    assert (r.tenant, r.accelerators, r.type_index, r.site) == (0, 32, 0, 0)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"accelerator": "h100"}, "accelerator", "not in the planned fleet"),
        ({"site": "tx-9"}, "site", "unknown site 'tx-9'"),
        ({"start": "2025-12-20"}, "start", "outside the program's horizon"),
        ({"start": "2026-12-15"}, "start", "outside the program's horizon"),
        ({"accelerators": 65}, "accelerators", "will only ever have 64"),
        ({"site": "ny-1"}, "accelerators", "ny-1 will only ever have 0"),
    ],
)
def test_bad_reservation_is_one_line_with_its_field(
    change: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(ScenarioError) as error:
        fleet_reservations([tenant(**change)], fleet(), START, END, "s.yaml")
    text = str(error.value)
    assert text.startswith(f"s.yaml: tenants[0].reservations[0].{field}: ")
    assert words in text and "\n" not in text


def test_reserved_run_arrives_at_the_window_start_in_arrival_order() -> None:
    f = fleet()
    tenants = [tenant(run_days=20, start="2026-02")]
    reservations = fleet_reservations(tenants, f, START, END)
    base = simple_jobs(np.array([0.0, 40 * DAY]), np.array([1.0, 1.0]), tenants=("lab",))
    base = type(base)(**{**base.__dict__, "types": f.types})
    jobs, ids = reserved_runs(base, tenants, reservations, f)
    assert jobs.count == 3 and ids == [1]  # between the two jobs by arrival
    assert jobs.arrival_s[1] == reservations[0].start_s
    assert jobs.duration_s[1] == 20 * DAY and jobs.accelerators[1] == 32
    assert (np.diff(jobs.arrival_s) >= 0).all()


def test_simulate_stops_on_a_bad_reservation_with_one_line(tmp_path: Path) -> None:
    from gigawatt.cli.simulate import simulate

    text = Path("scenarios/anthropic-fluidstack-2026.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        text + "\ntenants:\n  - {name: lab, entitlement: 1, workloads: [{kind: research}],\n"
        "     reservations: [{accelerator: tpu7x, accelerators: 8, site: tx-9, "
        "start: 2026-06, days: 10}]}\n"
    )
    app = typer.Typer()
    app.command()(simulate)
    result = CliRunner().invoke(app, [str(bad), "--months", "1", "--no-contracts"])
    assert result.exit_code == 2
    assert "tenants[0].reservations[0].site: unknown site 'tx-9'" in result.output
    assert "Traceback" not in result.output


def test_simulate_reports_a_refused_reservation_and_defrag(tmp_path: Path) -> None:
    from gigawatt.cli.simulate import simulate

    text = Path("scenarios/anthropic-fluidstack-2026.yaml").read_text()
    early = tmp_path / "early.yaml"
    early.write_text(  # ny-1 has no accelerators online before mid-2026: can never be held
        text + "\ntenants:\n  - {name: lab, entitlement: 1, workloads: [{kind: research}],\n"
        "     reservations: [{accelerator: tpu7x, accelerators: 8, site: ny-1, "
        "start: 2026-01-10, days: 10, run_days: 5}]}\n"
    )
    app = typer.Typer()
    app.command()(simulate)
    result = CliRunner().invoke(app, [str(early), "--months", "3", "--no-contracts", "--defrag"])
    assert result.exit_code == 0, result.output
    assert "REFUSED" in result.output and "0 are" in result.output
    assert "its run never started" in result.output
    assert "defrag: 0 moves" in result.output
