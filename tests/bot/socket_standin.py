"""A minimal stand-in of Slack's Socket Mode WebSocket: hands envelopes to the app and records its acks.

Only what the SDK's built-in client uses: the HTTP upgrade, unmasked text frames from the server, masked
frames from the client, ping/pong and close.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import struct
import threading
import time
from typing import Any

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class SocketStandIn:
    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.client: socket.socket | None = None
        self.received: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="socket-standin", daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.getsockname()[1]}/link/?ticket=t"

    def start(self) -> SocketStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closed = True
        for sock in (self.client, self.server):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()
        self._thread.join(timeout=5)

    def wait_connected(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.client is None:
                if not self._changed.wait(max(0.0, deadline - time.monotonic())):
                    raise AssertionError("the app did not connect over Socket Mode")

    def send(self, message: dict[str, Any]) -> None:
        assert self.client is not None
        self.client.sendall(self._frame(0x1, json.dumps(message).encode()))

    def wait_for_ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for msg in self.received:
                    if msg.get("envelope_id") == envelope_id:
                        return msg
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no ack for {envelope_id}; got {self.received}")
                self._changed.wait(left)

    # ------------------------------------------------------------------ the server side

    @staticmethod
    def _frame(opcode: int, payload: bytes) -> bytes:
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([n])
        elif n < 65536:
            head += bytes([126]) + struct.pack(">H", n)
        else:
            head += bytes([127]) + struct.pack(">Q", n)
        return head + payload

    def _read_exact(self, sock: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def _serve(self) -> None:
        try:
            sock, _ = self.server.accept()
        except OSError:
            return
        request = b""
        while b"\r\n\r\n" not in request:
            request += sock.recv(4096)
        key = next(line.split(":", 1)[1].strip() for line in request.decode().split("\r\n")
                   if line.lower().startswith("sec-websocket-key"))
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        sock.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
        with self._changed:
            self.client = sock
            self._changed.notify_all()
        self.send({"type": "hello", "num_connections": 1, "debug_info": {"host": "standin"}})
        try:
            while not self._closed:
                b1, b2 = self._read_exact(sock, 2)
                opcode, n = b1 & 0x0F, b2 & 0x7F
                if n == 126:
                    n = struct.unpack(">H", self._read_exact(sock, 2))[0]
                elif n == 127:
                    n = struct.unpack(">Q", self._read_exact(sock, 8))[0]
                mask = self._read_exact(sock, 4) if b2 & 0x80 else b"\0\0\0\0"
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read_exact(sock, n)))
                if opcode == 0x9:
                    sock.sendall(self._frame(0xA, data))
                elif opcode == 0x8:
                    return
                elif opcode == 0x1:
                    with self._changed:
                        self.received.append(json.loads(data))
                        self._changed.notify_all()
        except (ConnectionError, OSError):
            return
