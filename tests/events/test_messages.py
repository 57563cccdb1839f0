"""Reading Segment-spec messages: what is stored, what is skipped and why (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from segcore.catalog import Event, Field, default_catalog
from segcore.events import (
    AliasMessage,
    EventMessage,
    IdentifyMessage,
    InvalidMessage,
    parse_batch,
    parse_message,
)
from segcore.ratelimit import RateLimiter, retry_after

CATALOG = default_catalog()
RECEIVED = datetime(2026, 11, 24, 12, 0, 0, 456789, tzinfo=UTC)


def parse(raw: Any, kind: str | None = None) -> Any:
    return parse_message(raw, CATALOG, RECEIVED, kind=kind)


def test_a_track_message_in_snake_case_with_the_catalogs_spellings() -> None:
    message = parse({"type": "track", "userId": 42, "anonymousId": "a-1", "event": "  product   viewed ",
                     "timestamp": "2026-11-20T10:00:00.123456+05:30", "messageId": "m1",
                     "properties": {"category": "gadgets", "price": 12.5}})
    assert message == EventMessage(
        message_id="m1", user_id="42", anonymous_id="a-1", event="Product Viewed",
        timestamp=datetime(2026, 11, 20, 4, 30, 0, 123000, tzinfo=UTC),
        properties={"category": "Electronics", "price": 12.5})


def test_unknown_events_and_properties_are_kept_as_sent() -> None:
    message = parse({"type": "track", "userId": "u", "event": "Signed Up", "properties": {"Plan": "Pro"},
                     "timestamp": "2026-11-20"})
    assert (message.event, message.properties) == ("Signed Up", {"Plan": "Pro"})
    assert message.timestamp == datetime(2026, 11, 20, tzinfo=UTC)


def test_no_timestamp_means_when_it_was_received() -> None:
    message = parse({"type": "track", "userId": "u", "event": "X"})
    assert message.timestamp == datetime(2026, 11, 24, 12, 0, 0, 456000, tzinfo=UTC)
    assert message.message_id.startswith("gen-")
    assert parse({"type": "track", "userId": "u", "event": "X"}).message_id != message.message_id


def test_original_timestamp_is_read_when_timestamp_is_missing() -> None:
    message = parse({"type": "track", "userId": "u", "event": "X", "originalTimestamp": "2026-01-02T03:04:05Z"})
    assert message.timestamp == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_a_message_without_id_but_with_a_time_gets_the_same_id_every_time() -> None:
    raw = {"type": "track", "userId": "u", "event": "X", "timestamp": "2026-01-02T03:04:05Z"}
    assert parse(raw).message_id == parse(dict(raw, sentAt="2026-01-03T00:00:00Z")).message_id
    assert parse(raw).message_id != parse(dict(raw, userId="v")).message_id


def test_page_is_page_viewed_with_its_name_and_category() -> None:
    message = parse({"anonymousId": "a", "name": "Pricing", "category": "Docs",
                     "properties": {"url": "https://x.test/p", "name": "kept"}}, kind="page")
    assert message.event == "Page Viewed"
    assert message.properties == {"url": "https://x.test/p", "name": "kept", "category": "Docs"}


def test_identify_types_catalog_traits_and_keeps_the_others() -> None:
    message = parse({"type": "identify", "userId": "u1", "anonymousId": "a1", "traits": {
        "email": "U1@Example.com", "plan": "PRO", "age": "thirty", "createdAt": "2025-01-01",
        "totalSpend": "₹1,250", "favoriteColor": "green", "$where": "x", "address": {"city.name": "Pune"}}})
    assert isinstance(message, IdentifyMessage)
    assert message.traits == {"email": "U1@Example.com", "plan": "pro",
                              "signup_date": datetime(2025, 1, 1, tzinfo=UTC), "total_spend": 1250,
                              "favorite_color": "green"}
    notes = " ".join(message.notes)
    assert "age" in notes and "$where" in notes and "address" in notes


def test_alias_links_previous_id_to_user_id() -> None:
    message = parse({"type": "alias", "previousId": "anon-7", "userId": "u7"})
    assert isinstance(message, AliasMessage) and (message.previous_id, message.user_id) == ("anon-7", "u7")


@pytest.mark.parametrize(("raw", "reason"), [
    ({"type": "screen", "userId": "u"}, "type is 'screen'"),
    ({"userId": "u", "event": "X"}, "type is missing"),
    ({"type": "track", "userId": "u"}, "event name"),
    ({"type": "track", "userId": "u", "event": "   "}, "event name"),
    ({"type": "track", "event": "X"}, "neither userId nor anonymousId"),
    ({"type": "track", "userId": "", "anonymousId": None, "event": "X"}, "neither userId nor anonymousId"),
    ({"type": "track", "userId": "u", "event": "X", "timestamp": "last tuesday"}, "timestamp"),
    ({"type": "track", "userId": "u", "event": "X", "timestamp": 1732449600}, "timestamp"),
    ({"type": "track", "userId": "u", "event": "X", "timestamp": "9999-01-01T00:00:00Z"}, "timestamp"),
    ({"type": "track", "userId": {"id": 1}, "event": "X"}, "userId must be text"),
    ({"type": "track", "userId": "u" * 201, "event": "X"}, "at most 200"),
    ({"type": "track", "userId": "u", "event": "X", "properties": [1]}, "properties must be an object"),
    ({"type": "track", "userId": "u", "event": "X", "properties": {"$gt": 1}}, "not allowed"),
    ({"type": "identify", "anonymousId": "a"}, "needs a userId"),
    ({"type": "alias", "userId": "u"}, "previousId"),
    ("not an object", "JSON object"),
])
def test_invalid_messages_say_why(raw: Any, reason: str) -> None:
    with pytest.raises(InvalidMessage, match=reason):
        parse(raw)


def test_an_endpoint_refuses_another_type() -> None:
    with pytest.raises(InvalidMessage, match="identify"):
        parse({"type": "identify", "userId": "u"}, kind="track")


def test_a_batch_skips_by_index_and_keeps_the_rest() -> None:
    parsed = parse_batch([{"type": "track", "userId": "u", "event": "A"}, {"type": "nope"},
                          {"type": "identify", "userId": "u"}], CATALOG, RECEIVED)
    assert [i for i, _ in parsed.messages] == [0, 2]
    assert [i for i, _ in parsed.skipped] == [1]
    with pytest.raises(InvalidMessage):
        parse_batch({"not": "a list"}, CATALOG, RECEIVED)


def test_a_bad_property_value_is_left_out_and_the_event_kept() -> None:
    # The default events' properties are open: a closed one shows a value that does not fit.
    catalog = CATALOG.with_events([Event("Plan Changed", "changed plan", (), (
        Field(name="plan", type="string", label="plan", values=("free", "pro"), closed=True),
        Field(name="seats", type="int", label="seats")))])
    message = parse_message({"type": "track", "userId": "u", "event": "plan changed",
                             "properties": {"plan": "gold", "seats": "3"}}, catalog, RECEIVED)
    assert message.properties == {"seats": 3}
    assert "plan" in message.notes[0] and "allowed values" in message.notes[0]


def test_the_rate_limiter_allows_a_burst_then_the_sustained_rate() -> None:
    clock = [0.0]
    limiter = RateLimiter(10, burst=20, clock=lambda: clock[0])
    assert [limiter.take("k") for _ in range(20)] == [0.0] * 20
    wait = limiter.take("k")
    assert wait == pytest.approx(0.1)
    assert limiter.take("other") == 0.0  # each key its own bucket
    clock[0] += 0.1
    assert limiter.take("k") == 0.0
    assert limiter.take("k") > 0
    assert retry_after(0.01) == "1" and retry_after(2.2) == "3"
    assert RateLimiter(0).take("k") == 0.0  # off


def test_identify_reads_context_traits_as_rudderstack_sends_them() -> None:
    message = parse({"type": "identify", "userId": "u1", "context": {"traits": {"plan": "Free"}}})
    assert message.traits == {"plan": "free"}
