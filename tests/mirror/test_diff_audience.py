"""An edit's audience difference (before, after, entered, left) on the real embedded server, counted by the
mirror and by MongoDB, against the people each rule selects as worked out here in Python."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from segcore import default_catalog, validate_json
from segcore.audience import AudienceEngine
from segcore.explain.difference import Diff, diff, summary
from segcore.mirror import UserMirror
from segcore.mirror.counter import MirrorCounter
from segcore.storage.database import Store

CATALOG = default_catalog()
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CITIES = ["Pune", "Mumbai", "Delhi", None]


def _people() -> list[dict[str, Any]]:
    people = []
    for i in range(60):
        doc: dict[str, Any] = {"team_id": "T", "user_id": f"u{i:02d}", "total_spend": float(i * 500),
                               "plan": "pro" if i % 3 == 0 else "free"}
        if CITIES[i % 4] is not None:
            doc["city"] = CITIES[i % 4]
        people.append(doc)
    # Another workspace's people never count.
    people += [{"team_id": "OTHER", "user_id": f"u{i:02d}", "total_spend": 1e6, "city": "Pune"} for i in range(9)]
    return people


def _views(i: int) -> list[datetime]:
    """When person i viewed a product: i % 5 times, days apart."""
    return [NOW - timedelta(days=1 + (i + 9 * j) % 40, hours=1) for j in range(i % 5)]


def _events() -> list[dict[str, Any]]:
    docs = []
    for i in range(60):
        for j, stamp in enumerate(_views(i)):
            docs.append({"team_id": "T", "message_id": f"m{i}-{j}", "user_id": f"u{i:02d}", "anonymous_id": None,
                         "event": "Product Viewed", "timestamp": stamp, "properties": {"category": "Electronics"},
                         "received_at": NOW})
    return docs


def _viewed(i: int, times: int, days: int) -> bool:
    return sum(1 for t in _views(i) if t >= NOW - timedelta(days=days)) >= times


# (before, after, who the before rule selects, who the after rule selects), by person number.
PAIRS: list[tuple[dict[str, Any], dict[str, Any], Any, Any]] = [
    ({"field": "total_spend", "op": "gt", "value": 5000}, {"field": "total_spend", "op": "gt", "value": 10000},
     lambda i: i * 500 > 5000, lambda i: i * 500 > 10000),
    ({"field": "city", "op": "eq", "value": "Pune"}, {"field": "city", "op": "in", "value": ["Pune", "Mumbai"]},
     lambda i: i % 4 == 0, lambda i: i % 4 in (0, 1)),
    ({"all": [{"field": "city", "op": "in", "value": ["Pune", "Delhi"]}, {"field": "plan", "op": "eq", "value": "pro"}]},
     {"any": [{"field": "city", "op": "in", "value": ["Pune", "Delhi"]}, {"field": "plan", "op": "eq", "value": "pro"}]},
     lambda i: i % 4 in (0, 2) and i % 3 == 0, lambda i: i % 4 in (0, 2) or i % 3 == 0),
    ({"event": "Product Viewed", "when": {"op": "within_last", "value": {"amount": 7, "unit": "day"}}},
     {"event": "Product Viewed", "when": {"op": "within_last", "value": {"amount": 30, "unit": "day"}}},
     lambda i: _viewed(i, 1, 7), lambda i: _viewed(i, 1, 30)),
    ({"event": "Product Viewed"},
     {"all": [{"event": "Product Viewed", "count": {"op": "gte", "value": 3}},
              {"field": "total_spend", "op": "lt", "value": 20000}]},
     lambda i: _viewed(i, 1, 10_000), lambda i: _viewed(i, 3, 10_000) and i * 500 < 20000),
    ({"all": [{"field": "plan", "op": "eq", "value": "pro"}, {"event": "Product Viewed", "count": {"op": "eq", "value": 0}}]},
     {"field": "plan", "op": "eq", "value": "pro"},
     lambda i: i % 3 == 0 and not _views(i), lambda i: i % 3 == 0),
]


def _expected(before: Any, after: Any) -> tuple[int, int, int, int]:
    old = {i for i in range(60) if before(i)}
    new = {i for i in range(60) if after(i)}
    return len(old), len(new), len(new - old), len(old - new)


@pytest.fixture()
def loaded(store: Store) -> Store:
    store.db.users.insert_many(_people())
    store.db.events.insert_many(_events())
    return store


def _check(engine: AudienceEngine) -> None:
    for before_json, after_json, before, after in PAIRS:
        found = diff(engine, "T", validate_json(before_json, CATALOG), validate_json(after_json, CATALOG), NOW)
        assert (found.before, found.after, found.entered, found.left) == _expected(before, after), before_json
        assert found.changes


def test_the_difference_counted_in_mongodb(loaded: Store) -> None:
    _check(AudienceEngine(loaded))


def test_the_difference_counted_by_the_mirror(loaded: Store, tmp_path: Path) -> None:
    mirror = UserMirror(tmp_path / "mirror.duckdb", loaded.db, CATALOG)
    mirror.start()
    try:
        deadline = time.monotonic() + 20
        while not mirror.fresh_for("T"):
            assert time.monotonic() < deadline, mirror.status()
            time.sleep(0.05)
        # The mirror itself answers each overlap (it declines by raising, never by a wrong number) ...
        for before_json, after_json, before, after in PAIRS:
            a, b = validate_json(before_json, CATALOG), validate_json(after_json, CATALOG)
            first, second, both = mirror.overlap("T", a, b, NOW)
            old, new, entered, left = _expected(before, after)
            assert (first, second, second - both, first - both) == (old, new, entered, left)
        # ... and so does the engine in front of it.
        _check(AudienceEngine(loaded, [MirrorCounter(mirror)]))
    finally:
        mirror.stop()


def test_no_change_is_said_plainly(loaded: Store) -> None:
    rule = validate_json({"field": "city", "op": "eq", "value": "Pune"}, CATALOG)
    found = diff(AudienceEngine(loaded), "T", rule, rule, NOW)
    assert found == Diff(15, 15, 0, 0, ())
    assert summary(found) == "Nothing changed: still 15 people."
    edited = diff(AudienceEngine(loaded), "T", rule,
                  validate_json({"field": "city", "op": "in", "value": ["Pune", "Mumbai"]}, CATALOG), NOW)
    assert summary(edited) == "Added Mumbai to the cities. Audience 15 → 30: 15 people enter, 0 leave."
