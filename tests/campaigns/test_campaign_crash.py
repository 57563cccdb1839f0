"""A launch that dies half-way, then runs again: exactly one complete audience, no duplicates."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from segcore.campaigns import LaunchError, in_holdout, launch, launch_state
from segcore.campaigns.audience_rows import AUDIENCES
from segcore.storage.database import Store
from segcore.storage.embedded import EmbeddedServer
from tests.campaign_support_data import PUNE, VIP, expected_union, make_segment

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


class Boom(Exception):
    pass


def _campaign(store: Store) -> str:
    segments = [make_segment(store, "Pune", PUNE).id, make_segment(store, "VIPs", VIP).id]
    return store.campaigns.create("T1", "Crashy", "email", "m", "U", segment_ids=segments).id


def _assert_one_complete_audience(store: Store, campaign_id: str, team_users: list[dict[str, Any]]) -> None:
    members, opted = expected_union(team_users)
    rows = list(store.db[AUDIENCES].find({"campaign_id": campaign_id}, {"_id": 0, "user_id": 1, "holdout": 1}))
    ids = [r["user_id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate rows"
    assert set(ids) == opted
    assert {r["user_id"] for r in rows if r["holdout"]} == {u for u in opted if in_holdout(campaign_id, u, 10)}
    state = launch_state(store, "T1", campaign_id)
    assert state is not None and state.status == "finished"
    assert state.scanned == len(members)
    assert state.excluded_no_consent == len(members) - len(opted)
    assert state.audience_size == len(opted)
    assert store.campaigns.get("T1", campaign_id).status == "launched"


def test_error_half_way_then_relaunch(loaded_store: Store, team_users: list[dict[str, Any]]) -> None:
    store = loaded_store
    campaign_id = _campaign(store)

    def explode(chunks: int) -> None:
        if chunks == 2:
            raise Boom("database went away")

    with pytest.raises(LaunchError, match="Launch it again to carry on"):
        launch(store, "T1", campaign_id, NOW, "U", holdout_percent=10, chunk_size=100, on_chunk=explode)
    assert store.campaigns.get("T1", campaign_id).status == "failed"
    half = launch_state(store, "T1", campaign_id)
    assert half is not None and half.status == "failed" and half.chunks == 2 and "went away" in (half.error or "")
    # The relaunch keeps the frozen moment and holdout even when asked differently.
    result = launch(store, "T1", campaign_id, datetime(2030, 1, 1, tzinfo=UTC), "U", holdout_percent=40,
                    chunk_size=100)
    assert result.resumed and result.frozen_at == NOW
    _assert_one_complete_audience(store, campaign_id, team_users)


def test_rows_written_but_cursor_not_moved(loaded_store: Store, team_users: list[dict[str, Any]]) -> None:
    """The worst moment to die: a chunk's rows are written, its cursor move is not."""
    store = loaded_store
    campaign_id = _campaign(store)
    with pytest.raises(LaunchError):
        launch(store, "T1", campaign_id, NOW, "U", holdout_percent=10, chunk_size=100,
               on_chunk=lambda n: (_ for _ in ()).throw(Boom()) if n == 3 else None)
    state = launch_state(store, "T1", campaign_id)
    assert state is not None
    # Roll the cursor back one chunk, as if the process died between the two writes.
    rows = sorted(r["user_id"] for r in store.db[AUDIENCES].find({"campaign_id": campaign_id}))
    previous = store.db.users.find(
        {"team_id": "T1", "$or": [{"city": "Pune"}, {"tags": "vip"}], "user_id": {"$lt": state.cursor}},
        {"user_id": 1}).sort("user_id", 1)
    ids = [d["user_id"] for d in previous]
    store.db["campaign_launches"].update_one({"campaign_id": campaign_id},
                                             {"$set": {"cursor": ids[-100], "chunks": 2}})
    assert rows  # some rows already written beyond the rolled-back cursor
    launch(store, "T1", campaign_id, NOW, "U", chunk_size=100)
    rows_after = [r["user_id"] for r in store.db[AUDIENCES].find({"campaign_id": campaign_id})]
    assert len(rows_after) == len(set(rows_after))
    _, opted = expected_union(team_users)
    assert set(rows_after) == opted


def _read_line(proc: subprocess.Popen[str], deadline: float) -> str:
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    try:
        while time.monotonic() < deadline:
            if selector.select(timeout=0.2):
                return proc.stdout.readline()
            if proc.poll() is not None:
                return proc.stdout.readline()
        raise AssertionError("the launch process said nothing before the deadline")
    finally:
        selector.close()


def test_killed_process_then_relaunch(loaded_store: Store, team_users: list[dict[str, Any]],
                                      mongo_server: EmbeddedServer) -> None:
    store = loaded_store
    campaign_id = _campaign(store)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("launch_child.py")), mongo_server.uri, store.db.name, "T1",
         campaign_id, "20"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 60
        line = ""
        while line.strip() != "2":
            line = _read_line(proc, deadline)
            assert line, "the launch process ended before writing two chunks"
        proc.send_signal(signal.SIGKILL)  # no clean-up, no exception handler: like a crashed host
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    state = launch_state(store, "T1", campaign_id)
    assert state is not None and state.status == "running", "the kill should land half-way"
    assert store.campaigns.get("T1", campaign_id).status == "launching"
    result = launch(store, "T1", campaign_id, NOW, "U-RESTART", chunk_size=20)
    assert result.resumed
    _assert_one_complete_audience(store, campaign_id, team_users)


def test_died_after_the_audience_was_complete(loaded_store: Store, team_users: list[dict[str, Any]]) -> None:
    store = loaded_store
    campaign_id = _campaign(store)
    launch(store, "T1", campaign_id, NOW, "U", holdout_percent=10, chunk_size=500)
    # As if the process died between finishing the audience and marking the campaign launched.
    store.campaigns.update("T1", campaign_id, status="launching")
    store.db.users.insert_one({"team_id": "T1", "user_id": "zz-late", "city": "Pune", "email_opt_in": True})
    result = launch(store, "T1", campaign_id, NOW, "U")
    assert result.resumed and result.status == "launched"
    _assert_one_complete_audience(store, campaign_id, team_users)  # the late user is not added


def test_scheduler_resumes_only_stale_launches(loaded_store: Store) -> None:
    from datetime import timedelta

    from segcore.campaigns.lifecycle import due_campaigns

    store = loaded_store
    campaign_id = _campaign(store)
    with pytest.raises(LaunchError):
        launch(store, "T1", campaign_id, NOW, "U", chunk_size=100,
               on_chunk=lambda n: (_ for _ in ()).throw(Boom()) if n == 1 else None)
    store.campaigns.update("T1", campaign_id, status="launching")  # as if killed, not failed
    now = datetime.now(UTC)
    assert due_campaigns(store, now) == []  # its heartbeat is fresh: someone may be launching it
    assert due_campaigns(store, now + timedelta(minutes=6)) == [("T1", campaign_id)]
