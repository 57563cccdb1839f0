"""Fixtures shared by the whole suite: its own test data, the shared contract files, and a real
MongoDB-protocol server.

The suite's people are the project's own (tests/data/users.jsonl, written by scripts/make_test_data.py with
segcore/seed.py). The contract files in ../shared/segments (the examples and samples every implementation is
held to) are read only through `shared_file`, which skips the test with a one-line reason when the folder is
not beside the repository: a fresh clone passes on its own, CI also checks the contract.

The server is the embedded `secantusd-py` daemon, started once per session on a free loopback port with
an in-memory store; every test that asks for `db` gets a database of its own.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from bson import json_util
from pymongo import MongoClient
from pymongo.database import Database

from segcore.catalog import default_catalog
from segcore.storage.database import Store
from segcore.storage.embedded import EmbeddedServer

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared" / "segments"


def shared_file(name: str) -> Path:
    """A contract file of ../shared/segments; the calling test is skipped when it is not there."""
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"../shared/segments/{name} is absent: the contract check runs in CI only")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """One MongoDB Extended JSON document a line (dates as {"$date": ...})."""
    return [json_util.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(autouse=True)
def _data_dir_outside_the_repository(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Commands that fall back to the default data folder (the mirror file, the embedded server) must never
    # write into the working tree during tests.
    monkeypatch.setenv("SEGMENTS_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(scope="session")
def nl_examples() -> list[dict[str, Any]]:
    """The shared prompts with their reference filter (dates decoded) and `now` (contract: skips without it)."""
    examples = []
    for raw in shared_file("nl-examples.jsonl").read_text(encoding="utf-8").splitlines():
        if raw.strip():
            item = json.loads(raw)
            item["filter"] = json_util.loads(json.dumps(item["filter"]))
            item["now"] = datetime.fromisoformat(item["now"].replace("Z", "+00:00"))
            examples.append(item)
    return examples


@pytest.fixture(scope="session")
def sample_users() -> list[dict[str, Any]]:
    """The suite's 6,000 people (the project's seed code at a fixed seed and clock, kept in tests/data)."""
    return read_jsonl(DATA / "users.jsonl")


@pytest.fixture(scope="session")
def shared_users() -> list[dict[str, Any]]:
    """The 6,000 people of ../shared/segments/users-sample.jsonl, whom the shared examples were written for."""
    return read_jsonl(shared_file("users-sample.jsonl"))


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


def _loaded_once(client: MongoClient[dict[str, Any]], name: str, users: list[dict[str, Any]]) -> Database[dict[str, Any]]:
    database = client[name]
    database.users.drop()
    database.users.insert_many([dict(u) for u in users])
    return database


@pytest.fixture(scope="session")
def sample_db(mongo_client: MongoClient[dict[str, Any]], sample_users: list[dict[str, Any]]) -> Database[dict[str, Any]]:
    """One database holding the suite's 6,000 people, loaded once; tests must not write to it."""
    return _loaded_once(mongo_client, "sample_users", sample_users)


@pytest.fixture(scope="session")
def shared_db(mongo_client: MongoClient[dict[str, Any]], shared_users: list[dict[str, Any]]) -> Database[dict[str, Any]]:
    """One database holding the shared sample's people (contract checks only; skips without them)."""
    return _loaded_once(mongo_client, "shared_users", shared_users)


@pytest.fixture
def store(db: Database[dict[str, Any]]) -> Iterator[Store]:
    """A `Store` over the fresh per-test database, with its indexes (the suite's one `store`)."""
    result = Store.from_database(db, default_catalog())
    result.ensure_indexes()
    yield result
    result.close()
