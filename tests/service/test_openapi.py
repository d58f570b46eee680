"""schemathesis against the OpenAPI spec, as an admin and as a tenant: no 5xx and every
response matches its documented schema (bounded examples per operation)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from gigawatt.fleet.topology import uniform_fleet
from gigawatt.service.app import create_app

TOKENS: dict[str, str] = {}


@pytest.fixture
def api_schema(database_url: str) -> Any:
    fleet = uniform_fleet(8, 4, 2, halls=2, accelerator="gb200", site="tx-1")
    app = create_app(
        (fleet, dt.date(2026, 1, 1)), database_url, "adm",
        clock=lambda: dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    with TestClient(app) as client:
        made = client.post(
            "/v1/admin/tenants",
            json={"name": "fuzz", "quotas": {"gb200": 16}},
            headers={"Authorization": "Bearer adm"},
        )
        TOKENS["tenant"] = made.json()["token"]
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _fuzz(schema: Any, token: str) -> None:
    """Every operation, 20 generated cases each."""
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20, deadline=None, database=None,
            suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        def check(case: Any) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"},
                checks=[not_a_server_error, response_schema_conformance],
            )

        check()


def test_as_admin_no_server_errors_and_responses_match_the_schema(api_schema: Any) -> None:
    _fuzz(api_schema, "adm")


def test_as_tenant_no_server_errors_and_responses_match_the_schema(api_schema: Any) -> None:
    _fuzz(api_schema, TOKENS["tenant"])
