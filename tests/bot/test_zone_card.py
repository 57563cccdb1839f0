"""The segment card names the workspace's time zone when its calendar words are read outside UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk import WebClient

from bot import segment_flow
from bot.blocks.segment_card import Preview, SizeLine, segment_message
from bot.reading import make_interpret
from bot.services import BotServices
from segcore.audience import AudienceEngine
from segcore.storage.database import Store
from segcore.validation import validate_json
from tests.bot.blockcheck import check_message

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TODAY = {"field": "signup_date", "op": "on", "value": {"period": "day", "offset": 0}}
SPEND = {"field": "total_spend", "op": "gt", "value": 5000}


def services(store: Store) -> BotServices:
    return BotServices(store=store, engine=AudienceEngine(store), catalog=store.catalog, now=lambda: NOW,
                       interpret=make_interpret(store.catalog, lambda: NOW), client_factory=lambda _: WebClient())


def card(store: Store, rule: dict[str, object]) -> str:
    found = segment_flow.preview(services(store), "T1", validate_json(rule, store.catalog), request="r",
                                 source="grammar", draft_id="d1")
    message = segment_message(found, now=NOW)
    check_message(message)
    return str(message)


def test_the_card_names_the_zone_only_outside_utc_and_only_for_calendar_words(store: Store) -> None:
    store.users.upsert_many("T1", [{"user_id": "u1", "signup_date": datetime(2026, 11, 23, 20, 0, tzinfo=UTC),
                                    "total_spend": 9000}])
    in_utc = card(store, TODAY)
    assert "Calendar words in" not in in_utc and "*Audience:* 0 people" in in_utc
    store.workspaces.set_time_zone("T1", "Asia/Kolkata", "tests")
    shown = card(store, TODAY)
    assert "Calendar words in Asia/Kolkata" in shown
    assert "*Audience:* 1 person" in shown  # 01:30 in India on the 24th: today there
    assert "Calendar words in" not in card(store, SPEND)


def test_the_note_sits_beside_the_source_line() -> None:
    preview = Preview(request="signed up today", description="signed up today", source="grammar", draft_id="d",
                      size=SizeLine(3, "mongodb", NOW), zone_note="Calendar words in America/New_York")
    message = segment_message(preview, now=NOW)
    check_message(message)
    contexts = [b for b in message["blocks"] if b["type"] == "context"]
    assert "Calendar words in America/New_York" in str(contexts[0])


def test_a_saved_segment_shown_in_slack_names_the_zone(store: Store) -> None:
    from bot import library_flow

    saved = store.segments.create("T1", "Joined today", validate_json(TODAY, store.catalog), "signed up today",
                                  "grammar", "tests")
    assert "Calendar words in" not in str(library_flow.show_message(services(store), saved))
    store.workspaces.set_time_zone("T1", "America/New_York", "tests")
    shown = library_flow.show_message(services(store), saved)
    check_message(shown)
    assert "Calendar words in America/New_York" in str(shown)
