"""Schemathesis generates requests from /api/openapi.json (valid ones and deliberately invalid ones) and
sends them to the app through WSGI: no answer may be a server error (5xx)."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Err, Ok

from tests.admin.admin_helpers import SPEND_RULE, ApiClient

EXAMPLES_PER_OPERATION = int(os.environ.get("SEGMENTS_SCHEMATHESIS_EXAMPLES", "12"))


@pytest.mark.parametrize(
    ("mode", "real_ids"),
    [(GenerationMode.POSITIVE, False), (GenerationMode.POSITIVE, True), (GenerationMode.NEGATIVE, True)],
)
def test_no_server_errors(app: Flask, launcher: ApiClient, users: Any, mode: GenerationMode,
                         real_ids: bool) -> None:
    # With real_ids every {segment_id}, {campaign_id} and {user_id} names one that exists, and the token may
    # launch and schedule, so requests reach the handlers' real work instead of stopping at 404 or 403.
    api = launcher
    segment = api.post("/api/segments", {"name": "Big spenders", "rule": SPEND_RULE}).get_json()
    campaign = api.post("/api/campaigns", {"name": "Winback"}).get_json()
    ids = {"segment_id": segment["id"], "campaign_id": campaign["id"], "user_id": users[0]["user_id"]}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    results = list(schema.get_all_operations())
    assert [r.err() for r in results if isinstance(r, Err)] == []  # the description itself is sound
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    operations.sort(key=lambda op: op.method.upper() == "DELETE")  # delete the real ids last
    assert len(operations) >= 18
    server_errors: list[str] = []
    statuses: list[int] = []

    for operation in operations:
        names = [p.name for p in operation.path_parameters]
        fixed = {name: ids[name] for name in names} if real_ids and names else None

        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            response = case.call(headers=api.headers)
            statuses.append(response.status_code)
            if response.status_code >= 500:
                server_errors.append(f"{case.method} {case.formatted_path} body={case.body!r} -> "
                                     f"{response.status_code} {response.text[:300]}")

        try:
            run()
        except Unsatisfiable:
            # Nothing to make invalid (no parameters and no body, e.g. GET /api/segments): nothing to send.
            assert mode is GenerationMode.NEGATIVE
    assert server_errors == []
    assert len(statuses) >= (len(operations) if mode is GenerationMode.POSITIVE else 10)
    if mode is GenerationMode.POSITIVE:
        assert any(200 <= s < 300 for s in statuses)
