"""Mentions and DMs: answered in the thread, refined by a follow-up in the same thread, kept in MongoDB."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo.database import Database

from bot.listeners.support import plain_text
from bot.stores import CONVERSATIONS
from tests.bot.driver import SlackDriver
from tests.bot.slack_standin import SlackStandIn

ROOT = "1700000100.000100"


def mention(text: str, ts: str, thread_ts: str | None = None, channel: str = "C0GENERAL") -> dict[str, Any]:
    event = {"type": "app_mention", "user": "U0MARKETER", "text": f"<@UBOT> {text}", "ts": ts,
             "channel": channel, "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def count(users: list[dict[str, Any]], test: Any) -> int:
    return sum(1 for u in users if test(u))


def test_a_mention_is_answered_in_its_thread_and_refined_by_follow_ups(
    slack: SlackDriver, standin: SlackStandIn, users: list[dict[str, Any]], db: Database[dict[str, Any]]
) -> None:
    assert slack.event(mention("how many users spent over 10k?", ROOT)).status == 200
    counting = standin.wait_for(lambda c: c.method == "chat.postMessage", what="the counting message")
    assert counting.params["thread_ts"] == ROOT and counting.params["channel"] == "C0GENERAL"
    assert "counting" in counting.text().lower()
    card = standin.wait_for(lambda c: c.method == "chat.update" and "Audience" in c.text())
    assert card.params["ts"] == counting.answer["ts"]  # the counting message became the answer
    spenders = count(users, lambda u: u.get("total_spend", 0) > 10000)
    assert f"*Audience:* {spenders:,} people" in card.text()
    assert "Share in channel" not in card.text()  # already in the channel
    assert "grammar" in card.text() and "₹10,000" in card.text()

    standin.clear()
    slack.event(mention("only in Mumbai", "1700000100.000200", thread_ts=ROOT))
    refined = standin.wait_for(lambda c: c.method == "chat.update" and "Audience" in c.text())
    in_mumbai = count(users, lambda u: u.get("total_spend", 0) > 10000 and u.get("city") == "Mumbai")
    assert "city is Mumbai" in refined.text() and "₹10,000" in refined.text()
    assert f"*Audience:* {in_mumbai:,} people" in refined.text()
    # The follow-up's card says what it changed and who left (everyone outside Mumbai).
    assert (f"*Changed:* added: city is Mumbai · {spenders:,} → {in_mumbai:,} (0 enter, {spenders - in_mumbai:,} "
            "leave)") in refined.text()

    standin.clear()
    slack.event(mention("and exclude vip", "1700000100.000300", thread_ts=ROOT))
    excluded = standin.wait_for(lambda c: c.method == "chat.update" and "Audience" in c.text())
    expected = count(users, lambda u: u.get("total_spend", 0) > 10000 and u.get("city") == "Mumbai"
                     and "vip" not in (u.get("tags") or []))
    assert "not tagged vip" in excluded.text()
    assert f"*Audience:* {expected:,} people" in excluded.text()
    assert expected < in_mumbai  # the sample has Mumbai VIPs who spent over 10k

    stored = db[CONVERSATIONS].find_one({"thread_ts": ROOT})
    assert stored is not None and stored["turns"] == 3 and stored["team_id"] == "T0TEST"
    assert "expireAfterSeconds" in str(db[CONVERSATIONS].index_information())


def test_a_new_mention_outside_a_thread_starts_afresh(slack: SlackDriver, standin: SlackStandIn,
                                                      users: list[dict[str, Any]]) -> None:
    slack.event(mention("visits > 50", ROOT))
    standin.wait_for(lambda c: c.method == "chat.update" and "Audience" in c.text())
    standin.clear()
    slack.event(mention("in Pune", "1700000100.000900"))  # a new message in the channel, not in the thread
    card = standin.wait_for(lambda c: c.method == "chat.update" and "Audience" in c.text())
    assert "visits" not in card.text().split("You asked")[0]
    assert f"*Audience:* {count(users, lambda u: u.get('city') == 'Pune'):,} people" in card.text()


def test_a_direct_message_is_answered_in_its_thread(slack: SlackDriver, standin: SlackStandIn,
                                                   users: list[dict[str, Any]]) -> None:
    slack.event({"type": "message", "channel_type": "im", "channel": "D0DM", "user": "U0MARKETER",
                 "text": "spent over 5k in Pune", "ts": ROOT, "event_ts": ROOT})
    first = standin.wait_for(lambda c: c.method == "chat.postMessage")
    assert first.params["channel"] == "D0DM" and first.params["thread_ts"] == ROOT
    card = standin.wait_for(lambda c: c.method == "chat.update" and "Audience" in c.text())
    expected = count(users, lambda u: u.get("total_spend", 0) > 5000 and u.get("city") == "Pune")
    assert f"*Audience:* {expected:,} people" in card.text()
    assert "total spend more than ₹5,000 and city is Pune" in card.text()


def test_edits_and_bot_messages_are_ignored(slack: SlackDriver, standin: SlackStandIn) -> None:
    slack.event({"type": "message", "subtype": "message_changed", "channel_type": "im", "channel": "D0DM",
                 "ts": "1.2", "event_ts": "1.2", "message": {"text": "visits > 5"}})
    slack.event({"type": "message", "channel_type": "im", "channel": "D0DM", "bot_id": "B0OTHER",
                 "text": "visits > 5", "ts": "1.3", "event_ts": "1.3"})
    standin.settle(quiet=1.0)
    assert standin.calls_to("chat.postMessage") == []


def test_a_refusal_in_a_thread_says_what_was_not_understood(slack: SlackDriver, standin: SlackStandIn) -> None:
    slack.event(mention("people who like purple elephants", ROOT))
    refusal = standin.wait_for(lambda c: c.method == "chat.update" and "couldn't read" in c.text())
    assert "Open rule builder" in refusal.text()
    assert "elephants" in refusal.text()


def test_app_home_lists_segments_and_campaigns(slack: SlackDriver, standin: SlackStandIn, services: Any) -> None:
    from segcore.rules import rule_from_json

    segment = services.store.segments.create("T0TEST", "Pune folks", rule_from_json(
        {"field": "city", "op": "eq", "value": "Pune"}), "in Pune", "grammar", "U0MARKETER")
    services.store.segments.record_size("T0TEST", segment.id, 31, services.now())
    services.store.campaigns.create("T0TEST", "Diwali", "email", "Hi", "U0MARKETER", segment_ids=(segment.id,))
    slack.event({"type": "app_home_opened", "user": "U0MARKETER", "channel": "D0DM", "tab": "home",
                 "event_ts": "1.1"})
    home = standin.wait_for(lambda c: c.method == "views.publish")
    assert home.params["user_id"] == "U0MARKETER"
    text = home.text()
    assert "Pune folks" in text and "31 people" in text and "Diwali" in text and "Create segment" in text


def test_a_message_is_read_as_typed_not_as_slack_marks_it_up(slack: SlackDriver, standin: SlackStandIn,
                                                             users: list[dict[str, Any]]) -> None:
    # In messages Slack sends > as &gt; and a typed domain as a link.
    domain = users[2]["email"].split("@")[1]
    slack.event(mention(f"visits &gt; 20 &amp; email contains @<http://{domain}|{domain}>", ROOT))
    card = standin.wait_for(lambda c: c.method == "chat.update" and "Audience" in c.text())
    expected = count(users, lambda u: u.get("visits", 0) > 20 and f"@{domain}" in u["email"])
    assert f'email contains "@{domain}"' in card.text()
    assert f"*Audience:* {expected:,} people" in card.text(), card.text()
    assert "couldn't read" not in card.text().lower()


@pytest.mark.parametrize(("sent", "typed"), [
    ("visits &gt; 50 &amp;  in Pune", "visits > 50 & in Pune"),
    ("email is <mailto:a.b@x.co.in|a.b@x.co.in>", "email is a.b@x.co.in"),
    ("email contains <http://gmail.com|gmail.com>", "email contains gmail.com"),
    ("see <https://example.com/x>", "see https://example.com/x"),
    ("alert Big below 5 in <#C0ALERTS|alerts>", "alert Big below 5 in <#C0ALERTS|alerts>"),
    ("spent &lt;= 5k", "spent <= 5k"),
])
def test_plain_text_undoes_slacks_markup(sent: str, typed: str) -> None:
    assert plain_text(sent) == typed
