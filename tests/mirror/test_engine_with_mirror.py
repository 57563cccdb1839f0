"""The audience engine prefers the mirror when it is fresh and says which engine counted; MongoDB otherwise."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from segcore import default_catalog, validate_json
from segcore.audience import AudienceEngine
from segcore.mirror import UserMirror
from segcore.mirror.counter import MirrorCounter
from segcore.storage.database import Store
from segments.cli import main

CATALOG = default_catalog()
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SPENDERS = validate_json({"field": "total_spend", "op": "gt", "value": 5000}, CATALOG)
VIP = validate_json({"field": "tags", "op": "has", "value": "vip"}, CATALOG)


def _users(team: str, n: int) -> list[dict[str, Any]]:
    return [
        {"team_id": team, "user_id": f"{team}-{i}", "total_spend": float(i * 1000), "tags": ["vip"] if i % 3 == 0 else []}
        for i in range(n)
    ]


def _wait_fresh(mirror: UserMirror, team: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not mirror.fresh_for(team):
        assert time.monotonic() < deadline, f"mirror never became fresh: {mirror.status()}"
        time.sleep(0.05)


def test_engine_counts_with_the_mirror_and_falls_back_to_mongodb(db: Any, tmp_path: Path) -> None:
    db.users.insert_many(_users("T1", 20) + _users("T2", 7))
    store = Store.from_database(db, CATALOG)
    mirror = UserMirror(tmp_path / "mirror.duckdb", db, CATALOG)
    mirror.start()
    try:
        _wait_fresh(mirror, "T1")
        engine = AudienceEngine(store, [MirrorCounter(mirror)])
        size = engine.count("T1", SPENDERS, NOW)
        assert (size.size, size.engine) == (14, "mirror")  # 6000..19000
        assert engine.sizes("T2", {"a": SPENDERS, "b": VIP}, NOW) == {"a": 1, "b": 3}
        overlap = engine.overlap("T1", SPENDERS, VIP, NOW)
        assert (overlap.a, overlap.b, overlap.both) == (14, 7, 5)  # vip: 0,3,..,18; of those >5000: 6,9,12,15,18
        everyone = engine.workspace_size("T2")
        assert (everyone.size, everyone.engine) == (7, "mirror")
    finally:
        mirror.stop()
    # A stopped mirror is not fresh: the same engine now counts in MongoDB, with the same answer.
    engine = AudienceEngine(store, [MirrorCounter(mirror)])
    size = engine.count("T1", SPENDERS, NOW)
    assert (size.size, size.engine) == (14, "mongodb")
    assert (engine.workspace_size("T1").size, engine.workspace_size("T1").engine) == (20, "mongodb")
    assert engine.workspace_size("nobody-here").size == 0


def test_ask_json_says_which_engine_counted(
    mongo_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = f"ask_{int(time.time() * 1000)}"
    monkeypatch.setenv("MONGODB_URI", mongo_server.uri)
    monkeypatch.setenv("SEGMENTS_DB_NAME", database)
    monkeypatch.setenv("SEGMENTS_DATA_DIR", str(tmp_path))
    from pymongo import MongoClient

    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri)
    try:
        client[database].users.insert_many(_users("local", 12))
        assert main(["ask", "--rules", json.dumps({"field": "total_spend", "op": "gt", "value": 5000}), "--json"]) == 0
        mirrored = json.loads(capsys.readouterr().out)
        assert mirrored["size"] == 6 and mirrored["engine"] == "mirror"
        assert main(["ask", "spent over 5k", "--json", "--wait", "0"]) == 0
        direct = json.loads(capsys.readouterr().out)
        assert direct["size"] == 6 and direct["engine"] == "mongodb"
        assert set(direct) == {"size", "engine", "as_of", "elapsed_ms", "time_zone"}
    finally:
        client.drop_database(database)
        client.close()


def test_a_second_process_never_takes_or_removes_a_mirror_file_in_use(
    mongo_server: Any, db: Any, tmp_path: Path
) -> None:
    import subprocess
    import sys

    from segments.config import Settings
    from segments.services import start_mirror

    db.users.insert_many(_users("local", 5))
    settings = Settings.from_env({"SEGMENTS_DATA_DIR": str(tmp_path)})
    store = Store.from_database(db, CATALOG)
    first = start_mirror(settings, store)
    assert first is not None
    try:
        _wait_fresh(first, "local")
        # Another process (as a second gunicorn worker would) opens its own mirror beside the first.
        script = (
            "import sys; from pymongo import MongoClient; from segcore import default_catalog;"
            "from segcore.storage.database import Store; from segments.config import Settings;"
            "from segments.services import start_mirror;"
            f"c = MongoClient({mongo_server.uri!r}); s = Store.from_database(c[{db.name!r}], default_catalog());"
            f"m = start_mirror(Settings.from_env({{'SEGMENTS_DATA_DIR': {str(tmp_path)!r}}}), s);"
            "print(m._file.path.name if m else 'none'); m and m.stop()"
        )
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
        assert out.stdout.strip() == "mirror-2.duckdb", out.stderr[-2000:]
        assert (tmp_path / "mirror.duckdb").exists()
        assert first.count("local", SPENDERS, NOW).size == 0  # the first mirror still answers from its file
    finally:
        first.stop()


def test_samples_and_member_pages_picked_by_the_mirror_match_mongodb(db: Any, tmp_path: Path) -> None:
    users = _users("T1", 40) + _users("T2", 9)
    for user in users:
        user["name"] = f"Person {user['user_id']}"
        user["email"] = f"{user['user_id'].lower()}@example.com"
    db.users.insert_many(users)
    store = Store.from_database(db, CATALOG)
    plain = AudienceEngine(store)
    mirror = UserMirror(tmp_path / "mirror.duckdb", db, CATALOG)
    mirror.start()
    try:
        _wait_fresh(mirror, "T1")
        picked = AudienceEngine(store, [MirrorCounter(mirror)])
        ids = mirror.sample_ids("T1", SPENDERS, NOW, 5)
        assert len(set(ids)) == 5 and all(i.startswith("T1-") and int(i[3:]) > 5 for i in ids)
        sample = picked.sample("T1", SPENDERS, NOW, n=5)
        assert len(sample) == 5 and all(doc["total_spend"] > 5000 for doc in sample)
        assert all(doc["email"].endswith("***@example.com") for doc in sample)  # masked, as before
        # Every page, by cursor, equals MongoDB's own listing: same users, same order, same cursors.
        for limit in (1, 7, 50):
            cursor_a: str | None = None
            cursor_b: str | None = None
            while True:
                a = picked.members("T1", VIP, NOW, after=cursor_a, limit=limit, include_pii=True)
                b = plain.members("T1", VIP, NOW, after=cursor_b, limit=limit, include_pii=True)
                assert a.items == b.items and a.next_cursor == b.next_cursor
                if a.next_cursor is None:
                    break
                cursor_a, cursor_b = a.next_cursor, b.next_cursor
        # A user deleted in MongoDB after the mirror last saw it is left out, not shown from the copy.
        mirror.stop()
        frozen = AudienceEngine(store, [_FrozenPicker(mirror, ["T1-3", "T1-6", "T1-9"])])
        db.users.delete_one({"team_id": "T1", "user_id": "T1-6"})
        assert [d["user_id"] for d in frozen.members("T1", VIP, NOW, limit=5).items] == ["T1-3", "T1-9"]
    finally:
        mirror.stop()


class _FrozenPicker(MirrorCounter):
    """A picker whose answer was read before a change reached MongoDB."""

    def __init__(self, mirror: UserMirror, ids: list[str]) -> None:
        super().__init__(mirror)
        self.ids = ids

    def page_ids(self, team_id: str, rule: Any, now: datetime, after: str | None, limit: int) -> list[str]:
        return self.ids[:limit]


def test_mirrors_of_one_data_folder_build_one_at_a_time(db: Any, tmp_path: Path) -> None:
    import fcntl

    db.users.insert_many(_users("T1", 10))
    lock = tmp_path / "mirror-build.lock"
    mirror = UserMirror(tmp_path / "mirror-2.duckdb", db, CATALOG, build_lock=lock)
    with open(lock, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another process's mirror is building
        mirror.start()
        try:
            deadline = time.monotonic() + 10
            while "waiting for another mirror" not in str(mirror.status()["error"]):
                assert time.monotonic() < deadline, mirror.status()
                time.sleep(0.05)
            assert not mirror.fresh_for("T1") and mirror.status()["state"] == "building"
            fcntl.flock(held, fcntl.LOCK_UN)
            _wait_fresh(mirror, "T1")
            assert mirror.count("T1", SPENDERS, NOW).size == 4
        finally:
            mirror.stop()
