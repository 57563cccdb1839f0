"""The Slack Web API answering 429 `ratelimited` (with Retry-After) and 5xx: the answer still reaches the
user, exactly once, or a clear error with a reference id is logged."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from segcore.storage.embedded import EmbeddedServer
from tests.bot.slack_standin import Call, SlackStandIn
from tests.hardening.conftest import Product, build_product


class FlakySlack(SlackStandIn):
    """The Slack stand-in, with scripted HTTP failures per API method (consumed one a call)."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        self.http_failures: dict[str, list[tuple[int, dict[str, str], dict[str, Any]]]] = {}
        self._lock = threading.Lock()
        super().__init__(*args, **kw)

    def fail(self, method: str, status: int, times: int = 1, retry_after: int | None = None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        body = {"ok": False, "error": "ratelimited"} if status == 429 else {"ok": False, "error": "fatal_error"}
        with self._lock:
            self.http_failures.setdefault(method, []).extend([(status, headers, body)] * times)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        base = super()._handler()
        standin = self

        class Flaky(base):  # type: ignore[valid-type,misc]
            def do_POST(self) -> None:
                method = self.path[len("/api/"):].split("?")[0] if self.path.startswith("/api/") else ""
                with standin._lock:
                    queue = standin.http_failures.get(method) or []
                    failure = queue.pop(0) if queue else None
                if failure is None:
                    super().do_POST()
                    return
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                status, headers, body = failure
                standin._record(Call(f"{method}!{status}", {}, self.path, {}, body))
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {**headers, "Content-Type": "application/json",
                                    "Content-Length": str(len(data))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Flaky


@pytest.fixture
def flaky() -> Iterator[FlakySlack]:
    server = FlakySlack(team_id="T0TEST").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def flaky_product(mongo_server: EmbeddedServer, mongo_client: MongoClient[dict[str, Any]], tmp_path: Path,
                  flaky: FlakySlack, sample_users: list[dict[str, Any]]) -> Iterator[Product]:
    yield from build_product(mongo_server.uri, mongo_client, tmp_path, flaky, sample_users)


def mention(product: Product, text: str) -> str:
    ts = f"{time.time():.6f}"
    answer = product.slack.event({"type": "app_mention", "user": "U0MARKETER", "text": f"<@UBOT> {text}",
                                  "ts": ts, "channel": "C0GENERAL", "event_ts": ts})
    assert answer.status == 200
    return ts


@pytest.mark.parametrize("status,retry_after", [(429, 1), (503, None), (500, None)])
def test_the_answer_arrives_once_through_rate_limits_and_server_errors(
        flaky_product: Product, flaky: FlakySlack, status: int, retry_after: int | None) -> None:
    flaky.fail("chat.postMessage", status, retry_after=retry_after)
    flaky.fail("chat.update", status, retry_after=retry_after)
    mention(flaky_product, '{"field": "visits", "op": "gt", "value": 50}')
    flaky.wait_for(lambda c: c.method == "chat.update" and "Audience" in c.text(), timeout=30,
                   what="the card after the failures")
    flaky.settle(quiet=1.0, timeout=15)
    refused = [c for c in flaky.calls if "!" in c.method]
    assert len(refused) == 2, [c.method for c in flaky.calls]
    posts = flaky.calls_to("chat.postMessage")
    assert len(posts) == 1, [p.text()[:80] for p in posts]  # nothing doubled
    cards = [c for c in flaky.calls_to("chat.update") if "Audience" in c.text()]
    assert len(cards) == 1


def test_slack_failing_for_good_is_logged_with_a_reference(flaky_product: Product, flaky: FlakySlack,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    flaky.fail("chat.postMessage", 503, times=50)
    mention(flaky_product, "help")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any("ref=" in r.getMessage() for r in caplog.records):
        time.sleep(0.2)
    logged = [r.getMessage() for r in caplog.records if "ref=" in r.getMessage()]
    assert logged, "no reference was logged for an answer Slack never accepted"
    assert flaky.calls_to("chat.postMessage") == []
