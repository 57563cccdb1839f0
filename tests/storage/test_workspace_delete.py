"""`segments workspace delete --team T --yes`: every document of one workspace goes, in every collection;
another workspace keeps all of its own; the deletion is recorded where it survives."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.database import Database

from admin.tokens import TokenStore
from bot.oauth_store import BOTS, INSTALLATIONS, MongoInstallationStore
from segcore.campaigns import launch
from segcore.storage.database import Store
from segcore.storage.workspaces import DELETIONS, deletions
from segcore.validation import validate_json
from segments.cli import main
from tests.bot.test_oauth import installation

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def _fill(store: Store, db: Database[dict[str, Any]], team: str) -> None:
    store.users.upsert_many(team, [{"user_id": f"u{i}", "city": "Pune", "email_opt_in": True} for i in range(30)])
    segment = store.segments.create(team, "Pune", validate_json({"field": "city", "op": "eq", "value": "Pune"},
                                                               store.catalog), "in Pune", "user", "U")
    store.snapshots.record(team, segment.id, 30, NOW)
    store.segments.set_alert(team, segment.id, {"direction": "below", "threshold": 5, "channel": "C1"}, "U")
    campaign = store.campaigns.create(team, "Hello", "email", "hi", "U", segment_ids=[segment.id])
    launch(store, team, campaign.id, NOW, actor="U")
    TokenStore(db).create(team, "crm")
    MongoInstallationStore(db, client_id="111.222").save(installation(team, "U1", f"xoxb-{team}", 1000.0))
    db["events"].insert_one({"team_id": team, "message_id": "m1", "user_id": "u1", "event": "Order Completed",
                             "timestamp": NOW, "properties": {}, "received_at": NOW})


def _documents_of(db: Database[dict[str, Any]], team: str) -> dict[str, int]:
    counts = {name: db[name].count_documents({"team_id": team}) for name in db.list_collection_names()
              if name != DELETIONS}
    return {name: n for name, n in counts.items() if n}


def test_deleting_a_workspace_removes_all_of_its_data_and_only_its_data(
        store: Store, db: Database[dict[str, Any]], mongo_server: Any, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    _fill(store, db, "T1")
    _fill(store, db, "T2")
    before_t1, before_t2 = _documents_of(db, "T1"), _documents_of(db, "T2")
    assert {"users", "segments", "campaigns", "campaign_audiences", "audit_log", "api_tokens", INSTALLATIONS,
            BOTS, "events", "segment_snapshots"} <= set(before_t1)
    monkeypatch.setenv("MONGODB_URI", mongo_server.uri)
    monkeypatch.setenv("SEGMENTS_DB_NAME", db.name)

    assert main(["workspace", "delete", "--team", "T1"]) == 2  # no --yes: nothing happens
    assert "add --yes" in capsys.readouterr().err
    assert _documents_of(db, "T1") == before_t1

    with caplog.at_level(logging.WARNING, logger="segments.workspaces"):
        assert main(["workspace", "delete", "--team", "T1", "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"{sum(before_t1.values())} documents" in out
    assert _documents_of(db, "T1") == {}
    assert _documents_of(db, "T2") == before_t2
    # The record survives the workspace (its own audit log is gone with the rest), and a log line says it too.
    [record] = deletions(db, "T1")
    assert record["removed"] == before_t1 and record["actor"].startswith("cli:") and record["finished_at"]
    assert any("workspace T1: all its data deleted" in r.getMessage() for r in caplog.records)
