"""Every command the app's MongoDB clients send, seen through pymongo's command monitoring.

``pymongo.monitoring.register`` applies to clients created after it, so tests call ``watch()`` before they
build the app; the listener records only while a ``recording()`` block is open.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bson import json_util
from pymongo import monitoring


class _Recorder(monitoring.CommandListener):
    def __init__(self) -> None:
        self.on = False
        self.commands: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.on:
            with self.lock:
                self.commands.append({"name": event.command_name, "command": dict(event.command)})

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


_recorder = _Recorder()
_registered = False


def watch() -> None:
    global _registered
    if not _registered:
        monitoring.register(_recorder)
        _registered = True


@contextmanager
def recording() -> Iterator[list[dict[str, Any]]]:
    watch()
    with _recorder.lock:
        _recorder.commands.clear()
    _recorder.on = True
    try:
        yield _recorder.commands
    finally:
        _recorder.on = False


def as_text(commands: list[dict[str, Any]]) -> str:
    return "\n".join(json.dumps(c, default=json_util.default) for c in commands)
