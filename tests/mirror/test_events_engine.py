"""The audience engine on MongoDB alone with event conditions: counts, sizes, overlap, samples and member
pages select the same people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from segcore import validate_json
from segcore.audience import AudienceEngine

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_every_engine_answer_agrees_on_event_conditions(store: Any) -> None:
    db = store.db
    db.users.insert_many([{"team_id": "T", "user_id": f"u{i:02d}", "plan": "pro" if i % 2 else "free",
                           "email": f"p{i}@example.com"} for i in range(12)]
                         + [{"team_id": "T", "plan": "pro"}, {"team_id": "U", "user_id": "u01", "plan": "pro"}])
    stamp = NOW - timedelta(days=2)
    db.events.insert_many([{"team_id": "T", "message_id": f"m{i}", "user_id": f"u{i % 6:02d}", "anonymous_id": None,
                            "event": "Email Opened", "timestamp": stamp, "properties": {"campaign": "Diwali Sale"},
                            "received_at": NOW} for i in range(9)])
    engine = AudienceEngine(store)
    opened = validate_json({"event": "Email Opened"}, store.catalog)  # u00..u05
    never = validate_json({"event": "Email Opened", "count": {"op": "eq", "value": 0}}, store.catalog)
    pro_never = validate_json({"all": [{"field": "plan", "op": "eq", "value": "pro"},
                                       {"not": {"event": "email opened"}}]}, store.catalog)
    assert engine.count("T", opened, NOW).size == 6
    assert engine.count("T", never, NOW).size == 7  # u06..u11 and the person without a user_id
    assert engine.count("T", pro_never, NOW).size == 4  # u07, u09, u11 and the one without a user_id
    assert engine.count("U", never, NOW).size == 1
    assert engine.sizes("T", {"a": opened, "b": never, "plain": validate_json(
        {"field": "plan", "op": "eq", "value": "pro"}, store.catalog)}, NOW) == {"a": 6, "b": 7, "plain": 7}
    overlap = engine.overlap("T", opened, pro_never, NOW)
    assert (overlap.a, overlap.b, overlap.both) == (6, 4, 0)
    first = engine.members("T", never, NOW, limit=4)
    assert [d.get("user_id") for d in first.items] == [None, "u06", "u07", "u08"] and first.next_cursor == "u08"
    assert "email" not in first.items[1]
    second = engine.members("T", never, NOW, after=first.next_cursor, limit=4)
    assert [d["user_id"] for d in second.items] == ["u09", "u10", "u11"] and second.next_cursor is None
    sample = engine.sample("T", opened, NOW, n=3)
    assert len(sample) == 3 and {d["user_id"] for d in sample} <= {f"u{i:02d}" for i in range(6)}
    assert all("@" not in d.get("email", "") or "*" in d["email"] for d in sample)
