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
    finally:
        mirror.stop()
    # A stopped mirror is not fresh: the same engine now counts in MongoDB, with the same answer.
    size = AudienceEngine(store, [MirrorCounter(mirror)]).count("T1", SPENDERS, NOW)
    assert (size.size, size.engine) == (14, "mongodb")


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
        assert set(direct) == {"size", "engine", "as_of", "elapsed_ms"}
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
