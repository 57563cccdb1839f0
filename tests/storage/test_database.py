"""Opening the database: the embedded server on a data folder, and clear errors when it cannot be reached."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from segcore.storage import StorageUnavailable, open_store
from segcore.storage.embedded import EmbeddedServer, free_port
from tests.storage.helpers import rule


def test_unreachable_uri_fails_fast_with_a_clear_message(tmp_path: Path) -> None:
    port = free_port()
    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match=rf"Cannot reach the database at mongodb://127.0.0.1:{port}"):
        open_store(f"mongodb://127.0.0.1:{port}/?directConnection=true", tmp_path, timeout=1.0)
    assert time.monotonic() - started < 10


def test_invalid_uri_is_reported_without_credentials(tmp_path: Path) -> None:
    with pytest.raises(StorageUnavailable, match="not a valid MongoDB address") as info:
        open_store("postgres://bob:secret@host/db", tmp_path)
    assert "secret" not in str(info.value)


def test_data_survives_a_restart_and_a_second_start_finds_it_running(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = open_store(None, data, "segments")
    try:
        assert first.server is not None and first.server.owned
        seg = first.segments.create("T1", "Keep me", rule({"field": "visits", "op": "gt", "value": 3}), "", "user", "U1")
        first.users.upsert_many("T1", [{"user_id": "a", "visits": 5}])
        # A second start on the same folder finds the running server and does not own (stop) it.
        second = open_store(None, data, "segments")
        assert second.server is not None and not second.server.owned
        assert second.server.port == first.server.port
        assert second.segments.get("T1", seg.id) == seg
        second.close()
        assert first.ping()
    finally:
        first.close()
    assert not first.ping()
    again = open_store(None, data, "segments")
    try:
        assert again.server is not None and again.server.owned
        assert again.segments.get("T1", seg.id) == seg
        assert again.users.count("T1") == 1
    finally:
        again.close()


def test_a_dead_embedded_server_is_noticed_and_reported(tmp_path: Path) -> None:
    store = open_store(None, tmp_path / "data", "segments")
    try:
        assert store.server is not None and store.server.pid is not None
        os.kill(store.server.pid, signal.SIGKILL)
        assert store.server.process is not None
        store.server.process.wait(timeout=10)
        assert not store.ping()
        started = time.monotonic()
        with pytest.raises(StorageUnavailable, match=r"embedded database .* has stopped"):
            store.segments.list("T1")
        with pytest.raises(StorageUnavailable, match="has stopped"):
            store.users.count("T1")
        assert time.monotonic() - started < 5
    finally:
        store.close()


def test_a_server_found_running_that_dies_is_reported(tmp_path: Path) -> None:
    server = EmbeddedServer(tmp_path / "data").start()
    try:
        store = open_store(None, tmp_path / "data", "segments")
        assert store.server is not None and not store.server.owned
        server.stop()
        with pytest.raises(StorageUnavailable, match="has stopped"):
            store.campaigns.list("T1")
        store.close()
    finally:
        server.stop()
