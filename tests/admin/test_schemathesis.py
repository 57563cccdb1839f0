"""Schemathesis generates requests from /api/openapi.json (valid ones and deliberately invalid ones) and
sends them to the app through WSGI: no answer may be a server error (5xx), and every answer must be what the
document says of it (a documented status code, the documented content type, a body matching the schema),
so the document and the code cannot drift apart."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from admin_helpers import SPEND_RULE, ApiClient
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err, Ok

# Every answer is checked against the OpenAPI document: its status code is one it documents for the
# operation, its Content-Type the documented one, and its body matches the documented schema.
CONTRACT_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
                   response_schema_conformance]
EXAMPLES_PER_OPERATION = int(os.environ.get("SEGMENTS_SCHEMATHESIS_EXAMPLES", "12"))


def _failures(exc: BaseException) -> str:
    found = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
    return "; ".join(f"{getattr(f, 'title', type(f).__name__)}: {str(getattr(f, 'message', f))[:200]}"
                     for f in found)


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
    broken: list[str] = []  # answers that do not match what the OpenAPI document says of them
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
                case.validate_response(response, checks=CONTRACT_CHECKS)
            except (AssertionError, FailureGroup) as exc:
                broken.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                              f"{_failures(exc)} body={response.text[:200]}")

        try:
            run()
        except Unsatisfiable:
            # Nothing to make invalid (no parameters and no body, e.g. GET /api/segments): nothing to send.
            assert mode is GenerationMode.NEGATIVE
    assert server_errors == []
    assert broken == []
    assert len(statuses) >= (len(operations) if mode is GenerationMode.POSITIVE else 10)
    if mode is GenerationMode.POSITIVE:
        assert any(200 <= s < 300 for s in statuses)


def test_answers_while_the_database_fails_match_the_document(app: Flask, launcher: ApiClient,
                                                              mongo_client: Any) -> None:
    # The database refusing every command: each operation's answer (503 with the error body, or what a
    # public route answers) must still be one the document states.
    segment = launcher.post("/api/segments", {"name": "Big spenders", "rule": SPEND_RULE}).get_json()
    campaign = launcher.post("/api/campaigns", {"name": "Winback"}).get_json()
    ids = {"segment_id": segment["id"], "campaign_id": campaign["id"], "user_id": "u1"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    broken: list[str] = []
    statuses: list[int] = []
    mongo_client.admin.command({"configureFailPoint": "failCommand", "mode": "alwaysOn", "data": {
        "failCommands": ["find", "insert", "update", "delete", "findAndModify", "aggregate", "count", "distinct"],
        "errorCode": 2}})
    try:
        for operation in operations:
            fixed = {p.name: ids[p.name] for p in operation.path_parameters} or None

            @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=fixed))
            @settings(max_examples=2, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def run(case: Any) -> None:
                response = case.call(headers=launcher.headers)
                statuses.append(response.status_code)
                try:
                    case.validate_response(response, checks=CONTRACT_CHECKS[1:])  # a 5xx is what we want here
                except (AssertionError, FailureGroup) as exc:
                    broken.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                  f"{_failures(exc)}")

            run()
    finally:
        mongo_client.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
    assert broken == []
    assert statuses.count(503) >= len(operations) - 1  # all but openapi.json, which needs no database
