"""SEGMENTS_TIMEZONE and the workspace's setting in `segments parse` and `segments ask`; a bad zone name is a
clear error at start-up."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import MongoClient

from segcore.catalog import default_catalog
from segcore.storage.database import Store
from segcore.storage.embedded import EmbeddedServer
from segments.cli import main
from segments.config import ConfigError, Settings

INDIAN_HALF_PAST_ONE = "2026-03-09T20:00:00Z"  # 01:30 on 10 March in India


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, mongo_server: EmbeddedServer,
             mongo_client: MongoClient[dict[str, Any]]) -> Iterator[Store]:
    name = f"cli_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("MONGODB_URI", mongo_server.uri)
    monkeypatch.setenv("SEGMENTS_DB_NAME", name)
    monkeypatch.setenv("SEGMENTS_MIRROR", "off")
    monkeypatch.delenv("SLACK_TEAM_ID", raising=False)
    monkeypatch.delenv("SEGMENTS_TIMEZONE", raising=False)
    yield Store.from_database(mongo_client[name], default_catalog())
    mongo_client.drop_database(name)


def parse_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["parse", "signed up today", "--engine", "grammar", "--json", *args]) == 0
    return dict(json.loads(capsys.readouterr().out))


def today_bounds(result: dict[str, Any]) -> tuple[str, str]:
    found = result["filter"]["signup_date"]
    return found["$gte"]["$date"], found.get("$lt", {}).get("$date", "")


def test_the_setting_is_checked_at_start_up() -> None:
    assert Settings.from_env({}).time_zone == "UTC"
    assert Settings.from_env({"SEGMENTS_TIMEZONE": " Asia/Kolkata "}).time_zone == "Asia/Kolkata"
    with pytest.raises(ConfigError, match=r"SEGMENTS_TIMEZONE: 'India' is not a time zone.*'Asia/Kolkata'"):
        Settings.from_env({"SEGMENTS_TIMEZONE": "India"})


def test_a_bad_zone_stops_a_command_with_a_clear_message(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SEGMENTS_TIMEZONE", "Asia/Bombay City")
    assert main(["parse", "signed up today", "--engine", "grammar"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("segments: SEGMENTS_TIMEZONE: 'Asia/Bombay City' is not a time zone")
    assert "Traceback" not in err


def test_parse_reads_calendar_words_in_segments_timezone(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("SEGMENTS_TIMEZONE", raising=False)
    in_utc = parse_json(capsys, "--now", INDIAN_HALF_PAST_ONE)
    assert in_utc["time_zone"] == "UTC"
    assert today_bounds(in_utc)[0].startswith("2026-03-09T00:00:00")
    monkeypatch.setenv("SEGMENTS_TIMEZONE", "Asia/Kolkata")
    in_india = parse_json(capsys, "--now", INDIAN_HALF_PAST_ONE)
    assert in_india["time_zone"] == "Asia/Kolkata"
    assert in_india["rules"] == in_utc["rules"]  # the words, never instants
    assert today_bounds(in_india)[0].startswith("2026-03-09T18:30:00")
    # An offset in --now only names the instant; the zone is still the setting's.
    same_instant = parse_json(capsys, "--now", "2026-03-09T15:00:00-05:00")
    assert same_instant["filter"] == in_india["filter"]
    assert main(["parse", "signed up today", "--engine", "grammar", "--now", INDIAN_HALF_PAST_ONE]) == 0
    assert "calendar words in Asia/Kolkata" in capsys.readouterr().out


def test_parse_and_ask_honour_the_workspace_setting(database: Store, capsys: pytest.CaptureFixture[str]) -> None:
    database.workspaces.set_time_zone("IN", "Asia/Kolkata", "tests")
    database.users.upsert_many("IN", [
        {"user_id": "a", "signup_date": datetime(2026, 3, 9, 19, 0, tzinfo=UTC)},  # 00:30 IST on the 10th
        {"user_id": "b", "signup_date": datetime(2026, 3, 9, 17, 0, tzinfo=UTC)},  # 22:30 IST on the 9th
    ])
    assert today_bounds(parse_json(capsys, "--now", INDIAN_HALF_PAST_ONE, "--team", "IN"))[0].startswith(
        "2026-03-09T18:30:00")
    assert today_bounds(parse_json(capsys, "--now", INDIAN_HALF_PAST_ONE, "--team", "OTHER"))[0].startswith(
        "2026-03-09T00:00:00")
    for team, size, zone in (("IN", 1, "Asia/Kolkata"), ("OTHER", 0, "UTC")):
        assert main(["ask", "signed up today", "--engine", "grammar", "--team", team, "--json",
                     "--now", INDIAN_HALF_PAST_ONE]) == 0
        out = json.loads(capsys.readouterr().out)
        assert (out["size"], out["time_zone"]) == (size, zone)
    assert main(["ask", "signed up today", "--engine", "grammar", "--team", "IN", "--now", INDIAN_HALF_PAST_ONE]) == 0
    assert "Zone:     Calendar words in Asia/Kolkata" in capsys.readouterr().out
