"""Secrets never reach the logs: a whole flow (admin sign-in, API calls with a token, Slack commands and
clicks, a Cohere reading, a failing database address) runs with every logger at DEBUG and known secrets set,
and no captured record (message, arguments or traceback) contains any of them."""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from segcore.storage.embedded import EmbeddedServer, free_port
from segments.config import Settings
from segments.serve import start
from tests.bot.slack_standin import SlackStandIn
from tests.hardening.conftest import (
    ADMIN_PASSWORD,
    BOT_TOKEN,
    COHERE_KEY,
    SECRET_KEY,
    SIGNING_SECRET,
    Product,
    build_product,
)
from tests.segcore.cohere_standin import Answer, cohere_standin

DB_PASSWORD = "mongo-pw-hardening-6a1f"


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info:
            parts.append("".join(traceback.format_exception(*record.exc_info)))
    return "\n".join(parts)


@pytest.fixture
def debug_product(mongo_server: EmbeddedServer, mongo_client: MongoClient[dict[str, Any]], tmp_path: Path,
                  standin: SlackStandIn, sample_users: list[dict[str, Any]],
                  caplog: pytest.LogCaptureFixture) -> Iterator[Product]:
    caplog.set_level(logging.DEBUG)
    with cohere_standin(Answer(text=json.dumps({"rule": {"field": "visits", "op": "gt", "value": 3}}))) as co:
        yield from build_product(mongo_server.uri, mongo_client, tmp_path, standin, sample_users,
                                 COHERE_API_KEY=COHERE_KEY, COHERE_BASE_URL=co.url)


def test_no_secret_in_any_log_record_of_a_whole_flow(debug_product: Product,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    product = debug_product
    client = product.client
    for password in ("wrong password", ADMIN_PASSWORD):
        page = client.get("/auth/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf
        client.post("/auth/login", data={"password": password, "csrf_token": csrf.group(1)})
    assert client.get("/segments").status_code == 200
    created = product.api("POST", "/api/segments", json={"name": "loyal", "text": "people who visited often"})
    product.api("POST", "/api/segments", json={"name": "spenders", "rule": {"field": "total_spend", "op": "gt",
                                                                            "value": 5000}})
    product.api("GET", "/api/segments", token="seg_wrong-token-value")
    product.slack.command("/segment", "spent over 5k in Pune")
    product.slack.command("/segment", "list", signature="v0=" + "1" * 64)
    product.slack.command("/campaign", "new Launch")
    product.standin.wait_for_text("Audience", "response_url")
    product.standin.settle(quiet=0.5, timeout=15)
    logged = everything_logged(caplog)
    assert len(caplog.records) > 20, "the flow logged almost nothing: the scan would prove nothing"
    assert created.status_code in (201, 422)
    for name, secret in {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                         "COHERE_API_KEY": COHERE_KEY, "SEGMENTS_ADMIN_PASSWORD": ADMIN_PASSWORD,
                         "SEGMENTS_SECRET_KEY": SECRET_KEY, "API token": product.token,
                         "another API token": product.other_token}.items():
        assert secret not in logged, f"{name} appears in the logs"


def test_a_database_password_is_never_logged_or_shown(tmp_path: Path, standin: SlackStandIn,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    uri = f"mongodb://segments:{DB_PASSWORD}@127.0.0.1:{free_port()}/segments?serverSelectionTimeoutMS=800"
    env = {"MONGODB_URI": uri, "SEGMENTS_DATA_DIR": str(tmp_path), "SEGMENTS_SCHEDULER": "off",
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": standin.base_url}
    with pytest.raises(Exception) as failure:
        start(Settings.from_env(env)).stop()
    assert DB_PASSWORD not in str(failure.value)
    assert DB_PASSWORD not in everything_logged(caplog)
    assert "127.0.0.1" in str(failure.value)  # the message still says where it tried
