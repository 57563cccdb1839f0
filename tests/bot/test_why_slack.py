"""/segment why over signed HTTP through the real Bolt app, and the pure builders for it and App Home."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot import BotServices
from bot.blocks.home import home_view
from bot.blocks.library import SegmentRow
from bot.blocks.why import change_text, why_message
from bot.why_flow import split_since
from segcore.library import save_segment
from segcore.rules import rule_from_json
from tests.bot.blockcheck import check_message, check_view
from tests.bot.conftest import TEAM
from tests.bot.driver import SlackDriver
from tests.bot.slack_standin import SlackStandIn
from tests.bot.test_commands import reply_to

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ANSWER = {
    "before": {"size": 1200, "as_of": "2026-11-23T12:00:00Z"}, "after": {"size": 888, "as_of": "2026-11-24T12:00:00Z"},
    "rule_edited": True,
    "entered": {"total": 0, "new_people": 0, "by_condition": [], "new_people_examples": []},
    "left": {"total": 312, "removed_people": 22, "by_condition": [
        {"field": "last_visit_at", "text": "no longer visited in the last 30 days", "count": 290,
         "examples": [{"user_id": "u1", "name": "M*** D***", "email": "m***@example.com"}]}]},
}


def test_why_message_shows_the_summary_causes_and_masked_examples() -> None:
    message = why_message("Active <buyers>", ANSWER, "-312: 290 no longer visited in the last 30 days, 22 removed")
    check_message(message)
    text = str(message["blocks"])
    assert "1,200" in text and "888" in text and "-312: 290 no longer visited" in text
    assert "22 removed from the workspace" in text and "m***@example.com" in text
    assert "rule was edited" in text and "Why Active <buyers> changed" in text  # a header is plain text


def test_home_shows_the_change_since_yesterday_with_a_why_button() -> None:
    rows = [SegmentRow("s1", "Active", "visited in the last 30 days", 888, NOW),
            SegmentRow("s2", "Quiet", "no visits", 10, NOW), SegmentRow("s3", "New", "new", 5, NOW)]
    view = home_view(rows, [], NOW, changes={"s1": -312, "s2": 0, "s3": None})
    check_view(view)
    text = str(view["blocks"])
    assert "−312 since yesterday" in text and "no change since yesterday" in text
    assert "no size from yesterday yet" in text
    whys = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
            if e["action_id"].startswith("home_why_")]
    assert [(e["action_id"], e["value"]) for e in whys] == [("home_why_0", "s1")]
    assert change_text(5) == "+5 since yesterday"


def test_split_since_keeps_names_with_spaces() -> None:
    assert split_since("Active buyers 7d") == ("Active buyers", "7d")
    assert split_since("Active buyers") == ("Active buyers", None)
    assert split_since("Spend 2026-11-20") == ("Spend", "2026-11-20")


def test_segment_why_over_signed_http(slack: SlackDriver, standin: SlackStandIn, services: BotServices,
                                      users: list[dict[str, Any]]) -> None:
    rule = rule_from_json({"field": "city", "op": "eq", "value": "Pune"})
    save_segment(services.store, services.engine, TEAM, "Pune folks", rule, "in pune", "user", "U0MARKETER",
                 services.now())
    moved = [u["user_id"] for u in users if u.get("city") == "Pune"][:3]
    services.store.users.upsert_many(TEAM, [{"user_id": uid, "city": "Delhi"} for uid in moved])
    _, url = slack.command("/segment", "why Pune folks 24h")
    text = reply_to(standin, url, "Why Pune folks changed")
    assert "-3: 3 city is no longer Pune" in text and "Left: 3" in text
    _, url = slack.command("/segment", "why Nobody here")
    assert "no saved segment named" in reply_to(standin, url, "Nobody here").lower()
