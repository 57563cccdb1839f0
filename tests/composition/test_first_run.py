"""A first run shows something: `segments serve` on the embedded database with nothing in it loads the demo
workspace once, says so on the console and the admin page, gives a password to sign in with, and a sentence
typed on the page finds people. Never with SEGMENTS_DEMO=off, never on a MONGODB_URI."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pymongo import MongoClient

from segments.cli import main
from segments.config import Settings
from segments.demo import DEMO_PEOPLE
from segments.serve import Running, start

BANNER = f"Demo data: {DEMO_PEOPLE:,} people"


def _start(env: dict[str, str]) -> Running:
    return start(Settings.from_env({"SEGMENTS_SCHEDULER": "off", "SEGMENTS_MIRROR": "off", **env}))


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def _sign_in(client: FlaskClient, password: str) -> None:
    form = client.get("/auth/login").get_data(as_text=True)
    answer = client.post("/auth/login", data={"csrf_token": _csrf(form), "password": password})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]


def _password_from(notes: list[str]) -> str:
    found = [re.search(r"sign in with the password (\S+) ", n) for n in notes]
    passwords = [m.group(1) for m in found if m]
    assert len(passwords) == 1, notes
    return passwords[0]


def test_a_first_run_loads_the_demo_once_and_a_sentence_finds_people(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"SEGMENTS_DATA_DIR": str(tmp_path / "data")}
    running = _start(env)
    try:
        notes = running.notes
        assert any(n.startswith(BANNER) and "workspace local" in n and "segments demo remove" in n
                   and "loaded now" in n for n in notes), notes
        db = running.services.store.db
        assert db.users.count_documents({"team_id": "local"}) == DEMO_PEOPLE
        client = running.web.test_client()
        assert BANNER in client.get("/auth/login").get_data(as_text=True)
        _sign_in(client, _password_from(notes))
        form = client.get("/segments/new").get_data(as_text=True)
        assert BANNER in form and "segments demo remove" in form
        answer = client.post("/segments/new", data={"csrf_token": _csrf(form), "text": "spent over 5k in Pune",
                                                    "action": "read"})
        assert answer.status_code == 200
        size = re.search(r'id="preview-size"><strong>([\d,]+)</strong>', answer.get_data(as_text=True))
        assert size and int(size.group(1).replace(",", "")) > 0, answer.get_data(as_text=True)[:2000]
        loaded_at = db.demo.find_one({"_id": "local"})["loaded_at"]
    finally:
        running.stop()

    # A second start finds the demo there: it says so again and loads nothing.
    again = _start(env)
    try:
        assert any(n.startswith(BANNER) for n in again.notes) and not any("loaded now" in n for n in again.notes)
        db = again.services.store.db
        assert db.users.count_documents({}) == DEMO_PEOPLE
        assert db.demo.find_one({"_id": "local"})["loaded_at"] == loaded_at
        assert _password_from(again.notes) == _password_from(notes)  # kept in the data folder
    finally:
        again.stop()

    # `segments demo remove` takes the people away, and a later start does not bring them back.
    monkeypatch.setenv("SEGMENTS_DATA_DIR", env["SEGMENTS_DATA_DIR"])
    monkeypatch.delenv("MONGODB_URI", raising=False)
    monkeypatch.delenv("SLACK_TEAM_ID", raising=False)
    assert main(["demo", "remove"]) == 0
    after = _start(env)
    try:
        db = after.services.store.db
        assert db.users.count_documents({}) == 0
        assert not any(BANNER in n for n in after.notes), after.notes
        assert BANNER not in after.web.test_client().get("/auth/login").get_data(as_text=True)
    finally:
        after.stop()


def test_the_demo_goes_to_the_workspace_of_slack_team_id(tmp_path: Path) -> None:
    running = _start({"SEGMENTS_DATA_DIR": str(tmp_path / "data"), "SLACK_TEAM_ID": "T0DEMO"})
    try:
        assert running.services.store.db.users.count_documents({"team_id": "T0DEMO"}) == DEMO_PEOPLE
        assert any("workspace T0DEMO" in n for n in running.notes), running.notes
    finally:
        running.stop()


def test_segments_demo_off_starts_empty(tmp_path: Path) -> None:
    running = _start({"SEGMENTS_DATA_DIR": str(tmp_path / "data"), "SEGMENTS_DEMO": "off"})
    try:
        db = running.services.store.db
        assert db.users.count_documents({}) == 0 and db.demo.count_documents({}) == 0
        assert not any("Demo data" in n for n in running.notes), running.notes
        assert "Demo data" not in running.web.test_client().get("/auth/login").get_data(as_text=True)
    finally:
        running.stop()


def test_never_on_a_mongodb_uri(mongo_server: Any, tmp_path: Path) -> None:
    name = f"first_run_{uuid.uuid4().hex[:8]}"
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri)
    running = _start({"MONGODB_URI": mongo_server.uri, "SEGMENTS_DB_NAME": name,
                      "SEGMENTS_DATA_DIR": str(tmp_path / "data")})
    try:
        assert client[name].users.count_documents({}) == 0 and client[name].demo.count_documents({}) == 0
        assert not any("Demo data" in n for n in running.notes), running.notes
        # No generated password on a real deployment: the admin page says how to switch sign-in on.
        assert "Admin page: set SEGMENTS_ADMIN_PASSWORD to sign in." in running.notes
        assert not (tmp_path / "data" / "admin_password").exists()
        assert "switched off" in running.web.test_client().get("/auth/login").get_data(as_text=True)
    finally:
        running.stop()
        client.drop_database(name)
        client.close()


def test_a_database_with_data_gets_no_demo(tmp_path: Path) -> None:
    env = {"SEGMENTS_DATA_DIR": str(tmp_path / "data"), "SEGMENTS_DEMO": "off"}
    running = _start(env)
    try:
        running.services.store.db.segments.insert_one({"team_id": "elsewhere", "name": "kept"})
    finally:
        running.stop()
    again = _start({"SEGMENTS_DATA_DIR": env["SEGMENTS_DATA_DIR"]})
    try:
        assert again.services.store.db.users.count_documents({}) == 0
        assert not any("Demo data" in n for n in again.notes), again.notes
    finally:
        again.stop()
