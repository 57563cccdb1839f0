"""A local stand-in of Cohere's HTTP API: ``POST /v2/chat`` answered the way the real API answers.

Successful answers carry the v2 chat response shape (``id``, ``finish_reason``, ``message.content`` of text
items, ``usage`` with ``billed_units`` and ``tokens``); errors carry the JSON bodies the real API sends for
400, 401, 429 and 500. Each request takes the next scripted behaviour (the last one repeats), or asks a
``responder`` that sees the request body. Selected through the SDK's ``base_url``, like ``COHERE_BASE_URL``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ERROR_BODIES = {
    400: "invalid request: response_format.json_schema is not a valid schema",
    401: "invalid api token",
    429: "You are using a Trial key, which is limited to 20 API calls / minute. You can continue to use the "
         "Trial key for free or upgrade to a Production key with higher rate limits.",
    500: "internal server error, this has been reported to our developers",
    503: "service unavailable, please try again later",
}


@dataclass
class Answer:
    """One scripted behaviour: a 200 with ``text``, an HTTP error ``status``, a ``delay`` first, or ``drop``."""

    text: str = ""
    status: int = 200
    delay: float = 0.0
    drop: bool = False
    finish_reason: str = "COMPLETE"


def rules(data: dict[str, Any]) -> Answer:
    """An answer holding ``data`` in the schema's envelope, as Cohere writes it: ``{"rule": data}``."""
    return Answer(text=json.dumps({"rule": data}))


@dataclass
class StandIn:
    script: list[Answer] = field(default_factory=list)
    responder: Callable[[dict[str, Any]], Answer] | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self, body: dict[str, Any]) -> Answer:
        with self._lock:
            self.requests.append(body)
            if self.responder is not None:
                return self.responder(body)
            if len(self.script) > 1:
                return self.script.pop(0)
            return self.script[0] if self.script else Answer(status=500)


def _handler(standin: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes: do not wait for an ACK

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path != "/v2/chat":
                self._send(404, {"id": str(uuid.uuid4()), "message": f"path {self.path} not found"})
                return
            standin.headers.append({k.lower(): v for k, v in self.headers.items()})
            answer = standin.next_answer(body)
            if answer.delay:
                time.sleep(answer.delay)
            if answer.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if answer.status != 200:
                self._send(answer.status, {"id": str(uuid.uuid4()), "message": ERROR_BODIES[answer.status]})
                return
            prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
            billed_in, billed_out = prompt_chars // 4, max(1, len(answer.text) // 4)
            self._send(200, {
                "id": str(uuid.uuid4()),
                "message": {"role": "assistant", "content": [{"type": "text", "text": answer.text}]},
                "finish_reason": answer.finish_reason,
                "usage": {
                    "billed_units": {"input_tokens": billed_in, "output_tokens": billed_out},
                    "tokens": {"input_tokens": billed_in + 220, "output_tokens": billed_out + 2},
                },
            })

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and left is expected here


@contextmanager
def cohere_standin(*script: Answer) -> Iterator[StandIn]:
    standin = StandIn(script=list(script))
    server = _Server(("127.0.0.1", 0), _handler(standin))
    standin.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port_url() -> str:
    """A loopback URL nobody listens on: connecting fails at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
