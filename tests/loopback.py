"""A WSGI app served over real HTTP on a free loopback port, for as long as a test needs it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server


@contextmanager
def on_loopback(app: Any, *, name: str | None = None, join_timeout: float = 5) -> Iterator[str]:
    """``app`` on 127.0.0.1 with a port of its own, threaded like a real server; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=join_timeout)
