"""The launch checklist, launch result, export and alert builders on their own, at the extremes."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from bot.blocks.campaigns import CampaignRow, campaign_detail_message
from bot.blocks.launch import (
    Checklist,
    Launched,
    alert_off_message,
    alert_set_message,
    alert_shown_message,
    checklist_message,
    exported_message,
    launched_message,
    launching_message,
    not_launched_message,
)
from tests.bot.blockcheck import check_message

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LONG = "Diwali <big> & *bold* " * 30


def checklist(**kw: object) -> Checklist:
    base: dict[str, object] = dict(
        campaign_id="c1", campaign_name="Diwali", channel="email", status="draft",
        segments=(("Pune folks", 32),), audience_size=32, reachable_size=22, excluded_no_consent=10,
        consent_field="email_opt_in", overlap_recent=(), holdout_percent=10.0, holdout_size=3, problems=(),
        as_of=NOW)
    base.update(kw)
    return Checklist(**base)  # type: ignore[arg-type]


def actions_of(msg: dict) -> dict[str, dict]:
    return {el["action_id"]: el for b in msg["blocks"] if b["type"] == "actions" for el in b["elements"]}


def test_checklist_shows_every_number_and_launch_for_a_manager() -> None:
    msg = checklist_message(checklist(overlap_recent=(("Holi", 5),)), may_launch=True)
    check_message(msg)
    text = json.dumps(msg)
    for part in ("32 people", "22 people", "10 people excluded", "email_opt_in", "3 people (10%)",
                 "19 people", "Holi: 5 people"):
        assert part in text, part
    buttons = actions_of(msg)
    assert json.loads(buttons["launch_confirm"]["value"]) == {"c": "c1", "h": 10.0}
    assert "confirm" in buttons["launch_confirm"] and buttons["launch_cancel"]["value"] == "c1"


def test_checklist_without_the_role_or_with_problems_has_no_launch_button() -> None:
    refused = checklist_message(checklist(), may_launch=False, refusal="Only campaign managers can launch.")
    check_message(refused)
    assert "launch_confirm" not in actions_of(refused) and "Only campaign managers" in json.dumps(refused)
    blocked = checklist_message(checklist(problems=("The campaign is launched.",)), may_launch=True)
    assert "launch_confirm" not in actions_of(blocked) and "The campaign is launched." in json.dumps(blocked)
    no_consent = checklist_message(checklist(consent_field=None, channel="sms", holdout_percent=0.0,
                                             holdout_size=0), may_launch=True)
    assert "everyone is reachable" in json.dumps(no_consent) and "holdout 10" in json.dumps(no_consent)


def test_checklist_at_the_extremes_stays_inside_slack_limits() -> None:
    many = tuple((f"{LONG}{i}", 10**9 + i) for i in range(60))
    msg = checklist_message(checklist(campaign_name=LONG, segments=many, overlap_recent=many,
                                      problems=tuple(LONG for _ in range(20))), may_launch=True)
    check_message(msg)
    sections = json.dumps([b for b in msg["blocks"] if b["type"] == "section"], ensure_ascii=False)
    assert re.search(r"…and \d+ more", sections)
    assert "<big>" not in sections  # names typed by users are escaped in mrkdwn


def test_result_export_and_alert_messages() -> None:
    result = launched_message(Launched("Diwali", 22, 3, 10, 10.0, NOW, resumed=True), "Delivered 19 to the webhook.")
    check_message(result)
    text = json.dumps(result)
    assert "22 people" in text and "3 people (10%)" in text and "19 people" in text and "resumed" in text
    for msg in (launching_message(LONG), not_launched_message(LONG), exported_message(LONG, 10**7),
                alert_set_message(LONG, "below", 1000, "C0ALERTS", 1200), alert_off_message(LONG, True),
                alert_shown_message(LONG, {"direction": "above", "threshold": 5, "channel": "C1"}),
                alert_shown_message("x", None)):
        check_message(msg)
    assert "<#C0ALERTS>" in json.dumps(alert_set_message("P", "below", 1000, "C0ALERTS", None))


def test_campaign_card_offers_launch_or_export_by_status() -> None:
    row = CampaignRow(id="c1", name="Diwali", channel="email", status="draft", owner="U1", segment_names=("P",))
    assert "campaign_launch" in actions_of(campaign_detail_message(row))
    launched = CampaignRow(**{**row.__dict__, "status": "launched"})
    assert set(actions_of(campaign_detail_message(launched))) == {"campaign_export"}
    no_segment = CampaignRow(**{**row.__dict__, "segment_names": ()})
    assert actions_of(campaign_detail_message(no_segment)) == {}
