"""The journal of acked modal submissions on the real database, and replays of its records: a replay does
the listener's work, a replay of work already done creates nothing twice, and a record that never finishes
is given up after three attempts and kept."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from bot import BotServices
from bot.listeners.views import JOURNALED
from bot.listeners.views.common import journal_before_ack
from bot.pending import LEASE, MAX_ATTEMPTS, PENDING, PendingSubmissions
from bot.replay import Replayer
from bot.segment_flow import save_draft
from segcore.rules import rule_from_json
from tests.bot.conftest import TEAM
from tests.bot.slack_standin import SlackStandIn

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
RULE = {"field": "visits", "op": "gt", "value": 10}


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


def journal_at(db: Database[dict[str, Any]], clock: Clock) -> PendingSubmissions:
    journal = PendingSubmissions(db, clock=clock)
    journal.ensure_indexes()
    return journal


def test_a_record_is_claimed_only_after_its_lease_and_done_removes_it(db: Database[dict[str, Any]]) -> None:
    clock = Clock()
    journal = journal_at(db, clock)
    record = journal.add("save_segment", TEAM, "U1", {"name": "Lapsed", "segment_id": "x"})
    stored = db[PENDING].find_one({"_id": record.id})
    assert stored is not None and stored["state"] == "pending" and stored["attempts"] == 1
    assert stored["payload"] == {"name": "Lapsed", "segment_id": "x"}
    assert journal.claim_stale(T0 + LEASE - timedelta(seconds=1)) == []  # its process may still be working

    (claimed,) = journal.claim_stale(T0 + LEASE)
    assert (claimed.id, claimed.kind, claimed.team_id, claimed.user, claimed.attempts) == (
        record.id, "save_segment", TEAM, "U1", 2)
    assert journal.claim_stale(T0 + LEASE) == []  # the claim set a new lease
    (again,) = journal.claim_stale(T0 + 2 * LEASE)
    assert again.attempts == 3

    journal.done(record.id)
    assert db[PENDING].count_documents({}) == 0
    assert journal.claim_stale(T0 + 10 * LEASE) == []


def test_the_journal_uses_the_databases_own_write_concern(db: Database[dict[str, Any]]) -> None:
    # Not j=True: it guards against the app dying, and a journaled write costs every request under load.
    assert PendingSubmissions(db).collection.write_concern.document == db.write_concern.document


def test_two_claimants_never_take_the_same_record(db: Database[dict[str, Any]]) -> None:
    journal = journal_at(db, Clock())
    added = {journal.add("save_segment", TEAM, f"U{i}", {}).id for i in range(20)}
    taken: list[list[str]] = [[], []]
    start = threading.Barrier(2)

    def claim(i: int) -> None:
        other = PendingSubmissions(db)  # its own object, as another process would have
        start.wait()
        taken[i] = [r.id for r in other.claim_stale(T0 + LEASE)]

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(taken[0] + taken[1]) == sorted(added)  # each taken once, none twice, none left


def replay_record(services: BotServices, name: str, kind: str = "save_segment",
                  **payload: Any) -> tuple[PendingSubmissions, str, str]:
    draft = save_draft(services, TEAM, rule_from_json(RULE), "more than 10 visits", "grammar", (), None, "U0M")
    clock = Clock()
    journal = journal_at(services.store.db, clock)
    segment_id = str(ObjectId())
    record = journal.add(kind, TEAM, "U0M", {"metadata": {"d": draft}, "name": name, "segment_id": segment_id,
                                             **payload})
    clock.at = T0 + LEASE  # its process died
    return journal, record.id, segment_id


def replayer(services: BotServices, standin: SlackStandIn, journal: PendingSubmissions) -> Replayer:
    client = services.client_factory("xoxb-test")
    return Replayer(services, JOURNALED, lambda team: client, journal=journal)


def test_a_replay_saves_the_segment_and_confirms(services: BotServices, standin: SlackStandIn) -> None:
    journal, record_id, segment_id = replay_record(services, "Regulars")
    assert replayer(services, standin, journal).replay_once() == 1
    segment = services.store.segments.get_by_name(TEAM, "Regulars")
    assert segment is not None and segment.id == segment_id  # the id chosen before the ack
    confirmation = standin.wait_for(lambda c: c.method == "chat.postMessage" and "Saved the segment" in c.text())
    assert confirmation.params["channel"] == "U0M"  # no response_url in the record: the app's DM
    assert journal.get(record_id) is None


def test_a_replay_of_work_already_done_creates_nothing_twice(services: BotServices,
                                                             standin: SlackStandIn) -> None:
    """The first process saved the segment and the campaign and answered, then died before ``done``."""
    journal, record_id, _ = replay_record(
        services, "Welcome back", kind="new_campaign", new_segment="Regulars", new_segment_id=str(ObjectId()),
        campaign_id=str(ObjectId()), channel="email", message="Hello", segment_id=None)
    (claimed,) = journal.claim_stale(T0 + LEASE)
    job = JOURNALED["new_campaign"]
    client = services.client_factory("xoxb-test")
    job.work(services, client, claimed)  # the first run, done but never marked done

    db = services.store.db
    journal.collection.update_one({"_id": record_id}, {"$set": {"lease_until": T0}})
    assert replayer(services, standin, journal).replay_once(T0 + LEASE) == 1
    assert db["segments"].count_documents({"team_id": TEAM}) == 1
    assert db["campaigns"].count_documents({"team_id": TEAM}) == 1
    campaign = services.store.campaigns.get_by_name(TEAM, "Welcome back")
    segment = services.store.segments.get_by_name(TEAM, "Regulars")
    assert campaign is not None and segment is not None and campaign.segment_ids == (segment.id,)
    for action in ("segment.create", "campaign.create"):
        assert db["audit_log"].count_documents({"action": action}) == 1, action
    confirmations = [c for c in standin.calls if "Created the email campaign" in c.text()]
    assert len(confirmations) == 2  # the answer is repeated (documented), the campaign is not
    assert journal.get(record_id) is None


def test_a_replay_whose_name_was_taken_meanwhile_tells_the_user(services: BotServices,
                                                                standin: SlackStandIn) -> None:
    journal, record_id, _ = replay_record(services, "Regulars")
    services.store.segments.create(TEAM, "regulars", rule_from_json(RULE), "", "user", "U0OTHER")
    replayer(services, standin, journal).replay_once()
    standin.wait_for(lambda c: "already exists" in c.text(), what="the clash, told")
    assert services.store.db["segments"].count_documents({}) == 1
    assert journal.get(record_id) is None  # finished: the user was told why not


def test_a_record_that_never_finishes_is_given_up_and_kept(services: BotServices, standin: SlackStandIn,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    journal, record_id, _ = replay_record(services, "Regulars", metadata={"u": standin.response_url("secret")})
    replaying = replayer(services, standin, journal)

    def no_client(team_id: str) -> Any:
        raise RuntimeError("the workspace's installation is gone")  # so every attempt ends unfinished

    replaying.client_for = no_client
    now = T0
    for _ in range(MAX_ATTEMPTS - 1):
        now += LEASE
        assert replaying.replay_once(now) == 1
        assert journal.get(record_id)["state"] == "pending"  # type: ignore[index]
    with caplog.at_level(logging.ERROR, logger="segments.bot"):
        assert replaying.replay_once(now + LEASE) == 1
    kept = journal.get(record_id)
    assert kept is not None and kept["state"] == "failed" and kept["attempts"] == MAX_ATTEMPTS + 1
    (given_up,) = [r for r in caplog.records if "gave up" in r.getMessage()]
    assert "Regulars" in given_up.getMessage() and "/secret" not in given_up.getMessage()
    assert replaying.replay_once(now + 10 * LEASE) == 0
    assert services.store.segments.get_by_name(TEAM, "Regulars") is None


def test_the_replay_thread_runs_soon_after_start_and_stops(services: BotServices, standin: SlackStandIn) -> None:
    journal, record_id, _ = replay_record(services, "Regulars")
    journal.collection.update_one({"_id": record_id}, {"$set": {"lease_until": datetime.now(UTC)}})
    client = services.client_factory("xoxb-test")
    thread = Replayer(services, JOURNALED, lambda team: client, first_after=0.1, every=0.2).start()
    try:
        standin.wait_for(lambda c: "Saved the segment" in c.text(), what="the replayed confirmation")
    finally:
        thread.stop()
    assert thread.thread is not None and not thread.thread.is_alive()
    assert services.store.segments.get_by_name(TEAM, "Regulars") is not None


def test_a_busy_database_does_not_hold_the_ack_and_the_submission_goes_on_in_memory(
        services: BotServices, mongo_client: Any, caplog: pytest.LogCaptureFixture) -> None:
    job = JOURNALED["save_segment"]
    mongo_client.admin.command({
        "configureFailPoint": "failCommand", "mode": {"times": 1},
        "data": {"failCommands": ["insert"], "blockConnection": True, "blockTimeMS": 1500},
    })
    try:
        with caplog.at_level(logging.WARNING, logger="segments.bot"):
            record = journal_before_ack(services, job, TEAM, "U0M", {"name": "Busy", "segment_id": str(ObjectId())},
                                        time.monotonic())
    finally:
        mongo_client.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
    assert record.kind == "save_segment" and record.payload["name"] == "Busy"
    assert f"save_segment {record.id} not journaled" in caplog.text
    # Written without the failpoint, the same call journals the submission.
    again = journal_before_ack(services, job, TEAM, "U0M", {"name": "Quiet", "segment_id": str(ObjectId())},
                               time.monotonic())
    assert services.store.db[PENDING].find_one({"_id": again.id}) is not None
