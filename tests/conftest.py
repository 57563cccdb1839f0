"""Fixtures shared by the whole suite: the shared test data and a real MongoDB-protocol server.

The server is the embedded `secantusd-py` daemon, started once per session on a free loopback port with
an in-memory store; every test that asks for `db` gets a database of its own.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from bson import json_util
from pymongo import MongoClient
from pymongo.database import Database

from segcore.storage.embedded import EmbeddedServer

ROOT = Path(__file__).resolve().parent.parent
# tests/ became a package (tests/__init__.py, for `tests.bot...` imports); the campaign and scheduler tests
# still import their helpers (campaign_support, scheduler_support) as top-level modules from here.
# Appended, not prepended: tests/bot must never shadow the real `bot` package.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))
SHARED = ROOT.parent / "shared" / "segments"


def _jsonl(name: str) -> list[dict[str, Any]]:
    path = SHARED / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the shared test data must sit beside the repository.")
    return [json_util.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(autouse=True)
def _data_dir_outside_the_repository(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Commands that fall back to the default data folder (the mirror file, the embedded server) must never
    # write into the working tree during tests.
    monkeypatch.setenv("SEGMENTS_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(scope="session")
def nl_examples() -> list[dict[str, Any]]:
    """Prompts with their reference filter (dates decoded) and `now`."""
    examples = []
    for raw in (SHARED / "nl-examples.jsonl").read_text(encoding="utf-8").splitlines():
        if raw.strip():
            item = json.loads(raw)
            item["filter"] = json_util.loads(json.dumps(item["filter"]))
            item["now"] = datetime.fromisoformat(item["now"].replace("Z", "+00:00"))
            examples.append(item)
    return examples


@pytest.fixture(scope="session")
def sample_users() -> list[dict[str, Any]]:
    return _jsonl("users-sample.jsonl")


@pytest.fixture(scope="session")
def mongo_server() -> Iterator[EmbeddedServer]:
    server = EmbeddedServer(Path(":memory:"), test_commands=True).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mongo_client(mongo_server: EmbeddedServer) -> Iterator[MongoClient[dict[str, Any]]]:
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def db(mongo_client: MongoClient[dict[str, Any]]) -> Iterator[Database[dict[str, Any]]]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield mongo_client[name]
    mongo_client.drop_database(name)


@pytest.fixture(scope="session")
def sample_db(mongo_client: MongoClient[dict[str, Any]], sample_users: list[dict[str, Any]]) -> Database[dict[str, Any]]:
    """One database holding the 6,000 sample users, loaded once; tests must not write to it."""
    database = mongo_client["sample_users"]
    database.users.drop()
    database.users.insert_many([dict(u) for u in sample_users])
    return database


@pytest.fixture
def store(db: Database[dict[str, Any]]) -> Iterator[Any]:
    """A `Store` over the fresh per-test database, with its indexes."""
    from segcore.catalog import default_catalog
    from segcore.storage.database import Store

    result = Store.from_database(db, default_catalog())
    result.ensure_indexes()
    yield result
    result.close()
