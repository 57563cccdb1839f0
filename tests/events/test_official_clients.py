"""End to end: `segments serve` as a real process on a loopback port, fed by the official Segment and
RudderStack Python libraries, checked in MongoDB."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database
from rudderstack.analytics import Client as RudderClient
from segment.analytics import Client as SegmentClient
from segment.analytics.request import APIError

from admin.tracking.keys import SourceStore
from segcore.storage.embedded import EmbeddedServer, free_port

TEAM = "T_E2E"


@pytest.fixture
def served(mongo_server: EmbeddedServer, mongo_client: MongoClient[dict[str, Any]], tmp_path: Path,
           request: pytest.FixtureRequest) -> Iterator[tuple[str, Database[dict[str, Any]]]]:
    name = f"e2e_{uuid.uuid4().hex[:10]}"
    port = free_port()
    env = {**os.environ, "MONGODB_URI": mongo_server.uri, "SEGMENTS_DB_NAME": name,
           "SEGMENTS_DATA_DIR": str(tmp_path / "data"), "SEGMENTS_SCHEDULER": "off", "SEGMENTS_MIRROR": "off",
           **getattr(request, "param", {})}
    for unset in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID"):
        env.pop(unset, None)
    log_path = tmp_path / "serve.log"
    command = [str(Path(sys.executable).with_name("segments")), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base, process, log_path)
        yield base, mongo_client[name]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        mongo_client.drop_database(name)


def _wait_until_healthy(base: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("segments serve stopped: " + log_path.read_text(errors="replace")[-3000:])
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("segments serve did not answer: " + log_path.read_text(errors="replace")[-3000:])


def test_segment_and_rudderstack_libraries_send_to_segments_serve(
        served: tuple[str, Database[dict[str, Any]]]) -> None:
    base, db = served
    key = SourceStore(db).create(TEAM, "libraries")[1]

    # Segment's library, batching in its background thread, gzip on; flush waits for the upload.
    failures: list[Any] = []
    segment = SegmentClient(key, host=base, gzip=True, on_error=lambda e, batch: failures.append(e))
    segment.track(anonymous_id="anon-s", event="Product Viewed", properties={"category": "books"})
    segment.identify("seg-user", {"email": "seg@example.com", "plan": "pro", "visits": "12"},
                     anonymous_id="anon-s")
    for i in range(5):
        segment.track("seg-user", "Order Completed", {"revenue": 10 + i})
    segment.flush()
    segment.shutdown()
    assert failures == []

    # RudderStack's library, one call at a time (sync_mode), gzip by default.
    rudder = RudderClient(key, host=base, sync_mode=True)
    rudder.identify("rud-user", {"plan": "enterprise"})
    rudder.track("rud-user", "Product Added", {"category": "Home"})
    rudder.track("rud-user", "Order Completed", {})
    rudder.page("rud-user", "Docs", "Pricing", {"url": "https://example.test/pricing"})
    rudder.flush()

    counts = {(e["user_id"], e["event"]): 0 for e in db.events.find({"team_id": TEAM})}
    for e in db.events.find({"team_id": TEAM}):
        counts[(e["user_id"], e["event"])] += 1
    assert counts == {("seg-user", "Product Viewed"): 1, ("seg-user", "Order Completed"): 5,
                      ("rud-user", "Product Added"): 1, ("rud-user", "Order Completed"): 1,
                      ("rud-user", "Page Viewed"): 1}
    seg = db.users.find_one({"team_id": TEAM, "user_id": "seg-user"})
    rud = db.users.find_one({"team_id": TEAM, "user_id": "rud-user"})
    assert seg is not None and (seg["plan"], seg["visits"], seg["orders"]) == ("pro", 12, 5)
    assert rud is not None and (rud["plan"], rud["orders"]) == ("enterprise", 1)
    viewed = db.events.find_one({"team_id": TEAM, "event": "Product Viewed"})
    assert viewed is not None and viewed["properties"] == {"category": "Books"}


def test_a_refused_key_stores_nothing(served: tuple[str, Database[dict[str, Any]]]) -> None:
    base, db = served
    SourceStore(db).create(TEAM, "real")
    segment = SegmentClient("wk_not-the-key", host=base, sync_mode=True, max_retries=0)
    with pytest.raises(APIError) as refused:
        segment.track("u1", "Order Completed")
    assert refused.value.status == 401
    assert db.events.count_documents({}) == 0


@pytest.mark.parametrize("served", [{"SEGMENTS_EVENTS_RATE_LIMIT": "1"}], indirect=True)
def test_the_segment_library_waits_out_a_429_and_loses_nothing(served: tuple[str, Database[dict[str, Any]]],
                                                                tmp_path: Path) -> None:
    base, db = served
    key = SourceStore(db).create(TEAM, "throttled")[1]
    failures: list[Any] = []
    # One request a second, bursts of 2: five uploads in a row meet 429 and Retry-After.
    segment = SegmentClient(key, host=base, upload_size=1, on_error=lambda e, batch: failures.append(e))
    for i in range(5):
        segment.track(f"u{i}", "Product Viewed", message_id=f"throttled-{i}")
    segment.flush()
    segment.shutdown()
    assert failures == []
    assert db.events.count_documents({"team_id": TEAM}) == 5
    refused = [line for line in (tmp_path / "serve.log").read_text().splitlines()
               if "POST /v1/batch" in line and " 429 " in line]
    assert refused  # it was refused, waited and sent again
