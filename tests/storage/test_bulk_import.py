"""The bulk writer behind imports and seeding: the same documents as one upsert per user, fewer round trips."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from segcore.importing import import_users
from segcore.storage import Store
from segcore.storage.embedded import EmbeddedServer
from segcore.storage.users import coerce_user
from segments.cli import main
from tests.storage.helpers import users


def _stored(store: Store, team: str) -> dict[str, dict[str, Any]]:
    return {d["user_id"]: d for d in store.db["users"].find({"team_id": team}, {"_id": 0})}


def test_a_first_import_is_not_read_back_and_a_repeat_ends_with_the_later_row(store: Store) -> None:
    reads: list[list[str]] = []
    original = store.users._existing
    store.users._existing = lambda team, ids: reads.append(ids) or original(team, ids)  # type: ignore[method-assign]
    writer = store.users.writer("T1", batch=3)
    for row in [*users(7), {"user_id": "u002", "visits": 99}, {"user_id": "u008", "visits": 1}]:
        writer.add(coerce_user(row, store.catalog))
    report = writer.close()
    assert (report.inserted, report.updated, report.unchanged) == (8, 1, 0)
    # Only the repeated user was looked up: everyone else was new to an empty workspace.
    assert reads == [["u002"]]
    stored = _stored(store, "T1")
    assert len(stored) == 8 and stored["u002"]["visits"] == 99 and stored["u002"]["city"] == "Mumbai"


def test_a_reimport_writes_only_the_fields_that_changed(store: Store) -> None:
    store.users.upsert_many("T1", users(10))
    # Someone else changes a field the file does not carry: a re-import must not write it back.
    store.db["users"].update_one({"team_id": "T1", "user_id": "u003"}, {"$set": {"age": 41}})
    changed = users(10)
    changed[3]["visits"] = 300
    changed[4]["city"] = None  # not recorded any more: removed
    changed.append({"user_id": "new1", "visits": 1})
    report = store.users.upsert_many("T1", changed)
    assert (report.inserted, report.updated, report.unchanged) == (1, 2, 8)
    stored = _stored(store, "T1")
    assert (stored["u003"]["visits"], stored["u003"]["age"]) == (300, 41)
    assert "city" not in stored["u004"] and stored["new1"]["visits"] == 1


def test_a_user_added_by_someone_else_during_a_first_import_is_updated_not_doubled(store: Store) -> None:
    writer = store.users.writer("T1")  # the workspace is empty now: nobody will be read back
    store.db["users"].insert_one({"team_id": "T1", "user_id": "u001", "visits": 5, "age": 30})
    for row in users(3):
        writer.add(coerce_user(row, store.catalog))
    report = writer.close()
    assert (report.inserted, report.updated) == (2, 1)
    stored = _stored(store, "T1")
    assert len(stored) == 3 and (stored["u001"]["visits"], stored["u001"]["age"]) == (1, 30)


def test_another_workspace_is_never_touched(store: Store) -> None:
    store.users.upsert_many("T2", users(5))
    before = _stored(store, "T2")
    report = import_users(store.users, "T1", io.StringIO("user_id,visits\nu001,7\nu002,8\n"), "csv")
    assert report.imported == 2 and _stored(store, "T2") == before


class FakeTerminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.fixture
def cli_db(monkeypatch: pytest.MonkeyPatch, mongo_server: EmbeddedServer,
           mongo_client: MongoClient[dict[str, Any]]) -> Any:
    import uuid

    name = f"cli_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("MONGODB_URI", mongo_server.uri)
    monkeypatch.setenv("SEGMENTS_DB_NAME", name)
    yield mongo_client[name]
    mongo_client.drop_database(name)


@pytest.mark.parametrize("tty", [True, False])
def test_import_shows_progress_only_on_a_terminal_and_is_audited(
    cli_db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tty: bool
) -> None:
    path = tmp_path / "people.csv"
    path.write_text("user_id,visits\n" + "".join(f"p{i},{i}\n" for i in range(2500)), encoding="utf-8")
    terminal = FakeTerminal(tty)
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["import", str(path), "--team", "T1"]) == 0
    shown = terminal.getvalue()
    if tty:
        assert f"\rImporting {path}: 1,000 of 2,500 people (40%)" in shown
        assert f"\rImporting {path}: 2,500 people in " in shown and shown.endswith("\n")
    else:
        assert shown == ""
    assert cli_db["users"].count_documents({"team_id": "T1"}) == 2500
    entry = cli_db["audit_log"].find_one({"team_id": "T1", "action": "users.imported"})
    assert entry is not None and entry["details"]["new"] == 2500 and entry["target"] == str(path)


@pytest.mark.parametrize("tty", [True, False])
def test_seed_shows_progress_only_on_a_terminal(cli_db: Any, monkeypatch: pytest.MonkeyPatch, tty: bool) -> None:
    terminal = FakeTerminal(tty)
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["seed", "--users", "1500", "--team", "T1", "--no-events"]) == 0
    shown = terminal.getvalue()
    assert ("\rSeeding: 1,000 of 1,500 people" in shown and "\rSeeding: 1,500 people in " in shown) if tty \
        else shown == ""
    assert cli_db["users"].count_documents({"team_id": "T1"}) == 1500


def _secondary(store: Store) -> set[str]:
    return set(store.db["users"].index_information()) - {"_id_", "team_user"}


def test_a_large_first_load_into_an_empty_collection_builds_the_indexes_after_it(store: Store) -> None:
    from segcore.storage.bulk_load import indexes_after_load

    wanted = set(store.user_indexes()) - {"team_user"}
    assert _secondary(store) == wanted
    with indexes_after_load(store, expected=3, at_least=2) as deferred:
        assert deferred and _secondary(store) == set()
        assert "team_user" in store.db["users"].index_information()  # upserts by user_id still rely on it
        store.users.upsert_many("T1", users(3))
    assert _secondary(store) == wanted
    assert store.users.count("T1") == 3


def test_indexes_are_rebuilt_when_the_load_fails_and_kept_when_anyone_is_there(store: Store) -> None:
    from segcore.storage.bulk_load import indexes_after_load

    wanted = set(store.user_indexes()) - {"team_user"}
    with pytest.raises(RuntimeError, match="disk full"), indexes_after_load(store, expected=3, at_least=2):
        raise RuntimeError("disk full")
    assert _secondary(store) == wanted
    store.users.upsert_many("T2", users(1))  # another workspace: the indexes are shared, never dropped
    with indexes_after_load(store, expected=10**6, at_least=2) as deferred:
        assert not deferred and _secondary(store) == wanted
    with indexes_after_load(store, expected=5, at_least=100) as deferred:  # too small to be worth it
        assert not deferred


def test_jsonl_lines_read_as_json_util_reads_them() -> None:
    from bson import json_util

    from segcore.catalog import default_catalog
    from segcore.importing import ImportReport, _jsonl
    from segcore.seed import generate_users

    catalog = default_catalog()
    lines = [json_util.dumps(u) for u in generate_users(300)] + [
        '{"user_id": "a", "signup_date": {"$date": "2021-12-11T15:00:55.909+0530"}}',
        '{"user_id": "b", "signup_date": {"$date": {"$numberLong": "1639234855909"}}}',
        '{"user_id": "c", "signup_date": {"$date": "2021-12-11T15:00:55.909123Z"}, "visits": {"$numberInt": "5"}}',
        '{"user_id": "d", "signup_date": {"$date": "2021-12-11T15:00:5xZ"}}',  # json_util refuses it: so do we
    ]
    report = ImportReport()
    ours = [coerce_user(r, catalog) for _, r in _jsonl(io.StringIO("\n".join(lines)), report)]
    assert ours == [coerce_user(json_util.loads(line), catalog) for line in lines[:-1]]
    assert [where for where, _ in report.rejected] == [len(lines)]


def test_on_the_embedded_server_a_large_collection_leaves_its_field_indexes_for_indexes_build(
    db: Any, mongo_server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from segcore.catalog import default_catalog
    from segcore.storage import database
    from segcore.storage.bulk_load import indexes_after_load, indexes_left_note
    from segments import services

    monkeypatch.setattr(database, "LARGE_FOR_EMBEDDED", 3)  # three people count as a large collection
    embedded = Store(db.client, db, default_catalog(), server=mongo_server, owns_client=False)
    embedded.ensure_indexes()  # nobody yet: every index is built
    assert embedded.missing_user_indexes() == [] and indexes_left_note(embedded) is None

    with indexes_after_load(embedded, expected=3, at_least=2) as deferred:
        embedded.users.upsert_many("T1", users(3))
    assert deferred and embedded.users.count("T1") == 3
    waiting = set(embedded.user_indexes()) - {"team_user"}
    assert set(embedded.missing_user_indexes()) == waiting  # a build would stop the server: left for later
    note = indexes_left_note(embedded)
    assert note is not None and "segments indexes build" in note and f"{len(waiting)} per-field" in note

    embedded.ensure_indexes()  # opening the store again (every CLI command does) builds nothing of them
    assert set(embedded.missing_user_indexes()) == waiting
    assert services.ensure_indexes_at_start(embedded) is None  # nor does `segments serve`, even in the background
    assert any("segments indexes build" in r.getMessage() for r in caplog.records)

    plain = Store.from_database(db, default_catalog())  # MONGODB_URI: a real MongoDB builds without stopping
    assert not plain.field_indexes_wait()
    plain.ensure_indexes()
    assert plain.missing_user_indexes() == [] and indexes_left_note(embedded) is None


def test_indexes_status_and_build_commands(
    cli_db: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["indexes", "build"]) == 0  # opening the store built them
    assert "nothing to do" in capsys.readouterr().out
    monkeypatch.setattr(Store, "field_indexes_wait", lambda self: True)  # as the embedded server at scale
    cli_db["users"].drop_index("team_visits")
    cli_db["users"].drop_index("team_city")
    assert main(["indexes", "status"]) == 0
    assert "2 user indexes are missing: team_city, team_visits." in capsys.readouterr().out.replace(
        "team_visits, team_city", "team_city, team_visits")
    assert main(["indexes", "build"]) == 0
    assert "Built 2 user indexes" in capsys.readouterr().out
    assert {"team_visits", "team_city"} <= set(cli_db["users"].index_information())
    assert main(["indexes", "status"]) == 0
    assert "Every user index is built." in capsys.readouterr().out


def test_on_the_embedded_server_a_first_load_runs_without_the_unique_index_and_repeats_wait_for_it(
    db: Any, mongo_server: EmbeddedServer
) -> None:
    from segcore.catalog import default_catalog
    from segcore.storage.bulk_load import indexes_after_load

    embedded = Store(db.client, db, default_catalog(), server=mongo_server, owns_client=False)
    embedded.ensure_indexes()
    lookups: list[list[str]] = []
    original = embedded.users._existing
    embedded.users._existing = lambda team, ids: lookups.append(ids) or original(team, ids)  # type: ignore[method-assign]
    with indexes_after_load(embedded, expected=3, at_least=2) as deferred:
        assert deferred and "team_user" not in db["users"].index_information()
        writer = embedded.users.writer("T1", batch=2)
        rows = [*users(5), {"user_id": "u001", "visits": 70}, {"user_id": "u001", "visits": 71},
                {"user_id": "u004", "city": "Delhi"}]
        for row in rows:
            writer.add(coerce_user(row, embedded.catalog))
            # Nobody is looked up while the index is away: each lookup would read the whole collection.
            assert lookups == [] and "team_user" not in db["users"].index_information()
        report = writer.close()
    assert "team_user" in db["users"].index_information()
    assert lookups == [["u001"], ["u001", "u004"]]  # the repeats, in file order, once the index was back
    assert (report.inserted, report.updated, report.unchanged) == (5, 3, 0)
    stored = _stored(embedded, "T1")
    assert len(stored) == 5 and db["users"].count_documents({"team_id": "T1"}) == 5
    assert stored["u001"]["visits"] == 71 and (stored["u004"]["city"], stored["u004"]["visits"]) == ("Delhi", 4)


def test_a_person_written_twice_while_the_unique_index_was_away_is_merged_when_it_comes_back(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    from segcore.storage.users import restore_unique_index

    users_collection = store.db["users"]
    users_collection.drop_index("team_user")
    users_collection.insert_many([{"team_id": "T1", "user_id": "u1", "visits": 1},
                                  {"team_id": "T1", "user_id": "u1", "visits": 2},
                                  {"team_id": "T2", "user_id": "u1", "visits": 3}])
    assert restore_unique_index(users_collection, store.outage) == 1
    assert "team_user" in users_collection.index_information()
    assert [d["visits"] for d in users_collection.find({"user_id": "u1"}, {"_id": 0}).sort("visits")] == [1, 3]
    assert any("duplicate" in r.getMessage() for r in caplog.records)
    assert restore_unique_index(users_collection, store.outage) == 0  # already there: nothing to do


def test_a_failed_batch_reaches_the_caller_and_leaves_no_writing_thread(store: Store) -> None:
    import threading

    from segcore.storage.errors import StorageUnavailable

    writer = store.users.writer("T1", batch=2)
    original = writer._write
    calls = []

    def failing(*args: Any) -> Any:
        calls.append(args)
        if len(calls) == 2:
            raise StorageUnavailable("the database stopped answering")
        return original(*args)

    writer._write = failing  # type: ignore[method-assign]
    with pytest.raises(StorageUnavailable):
        for row in users(9):
            writer.add(coerce_user(row, store.catalog))
        writer.close()
    assert not any(t.name == "segments-user-writer" for t in threading.enumerate())
    assert store.users.count("T1") == 2  # the first batch, written before the failure; nothing after it


def test_a_writer_left_without_close_ends_its_thread(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from segcore.storage import users as users_module

    monkeypatch.setattr(users_module, "WRITER_IDLE", 0.05)
    writer = store.users.writer("T1", batch=2)
    for row in users(5):
        writer.add(coerce_user(row, store.catalog))
    deadline = time.monotonic() + 10
    while any(t.name == "segments-user-writer" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(t.name == "segments-user-writer" for t in threading.enumerate())
    assert store.users.count("T1") == 4  # the two full batches; the fifth was never sent
