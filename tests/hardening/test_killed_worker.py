"""A worker killed outright (SIGKILL: out of memory, host lost) after Slack's ack of a modal submission and
before its write: render.yaml's own start command (gunicorn) runs the product, the database holds the
write, the whole process group is killed, and the service is started again on the same database. The
submission was written down before the ack, so the new process does it: the segment (and in the second
case the campaign) exists exactly once, and the marketer gets the confirmation.

The third case kills the worker after the work and its answer but before the journal record was removed:
the replay creates nothing twice (the confirmation is sent again, as documented).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from bot.pending import PENDING
from segcore.catalog import default_catalog
from segcore.storage.embedded import EmbeddedServer, free_port
from segcore.storage.users import coerce_user
from tests.bot.driver import SlackDriver, selected_value, text_value
from tests.bot.helpers import button_value
from tests.bot.slack_standin import SlackStandIn
from tests.hardening.test_graceful_stop import ROOT, start_command, wait_until_healthy

TEAM = "T0TEST"
SECRET = "killed-worker-signing-secret"
HOLD_MS = 30_000  # longer than the test needs to kill the worker; the held command then fails


class Service:
    """render.yaml's gunicorn command on a given database; started, killed, started again."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> str:
        port = free_port()
        self.starts += 1
        log_path = self.log_dir / f"gunicorn{self.starts}.log"
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(start_command(port), env={**self.env, "PORT": str(port)}, cwd=ROOT,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, self.process, log_path)
        return url

    def kill(self) -> None:
        """SIGKILL to the master and its workers at once: nothing gets to finish or clean up."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.log_dir.glob("gunicorn*.log")))


@pytest.fixture
def database(mongo_client: MongoClient[dict[str, Any]], sample_users: list[dict[str, Any]]) -> Iterator[Database[Any]]:
    db = mongo_client[f"t_{uuid.uuid4().hex[:12]}"]
    catalog = default_catalog()
    db.users.insert_many([{**coerce_user(dict(u), catalog), "team_id": TEAM} for u in sample_users[:200]])
    yield db
    mongo_client.drop_database(db.name)


@pytest.fixture
def service(mongo_server: EmbeddedServer, database: Database[Any], standin: SlackStandIn,
            tmp_path: Path) -> Iterator[Service]:
    env = {**os.environ, "MONGODB_URI": mongo_server.uri, "SEGMENTS_DB_NAME": database.name,
           "SEGMENTS_DATA_DIR": str(tmp_path / "app"), "SLACK_BOT_TOKEN": "xoxb-killed",
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_TEAM_ID": TEAM, "SLACK_API_URL": standin.base_url,
           "SEGMENTS_SCHEDULER": "off"}
    running = Service(env, tmp_path)
    try:
        yield running
    finally:
        running.kill()


def hold(mongo_client: MongoClient[dict[str, Any]], command: str, skip: int) -> None:
    """The database lets ``skip`` ``command``s through, then holds the next one (and fails it, late)."""
    mongo_client.admin.command({
        "configureFailPoint": "failCommand", "mode": {"skip": skip, "times": 1},
        "data": {"failCommands": [command], "blockConnection": True, "blockTimeMS": HOLD_MS, "errorCode": 2},
    })


def release(mongo_client: MongoClient[dict[str, Any]]) -> None:
    mongo_client.admin.command({"configureFailPoint": "failCommand", "mode": "off"})


def open_modal(slack: SlackDriver, standin: SlackStandIn, button: str, callback_id: str) -> tuple[str, dict[str, Any]]:
    """A card for a request, then the modal its ``button`` opens; the card's response_url and the view."""
    _, url = slack.command("/segment", "visits > 20", response_name=f"card-{callback_id}")
    card = standin.wait_for(lambda c: c.path.endswith(f"/card-{callback_id}") and "Audience" in c.text()
                            and c.params.get("replace_original"), timeout=30, what="the card")
    slack.click(button, button_value(card, button), response_url=url)
    opened = standin.wait_for(lambda c: c.method == "views.open" and c.view.get("callback_id") == callback_id,
                              what=f"views.open of {callback_id}")
    return url, {**opened.view, "id": "V0VIEW"}


