"""`segments import/seed/ask/sizes` against the test server (MONGODB_URI points at it)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from segcore.storage.embedded import EmbeddedServer, free_port
from segments.cli import main
from tests.storage.helpers import NOW, rule


@pytest.fixture
def database(
    monkeypatch: pytest.MonkeyPatch, mongo_server: EmbeddedServer, mongo_client: MongoClient[dict[str, Any]]
) -> Iterator[str]:
    name = f"cli_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("MONGODB_URI", mongo_server.uri)
    monkeypatch.setenv("SEGMENTS_DB_NAME", name)
    monkeypatch.delenv("SLACK_TEAM_ID", raising=False)
    yield name
    mongo_client.drop_database(name)


def test_seed_then_ask_json(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--users", "300", "--team", "T1"]) == 0
    assert "300 new" in capsys.readouterr().out
    rules = json.dumps({"field": "plan", "op": "eq", "value": "pro"})
    assert main(["ask", "--rules", rules, "--team", "T1", "--json", "--now", "2026-11-24T12:00:00Z"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"size", "engine", "as_of", "elapsed_ms", "time_zone"} and out["engine"] == "mirror"
    assert out["time_zone"] == "UTC"
    assert 50 < out["size"] < 150
    # Without waiting for the mirror, MongoDB counts: the same number.
    assert main(["ask", "--rules", rules, "--team", "T1", "--json", "--wait", "0"]) == 0
    direct = json.loads(capsys.readouterr().out)
    assert (direct["engine"], direct["size"]) == ("mongodb", out["size"])
    # Another workspace (here the default, "local") sees none of them.
    assert main(["ask", "--rules", rules, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["size"] == 0


def test_ask_prints_rules_and_size(database: str, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_TEAM_ID", "TDEFAULT")
    main(["seed", "--users", "50"])
    capsys.readouterr()
    rules = json.dumps({"field": "visits", "op": "gte", "value": 0})
    assert main(["ask", "--rules", rules]) == 0
    out = capsys.readouterr().out
    assert '"field": "visits"' in out and "Audience: 50 users in workspace TDEFAULT" in out


def test_ask_refuses_bad_rules_clearly(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--rules", '{"field": "shoe_size", "op": "gt", "value": 3}']) == 2
    err = capsys.readouterr().err
    assert "Unknown field 'shoe_size'" in err and "Traceback" not in err
    assert main(["ask", "--rules", "{nope"]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_import_reports_rejects_and_sizes_lists_segments(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], mongo_client: MongoClient[dict[str, Any]]
) -> None:
    path = tmp_path / "u.csv"
    path.write_text("user_id,city,visits\nx1,Pune,3\nx2,Pune,lots\nx3,Delhi,9\n")
    assert main(["import", str(path), "--team", "T1"]) == 1
    captured = capsys.readouterr()
    assert "2 new, 0 updated, 0 unchanged, 1 rejected" in captured.out
    assert "line 3: visits: 'lots' is not valid" in captured.err
    from segcore.storage.database import Store

    store = Store.from_database(mongo_client[database])
    store.segments.create("T1", "Pune people", rule({"field": "city", "op": "eq", "value": "Pune"}), "", "user", "U")
    store.segments.create("T1", "Frequent", rule({"field": "visits", "op": "gt", "value": 5}), "", "user", "U")
    assert main(["sizes", "--team", "T1", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(s["name"], s["size"]) for s in listed["segments"]] == [("Frequent", 1), ("Pune people", 1)]
    assert main(["sizes", "--team", "T1", "--record", "--now", NOW.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "Pune people" in out
    assert store.snapshots.history("T1", store.segments.get_by_name("T1", "Frequent").id) != []  # type: ignore[union-attr]


def test_unreachable_database_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MONGODB_URI", f"mongodb://127.0.0.1:{free_port()}/?serverSelectionTimeoutMS=500")
    assert main(["sizes"]) == 2
    err = capsys.readouterr().err
    assert "Cannot reach the database" in err and "Traceback" not in err


def test_ask_text_that_cannot_be_read_is_refused_clearly(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "zzqx blorp wibble", "--engine", "grammar"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("segments: ") and "Traceback" not in err


def test_ask_text_reads_the_description_and_sizes_it(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["seed", "--users", "200", "--team", "T1"])
    capsys.readouterr()
    now = "2026-11-24T12:00:00Z"
    assert main(["ask", "pro users who spent over 5k", "--team", "T1", "--now", now, "--engine", "grammar"]) == 0
    out = capsys.readouterr().out
    assert '"field": "plan"' in out and '"field": "total_spend"' in out and "Read by:  grammar" in out
    rules = json.dumps({"all": [{"field": "plan", "op": "eq", "value": "pro"},
                                {"field": "total_spend", "op": "gt", "value": 5000}]})
    main(["ask", "--rules", rules, "--team", "T1", "--now", now, "--json"])
    expected = json.loads(capsys.readouterr().out)["size"]
    assert f"Audience: {expected:,} users in workspace T1" in out and expected > 0
