"""Test helpers shared by tests/campaigns and tests/scheduler: a local webhook receiver and a Slack stand-in.

Both are real HTTP servers on loopback ports, so the code under test makes real requests.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass(frozen=True)
class Answer:
    """A scripted answer that is more than a status code: headers to send (Location, Retry-After), or a
    receiver that dies half-way, while reading the request or while writing its answer."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    close_reading: bool = False
    close_answering: bool = False


@dataclass
class WebhookReceiver:
    secret: str
    url: str = ""
    # Answers for the requests once `script_after` batches were accepted (status codes or Answers), then 200.
    script: list[int | Answer] = field(default_factory=list)
    script_after: int = 0
    accepted: dict[str, list[str]] = field(default_factory=dict)  # delivery id -> user ids
    requests: int = 0
    bad_signatures: int = 0
    gets: list[str] = field(default_factory=list)  # paths asked for with GET (a followed redirect)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, headers: Any, body: bytes) -> int | Answer:
        with self.lock:
            self.requests += 1
            timestamp = headers.get("X-Segments-Timestamp", "")
            expected = "sha256=" + hmac.new(self.secret.encode(), timestamp.encode() + b"." + body,
                                            hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, headers.get("X-Segments-Signature", "")):
                self.bad_signatures += 1
                return 401
            if self.script and len(self.accepted) >= self.script_after:
                return self.script.pop(0)
            payload = json.loads(body)
            delivery = headers.get("X-Segments-Delivery")
            assert delivery == payload["delivery_id"]
            self.accepted.setdefault(delivery, []).extend(u["user_id"] for u in payload["users"])
            return 200

    @property
    def users(self) -> list[str]:
        return [u for key in sorted(self.accepted, key=lambda k: int(k.rsplit(":", 1)[1]))
                for u in self.accepted[key]]


@contextmanager
def serve(handler_factory: Any) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_factory)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def webhook_receiver(secret: str, path: str = "/hook") -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            if self.path != path:
                self.rfile.read(length)
                self._answer(Answer(404))
                return
            # Decided before reading, so a receiver can die with half the body read.
            upcoming = receiver.script[0] if receiver.script and len(receiver.accepted) >= receiver.script_after \
                else None
            if isinstance(upcoming, Answer) and upcoming.close_reading:
                receiver.script.pop(0)
                with receiver.lock:
                    receiver.requests += 1
                self.rfile.read(length // 2)
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            body = self.rfile.read(length)
            answer = receiver.handle(self.headers, body)
            self._answer(answer if isinstance(answer, Answer) else Answer(answer))

        def _answer(self, answer: Answer) -> None:
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            if answer.close_answering:
                # Promise a body, send part of it, and go.
                self.send_header("Content-Length", "100")
                self.end_headers()
                self.wfile.write(b'{"ok":')
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            receiver.gets.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    with serve(Handler) as base:
        receiver.url = base + path
        yield receiver


@dataclass
class SlackStandIn:
    base_url: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    fail_with: str | None = None


@contextmanager
def slack_stand_in() -> Iterator[SlackStandIn]:
    """Answers chat.postMessage like Slack does and keeps what was posted."""
    state = SlackStandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                data = json.loads(raw)
            else:
                data = {k: v[0] for k, v in parse_qs(raw).items()}
            if isinstance(data.get("blocks"), str):
                data["blocks"] = json.loads(data["blocks"])
            data["_path"] = self.path
            data["_auth"] = self.headers.get("Authorization")
            if state.fail_with:
                answer = {"ok": False, "error": state.fail_with}
            else:
                state.messages.append(data)
                answer = {"ok": True, "channel": data.get("channel"), "ts": "1700000000.000100"}
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    with serve(Handler) as base:
        state.base_url = base + "/api/"
        yield state
