"""The endpoint as Slack meets it: signatures, timestamps, url_verification, retries, the 3-second ack."""

from __future__ import annotations

import json
import time
from typing import Any

from pymongo.database import Database

from bot.stores import DELIVERIES, DRAFTS
from tests.bot.driver import SlackDriver
from tests.bot.slack_standin import SlackStandIn

VISITS_OVER_50 = json.dumps({"field": "visits", "op": "gt", "value": 50})


def test_url_verification_echoes_the_challenge(slack: SlackDriver) -> None:
    answer = slack.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert answer.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in answer.body


def test_a_bad_signature_is_refused_and_nothing_is_written(
    slack: SlackDriver, standin: SlackStandIn, db: Database[dict[str, Any]]
) -> None:
    answer, _ = slack.command("/segment", VISITS_OVER_50, signature="v0=" + "0" * 64)
    assert answer.status == 401
    event = slack.event({"type": "app_mention", "user": "U1", "text": "<@UBOT> help", "ts": "1.1",
                         "channel": "C1"}, signature="v0=deadbeef")
    assert event.status == 401
    standin.settle(quiet=0.5)
    assert [c.method for c in standin.calls if c.method != "auth.test"] == []
    assert db[DELIVERIES].count_documents({}) == 0
    assert db[DRAFTS].count_documents({}) == 0


def test_a_stale_timestamp_is_refused(slack: SlackDriver, standin: SlackStandIn) -> None:
    six_minutes_ago = int(time.time()) - 6 * 60
    answer, _ = slack.command("/segment", "help", timestamp=six_minutes_ago)
    assert answer.status == 401
    standin.settle(quiet=0.5)
    assert standin.calls_to("response_url") == []


def test_a_command_is_acked_at_once_then_counted_then_answered(
    slack: SlackDriver, standin: SlackStandIn, users: list[dict[str, Any]]
) -> None:
    answer, url = slack.command("/segment", VISITS_OVER_50)
    assert answer.status == 200  # within the driver's 3-second timeout
    first = standin.wait_for(lambda c: c.path.endswith(url.rsplit("/", 1)[1]), what="the first reply")
    assert "counting" in first.text().lower()
    assert first.params.get("response_type") == "ephemeral"
    card = standin.wait_for(lambda c: c.method == "response_url" and c.params.get("replace_original")
                            and "Audience" in c.text(), what="the segment card")
    expected = sum(1 for u in users if u.get("visits", 0) > 50)
    assert expected > 0
    assert f"{expected:,} people" in card.text() or f"{expected} people" in card.text()
    assert "more than 50 visits" in card.text()
    assert "Save segment" in card.text() and "Share in channel" in card.text()


def test_a_retried_event_is_answered_once(slack: SlackDriver, standin: SlackStandIn) -> None:
    event = {"type": "app_mention", "user": "U0MARKETER", "text": f"<@UBOT> {VISITS_OVER_50}",
             "ts": "1700000000.000100", "channel": "C0GENERAL", "event_ts": "1700000000.000100"}
    first = slack.event(event, event_id="Ev0RETRY")
    standin.wait_for_text("Audience", "chat.update")
    retry = slack.event(event, event_id="Ev0RETRY", headers={"X-Slack-Retry-Num": "1",
                                                             "X-Slack-Retry-Reason": "http_timeout"})
    assert first.status == retry.status == 200
    standin.settle(quiet=1.0)
    posts = standin.calls_to("chat.postMessage")
    assert len(posts) == 1, [p.text()[:80] for p in posts]


def test_only_events_are_recorded_for_deduplication(slack: SlackDriver, standin: SlackStandIn,
                                                   services: Any) -> None:
    """Slack retries events, never commands: a command costs no delivery record, and a user who sends the
    same command twice on purpose gets two answers."""
    deliveries = services.store.db["slack_deliveries"]
    before = deliveries.count_documents({})
    slack.command("/segment", "help", trigger_id="trig.same", response_name="same1")
    slack.command("/segment", "help", trigger_id="trig.same", response_name="same2")
    standin.wait_for(lambda c: c.path.endswith("/same1"), what="the first answer")
    standin.wait_for(lambda c: c.path.endswith("/same2"), what="the second answer")
    assert deliveries.count_documents({}) == before


def test_a_slow_database_never_delays_the_ack(slack: SlackDriver, standin: SlackStandIn,
                                              mongo_client: Any) -> None:
    """The database stalls every command for 4 s: Slack still gets its answer at once, the card later."""
    mongo_client.admin.command({
        "configureFailPoint": "failCommand", "mode": {"times": 3},
        "data": {"failCommands": ["insert", "find", "aggregate", "count"], "blockConnection": True,
                 "blockTimeMS": 4000},
    })
    try:
        answer, _ = slack.command("/segment", VISITS_OVER_50)  # the driver gives up after 3 s
        assert answer.status == 200
        card = standin.wait_for(lambda c: c.method == "response_url" and "Audience" in c.text()
                                and c.params.get("replace_original"), timeout=30, what="the card, late")
        assert "more than 50 visits" in card.text()
    finally:
        mongo_client.admin.command({"configureFailPoint": "failCommand", "mode": "off"})


def test_many_slow_counts_at_once_never_hold_up_an_ack(slack: SlackDriver, standin: SlackStandIn,
                                                       services: Any) -> None:
    """Bolt runs listeners in a small thread pool and acks from inside them: slow counts must not fill it."""
    import threading

    real_count = services.engine.count

    def slow_count(*args: Any, **kwargs: Any) -> Any:
        time.sleep(2)
        return real_count(*args, **kwargs)

    services.engine.count = slow_count
    statuses: list[int] = []

    def send(i: int) -> None:
        answer, _ = slack.command("/segment", VISITS_OVER_50, response_name=f"many{i}")
        statuses.append(answer.status)  # the driver gives up on an ack after 3 s

    threads = [threading.Thread(target=send, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 12
    for i in range(12):
        standin.wait_for(lambda c, i=i: c.path.endswith(f"/many{i}") and "Audience" in c.text(), timeout=60)
