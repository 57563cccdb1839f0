"""The OpenAPI description stays true: every /api route is described, and everything described is routed."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def routed(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule == "/api" or rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            for method in (rule.methods or set()) - IGNORED_METHODS:
                found.add((method, path))
    return found


def described(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_every_route_is_described_and_vice_versa(app: Flask, client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    routes = routed(app)
    assert len(routes) >= 18
    assert routes == described(spec)


def test_description_is_valid_openapi_31(client: FlaskClient) -> None:
    from jsonschema_rs import validator_for  # shipped with schemathesis

    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    for path, item in spec["paths"].items():
        for name in re.findall(r"{([^}]+)}", path):
            params = item.get("parameters", [])
            assert any(p["name"] == name and p["in"] == "path" for p in params), (path, name)
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert operation["responses"], (method, path)
            if operation.get("security") != []:
                assert "401" in operation["responses"], (method, path)
    # Every schema in components is itself a valid JSON Schema (2020-12, as OpenAPI 3.1 uses).
    for name in spec["components"]["schemas"]:
        validator_for({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})
    import schemathesis

    loaded = schemathesis.openapi.from_dict(spec)
    assert len(list(loaded.get_all_operations())) == len(described(spec))