SUBMISSIONS: dict[str, tuple[str, str, dict[str, Any], str]] = {
    "save_segment": ("card_save", "save_segment", {"segment_name": {"name": text_value("Regulars")}},
                     "Saved the segment “Regulars”"),
    "new_campaign": ("card_campaign", "new_campaign", {
        "campaign_name": {"name": text_value("Regulars push")},
        "campaign_channel": {"channel": selected_value("push")},
        "segment_name": {"segment_name": text_value("Regulars")},
    }, "Created the push campaign “Regulars push”"),
}


def answers(standin: SlackStandIn, url: str, needle: str) -> int:
    name = url.rsplit("/", 1)[1]
    return sum(1 for c in standin.calls if c.method == "response_url" and c.path.endswith("/" + name)
               and needle in c.text())


def lease_runs_out(database: Database[Any]) -> None:
    """Two minutes pass: the records of the killed process are past their lease (the lease is the one
    thing this test does not wait for in real time)."""
    database[PENDING].update_many({"state": "pending"},
                                  {"$set": {"lease_until": datetime.now(UTC) - timedelta(seconds=1)}})


@pytest.mark.parametrize("kind", ["save_segment", "new_campaign"])
def test_a_submission_acked_before_a_sigkill_is_done_after_the_restart(
        kind: str, service: Service, database: Database[Any], standin: SlackStandIn,
        mongo_client: MongoClient[dict[str, Any]]) -> None:
    button, callback_id, values, confirmation = SUBMISSIONS[kind]
    slack = SlackDriver(service.start(), SECRET, standin, TEAM)
    url, view = open_modal(slack, standin, button, callback_id)

    hold(mongo_client, "insert", skip=1)  # the journal's insert passes; the segment's is held
    try:
        answer = slack.submit(view, values)
        assert answer.status == 200 and answer.body == "", answer.body  # acked: the modal closes
        assert database[PENDING].count_documents({"kind": kind}) == 1  # written down before the ack
        time.sleep(1.0)  # the work reaches the held write
        service.kill()
    finally:
        release(mongo_client)
    assert database.segments.count_documents({}) == 0, service.log()  # the kill lost the write...
    assert answers(standin, url, "Saved the segment") == 0

    lease_runs_out(database)
    slack = SlackDriver(service.start(), SECRET, standin, TEAM)  # ...the next start does it
    standin.wait_for(lambda c: c.method == "response_url" and confirmation in c.text(), timeout=60,
                     what="the confirmation, from the replay")
    assert database.segments.count_documents({"team_id": TEAM, "name": "Regulars"}) == 1
    if kind == "new_campaign":
        (campaign,) = database.campaigns.find({"team_id": TEAM})
        segment = database.segments.find_one({"name": "Regulars"})
        assert segment is not None and campaign["segment_ids"] == [str(segment["_id"])]
        assert campaign["channel"] == "push"
    assert answers(standin, url, confirmation) == 1
    deadline = time.monotonic() + 10
    while database[PENDING].count_documents({}) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert database[PENDING].count_documents({}) == 0, service.log()


def test_a_worker_killed_after_the_work_but_before_done_creates_nothing_twice(
        service: Service, database: Database[Any], standin: SlackStandIn,
        mongo_client: MongoClient[dict[str, Any]]) -> None:
    slack = SlackDriver(service.start(), SECRET, standin, TEAM)
    url, view = open_modal(slack, standin, "card_save", "save_segment")
    # The journal's `done` is held; the one delete before it drops the segment's expired member snapshots.
    hold(mongo_client, "delete", skip=1)
    try:
        answer = slack.submit(view, {"segment_name": {"name": text_value("Regulars")}})
        assert answer.status == 200 and answer.body == ""
        standin.wait_for(lambda c: "Saved the segment" in c.text(), timeout=30, what="the first confirmation")
        time.sleep(0.5)  # the work reaches the held `done`
        service.kill()
    finally:
        release(mongo_client)
    assert database[PENDING].count_documents({}) == 1

    lease_runs_out(database)
    service.start()
    standin.wait_for(lambda c: answers(standin, url, "Saved the segment") == 2, timeout=60,
                     what="the confirmation, again")
    assert database.segments.count_documents({"team_id": TEAM}) == 1
    assert database.audit_log.count_documents({"action": "segment.create"}) == 1
