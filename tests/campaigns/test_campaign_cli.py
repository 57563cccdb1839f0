"""`segments campaign ...` and `segments jobs run` against the test server (MONGODB_URI points at it)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient

from segcore.catalog import default_catalog
from segcore.storage.database import Store
from segcore.storage.embedded import EmbeddedServer
from segcore.validation import validate_json
from segments.cli import main
from tests.campaign_support import slack_stand_in, webhook_receiver


@pytest.fixture
def cli_store(monkeypatch: pytest.MonkeyPatch, mongo_server: EmbeddedServer,
              mongo_client: MongoClient[dict[str, Any]]) -> Iterator[Store]:
    name = f"cli_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("MONGODB_URI", mongo_server.uri)
    monkeypatch.setenv("SEGMENTS_DB_NAME", name)
    monkeypatch.setenv("SLACK_TEAM_ID", "T1")
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    store = Store.from_database(mongo_client[name], default_catalog())
    store.ensure_indexes()
    store.users.upsert_many("T1", [{"user_id": f"u{i:02d}", "city": "Pune", "email_opt_in": i % 2 == 0,
                                    "email": f"p{i}@example.com"} for i in range(40)])
    segment = store.segments.create("T1", "Pune", validate_json({"field": "city", "op": "eq", "value": "Pune"},
                                                                store.catalog), "in Pune", "user", "U")
    store.campaigns.create("T1", "Pune mail", "email", "hi", "U", segment_ids=[segment.id])
    yield store
    mongo_client.drop_database(name)


def test_list_launch_export_deliver(cli_store: Store, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["campaign", "launch", "Pune mail", "--check"]) == 0
    out = capsys.readouterr().out
    assert "Audience:   40" in out and "Reachable:  20 (20 without email_opt_in)" in out
    assert main(["campaign", "launch", "Pune mail", "--holdout", "10"]) == 0
    assert "Launched:" in capsys.readouterr().out
    assert main(["campaign", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["campaigns"]
    assert listed[0]["status"] == "launched" and listed[0]["audience_size"] == 20
    assert main(["campaign", "export", "Pune mail", "--pii"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "user_id,holdout,email,name" and len(lines) == 21 and "@example.com" in lines[1]
    assert main(["campaign", "launch", "Nope"]) == 2
    assert "No campaign named 'Nope'" in capsys.readouterr().err
    with webhook_receiver("cli-secret") as receiver:
        monkeypatch.setenv("SEGMENTS_WEBHOOK_URL", receiver.url)
        monkeypatch.setenv("SEGMENTS_WEBHOOK_SECRET", "cli-secret")
        assert main(["campaign", "deliver", "Pune mail"]) == 0
    assert "Delivered" in capsys.readouterr().out
    held_out = {line.split(",")[0] for line in lines[1:] if line.split(",")[1] == "true"}
    sent = {line.split(",")[0] for line in lines[1:]} - held_out
    assert sorted(receiver.users) == sorted(sent)


def test_jobs_run(cli_store: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["jobs", "snapshot"]) == 0
    assert '"segments": 1' in capsys.readouterr().out
    assert cli_store.snapshots.history("T1", cli_store.segments.list("T1")[0].id)[-1][1] == 40
    with slack_stand_in() as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
        monkeypatch.setenv("SLACK_API_URL", slack.base_url)
        monkeypatch.setenv("SEGMENTS_DIGEST_CHANNEL", "C-DIGEST")
        assert main(["jobs", "digest"]) == 0
    assert [m["channel"] for m in slack.messages] == ["C-DIGEST"]
    assert "*Pune*: 40" in json.dumps(slack.messages[0]["blocks"])
