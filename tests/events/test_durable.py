"""The 200 comes after the events are on disk: the database killed (SIGKILL) right after the answer has
lost nothing of what was answered."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from pymongo import MongoClient, monitoring

from admin import create_app
from admin.tracking.keys import SourceStore
from segcore.catalog import default_catalog
from segcore.storage.database import Store
from segcore.storage.embedded import EmbeddedServer
from tests.events.conftest import TEAM, make_services

ROUNDS = 5
PER_ROUND = 40


class Writes(monitoring.CommandListener):
    """The write concern of every write command sent (the kill alone may not catch a missing j=True: the
    server often syncs soon enough anyway)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in ("insert", "update"):
            target = event.command[event.command_name]
            self.sent.append((event.command_name, target, event.command.get("writeConcern")))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def test_answered_events_survive_a_killed_database(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    server = EmbeddedServer(folder).start()
    try:
        writes = Writes()
        client: MongoClient[dict[str, Any]] = MongoClient(server.uri, tz_aware=True, event_listeners=[writes])
        store = Store.from_database(client["durable"], default_catalog())
        store.ensure_indexes()
        key = SourceStore(store.db).create(TEAM, "web")[1]
        app = create_app(make_services(store), {"TESTING": True}).test_client()
        auth = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
        answered = 0
        writes.sent.clear()
        for r in range(ROUNDS):
            batch = [{"type": "track", "userId": f"u{i}", "event": "Order Completed", "messageId": f"m{r}-{i}",
                      "timestamp": "2026-11-20T10:00:00Z"} for i in range(PER_ROUND)]
            answer = app.post("/v1/batch", data=json.dumps({"batch": batch}), headers=auth)
            assert answer.status_code == 200
            answered += PER_ROUND
        client.close()
        # A person-number range given back unused needs no journal: lost, it only leaves a gap.
        ours = [(name, target, concern) for name, target, concern in writes.sent
                if target not in ("write_keys", "person_numbers")]
        # installation_marks: the once-per-process note that events exist (journaled like the rest).
        assert {target for _, target, _ in ours} == {"events", "users", "installation_marks"}
        assert all(concern and concern.get("j") is True for _, _, concern in ours), ours
    finally:
        assert server.process is not None
        server.process.kill()  # SIGKILL, at once after the last answer
        server.process.wait()
        server.process = None
    again = EmbeddedServer(folder).start()
    try:
        reader: MongoClient[dict[str, Any]] = MongoClient(again.uri, tz_aware=True)
        assert reader["durable"].events.count_documents({"team_id": TEAM}) == answered
        person = reader["durable"].users.find_one({"team_id": TEAM, "user_id": "u0"})
        assert person is not None and person["orders"] == ROUNDS
        reader.close()
    finally:
        again.stop()
