"""Schemathesis generates requests from /api/openapi.json and sends them to the app: no answer may be a
server error (5xx), and every answer must match what the description says."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from admin_helpers import SPEND_RULE, ApiClient
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(app: Flask, api: ApiClient, users: Any) -> Any:
    # Something to find: a segment and a campaign exist, so ids can be real as well as random.
    api.post("/api/segments", {"name": "Big spenders", "rule": SPEND_RULE})
    api.post("/api/campaigns", {"name": "Winback"})
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: Any, api: ApiClient) -> None:
    response = case.call(headers=api.headers)
    assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text[:500])
    case.validate_response(response, checks=[not_a_server_error])
