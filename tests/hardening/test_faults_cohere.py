"""Cohere timing out on every call: the grammar answers, the marketer is told Cohere did not help, and the
slash command is still acked at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from segcore.storage.embedded import EmbeddedServer
from tests.bot.slack_standin import SlackStandIn
from tests.hardening.conftest import COHERE_KEY, Product, build_product
from tests.segcore.cohere_standin import Answer, cohere_standin

SLOW = Answer(text=json.dumps({"rule": {"field": "visits", "op": "gt", "value": 1}}), delay=4.0)


@pytest.fixture
def slow_cohere_product(mongo_server: EmbeddedServer, mongo_client: MongoClient[dict[str, Any]], tmp_path: Path,
                        standin: SlackStandIn, sample_users: list[dict[str, Any]]) -> Iterator[tuple[Product, Any]]:
    with cohere_standin(SLOW) as cohere:
        for product in build_product(mongo_server.uri, mongo_client, tmp_path, standin, sample_users,
                                     COHERE_API_KEY=COHERE_KEY, COHERE_BASE_URL=cohere.url, COHERE_TIMEOUT="1"):
            yield product, cohere


def test_the_grammar_answers_when_cohere_times_out(slow_cohere_product: tuple[Product, Any]) -> None:
    product, cohere = slow_cohere_product
    preview = product.api("POST", "/api/segments/preview", json={"text": "people who spent over 5k in Pune"})
    assert preview.status_code == 200, preview.get_json()
    body = preview.get_json()
    assert body["source"] == "grammar"
    assert "cohere" in json.dumps(body).lower(), body  # the notice says Cohere did not help
    assert cohere.requests, "Cohere was never asked: the test did not reach the timeout"


def test_a_slash_command_is_acked_and_answered_when_cohere_times_out(
        slow_cohere_product: tuple[Product, Any]) -> None:
    product, cohere = slow_cohere_product
    answer, _ = product.slack.command("/segment", "people who spent over 5k in Pune")  # 3 s ack timeout
    assert answer.status == 200
    card = product.standin.wait_for(lambda c: c.method == "response_url" and "Audience" in c.text(), timeout=30,
                                    what="the segment card")
    assert "cohere" in card.text().lower()
    assert cohere.requests


def test_text_only_cohere_could_read_is_refused_clearly_when_it_times_out(
        slow_cohere_product: tuple[Product, Any]) -> None:
    product, _ = slow_cohere_product
    refused = product.api("POST", "/api/segments/preview", json={"text": "folks who adore purple umbrellas"})
    assert refused.status_code == 422
    message = refused.get_json()["error"]["message"]
    assert "Cohere" in message and "purple" in json.dumps(refused.get_json())
