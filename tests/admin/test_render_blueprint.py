"""render.yaml describes the web service the way the app really runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml  # PyYAML, installed with schemathesis
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"MONGODB_URI", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_TEAM_ID", "SEGMENTS_ADMIN_PASSWORD",
           "COHERE_API_KEY", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"}


def blueprint() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "render.yaml").read_text(encoding="utf-8")))


def test_one_python_web_service_run_by_gunicorn() -> None:
    (service,) = blueprint()["services"]
    assert service["type"] == "web" and service["runtime"] == "python"
    assert service["buildCommand"] == "pip install ."
    assert service["startCommand"].startswith("gunicorn segments.wsgi:app ")
    assert "$PORT" in service["startCommand"]
    assert not (ROOT / "Procfile").exists()


def test_health_check_path_answers_without_a_token(client: FlaskClient) -> None:
    (service,) = blueprint()["services"]
    response = client.get(service["healthCheckPath"])
    assert response.status_code == 200 and response.get_json()["ok"] is True


def test_secrets_are_asked_for_and_the_session_key_generated() -> None:
    (service,) = blueprint()["services"]
    env = {item["key"]: item for item in service["envVars"]}
    for key in SECRETS:
        assert env[key] == {"key": key, "sync": False}, key
    assert env["SEGMENTS_SECRET_KEY"] == {"key": "SEGMENTS_SECRET_KEY", "generateValue": True}
    assert env["SEGMENTS_TRUSTED_PROXIES"]["value"] == "1"
    assert all("value" not in item for key, item in env.items() if key in SECRETS)
