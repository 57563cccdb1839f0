"""A local stand-in for the Slack Web API and for response_url, recording every call.

The app under test reaches it through its API base URL (``SLACK_API_URL``) and through the
``response_url`` values the tests put in the payloads they send. Tests wait for an expected call with a
bounded poll (``wait_for``), because Bolt runs listeners after the ack, in a thread.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Call:
    method: str  # "chat.postMessage", ..., or "response_url"
    params: dict[str, Any]
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    answer: dict[str, Any] = field(default_factory=dict)  # what the stand-in answered

    def text(self) -> str:
        """Everything a user would read in this call: the fallback text and every text in its blocks."""
        parts: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "text" and isinstance(value, str):
                        parts.append(value)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        payload = {k: v for k, v in self.params.items() if k in ("text", "blocks", "view", "attachments")}
        if self.method == "file_upload":  # an uploaded file is read too (the no-PII check covers it)
            parts.append(str(self.params.get("content", "")))
        for key in ("blocks", "view"):
            if isinstance(payload.get(key), str):
                payload[key] = json.loads(payload[key])
        walk(payload)
        return "\n".join(parts)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.params.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        return list(blocks or [])

    @property
    def view(self) -> dict[str, Any]:
        view = self.params.get("view")
        return json.loads(view) if isinstance(view, str) else dict(view or {})


class SlackStandIn:
    """``base_url`` ends with ``/api/`` like Slack's; ``response_url(name)`` gives a URL that records."""

    def __init__(self, team_id: str = "T0TEST", team_name: str = "Acme Marketing") -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.calls: list[Call] = []
        self.failures: dict[str, str] = {}  # method -> Slack error to answer with
        self.installed_team = "T0OTHER"  # the workspace an OAuth install (oauth.v2.access) belongs to
        self.socket_url = ""  # what apps.connections.open answers (a SocketStandIn's url)
        self.response_delay = 0.0  # seconds a response_url takes to answer (a slow Slack)
        self._changed = threading.Condition()
        self._ts = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-standin", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.url}/response/{name}"

    def start(self) -> SlackStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # ------------------------------------------------------------------ what tests read

    def calls_to(self, method: str) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate: Callable[[Call], Any], timeout: float = 15.0, what: str = "") -> Call:
        """The first recorded call matching ``predicate``, waiting at most ``timeout`` seconds for it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for call in self.calls:
                    if predicate(call):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = "\n".join(f"  {c.method}: {c.text()[:200]!r}" for c in self.calls)
                    raise AssertionError(f"no call {what or predicate} within {timeout:.0f} s; calls:\n{seen}")
                self._changed.wait(left)

    def wait_for_text(self, needle: str, method: str | None = None, timeout: float = 15.0) -> Call:
        return self.wait_for(
            lambda c: (method is None or c.method == method) and needle.lower() in c.text().lower(),
            timeout, what=f"{method or 'any'} containing {needle!r}",
        )

    def settle(self, quiet: float = 0.5, timeout: float = 10.0) -> None:
        """Wait until no new call has arrived for ``quiet`` seconds (for asserting that nothing more comes)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            count = len(self.calls)
            while time.monotonic() < deadline:
                self._changed.wait(quiet)
                if len(self.calls) == count:
                    return
                count = len(self.calls)

    def clear(self) -> None:
        with self._changed:
            self.calls.clear()

    # ------------------------------------------------------------------ the server

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method in self.failures:
            return {"ok": False, "error": self.failures[method]}
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "auth.test":
            return {"ok": True, "url": "https://acme.slack.com/", "team": self.team_name, "user": "segments",
                    "team_id": self.team_id, "user_id": "UBOT", "bot_id": "BBOT", "is_enterprise_install": False}
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": ts,
                    "message": {"text": params.get("text"), "ts": ts}}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method in ("views.open", "views.update", "views.publish", "views.push"):
            view = params.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            return {"ok": True, "view": {**(view or {}), "id": params.get("view_id") or "V0VIEW", "hash": ts}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        if method == "oauth.v2.access":
            return {"ok": True, "app_id": "A0SEGMENTS", "authed_user": {"id": "U0ADMIN"},
                    "scope": "commands,chat:write", "token_type": "bot", "access_token": "xoxb-installed",
                    "bot_user_id": "UBOT", "team": {"id": self.installed_team, "name": "Other Co"},
                    "enterprise": None, "is_enterprise_install": False}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{str(params.get('users') or 'X').split(',')[0]}"}}
        if method == "files.getUploadURLExternal":
            return {"ok": True, "upload_url": f"{self.url}/upload/F0FILE", "file_id": "F0FILE"}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": "F0FILE", "title": params.get("files")}]}
        return {"ok": True}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                ctype = self.headers.get("Content-Type", "")
                params: dict[str, Any]
                if "json" in ctype:
                    params = json.loads(raw or b"{}")
                elif "form" in ctype:
                    params = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                else:
                    params = {"body": raw.decode(errors="replace")}
                headers = {k.lower(): v for k, v in self.headers.items()}
                if self.path.startswith("/api/"):
                    method = self.path[len("/api/"):].split("?")[0]
                    answer = standin._answer(method, params)
                    standin._record(Call(method, params, self.path, headers, answer))
                    body = json.dumps(answer).encode()
                    self._send(200, body, "application/json")
                elif self.path.startswith("/response/expired"):
                    standin._record(Call("response_url_expired", params, self.path, headers))
                    self._send(404, b"expired_url", "text/plain")
                elif self.path.startswith("/response/"):
                    time.sleep(standin.response_delay)
                    standin._record(Call("response_url", params, self.path, headers))
                    self._send(200, b"ok", "text/plain")
                elif self.path.startswith("/upload/"):
                    # What files_upload_v2 sends to the upload URL: the file's bytes, kept for the tests.
                    standin._record(Call("file_upload", {"size": len(raw), "content": raw.decode(errors="replace")},
                                         self.path, headers))
                    self._send(200, b"OK - 0", "text/plain")
                else:
                    self._send(404, b"not found", "text/plain")

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
