"""Demo events for demo users (`segments seed`), consistent with what the users say about themselves.

Each person gets as many ``Order Completed`` events as their ``orders``, the latest exactly at
``last_order_at`` (so both readings of "ordered ..." in SPEC agree), each after a ``Checkout Started`` and
a ``Product Added``, some with a ``Coupon Applied``; product views and emails over their visiting life,
and some abandoned carts. Deterministic for a seed and ``now``; message ids are ``seed-<user>-<n>``, and
seeding again replaces a person's demo events, so the two never drift apart.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from segcore.events.store import EventStore
from segcore.rules import to_millisecond

CATEGORIES = ("Electronics", "Fashion", "Home", "Beauty", "Books")
CAMPAIGNS = ("Diwali Sale", "Winter Launch", "Weekly Digest", "Cart Reminder")
PREFIX = "seed-"
BATCH = 1000  # people a batch


def demo_events(user: dict[str, Any], now: datetime, rng: random.Random) -> Iterator[dict[str, Any]]:
    """The events of one demo person, without team_id (``seed_events`` adds it)."""
    uid = user["user_id"]
    start = user.get("signup_date") or now - timedelta(days=365)
    n = 0

    def event(name: str, at: datetime, **properties: Any) -> dict[str, Any]:
        nonlocal n
        n += 1
        return {"message_id": f"{PREFIX}{uid}-{n}", "user_id": uid, "anonymous_id": None, "event": name,
                "timestamp": to_millisecond(at), "properties": properties}

    def between(a: datetime, b: datetime) -> datetime:
        return a + (b - a) * rng.random() if b > a else b

    orders = int(user.get("orders") or 0)
    last = user.get("last_order_at")
    if orders and last is not None:
        times = [*sorted(between(start, last) for _ in range(orders - 1)), last]
        for at in times:
            category = rng.choice(CATEGORIES)
            yield event("Product Viewed", at - timedelta(minutes=rng.randint(20, 90)), category=category)
            yield event("Product Added", at - timedelta(minutes=rng.randint(10, 19)), category=category)
            yield event("Checkout Started", at - timedelta(minutes=rng.randint(1, 9)))
            if rng.random() < 0.2:
                yield event("Coupon Applied", at)
            yield event("Order Completed", at)
    visited = user.get("last_visit_at")
    if visited is not None:
        for _ in range(min(int(user.get("visits") or 0), rng.randint(1, 8))):
            yield event("Product Viewed", between(start, visited), category=rng.choice(CATEGORIES))
        if rng.random() < 0.25:  # an abandoned cart
            at = between(start, visited)
            yield event("Product Added", at, category=rng.choice(CATEGORIES))
            if rng.random() < 0.5:
                yield event("Checkout Started", at + timedelta(minutes=rng.randint(1, 9)))
    if user.get("email_opt_in"):
        for _ in range(rng.randint(0, 4)):
            at = between(start, now)
            campaign = rng.choice(CAMPAIGNS)
            yield event("Email Opened", at, campaign=campaign)
            if rng.random() < 0.3:
                yield event("Email Clicked", at + timedelta(minutes=rng.randint(1, 30)), campaign=campaign)


def seed_events(events: EventStore, team_id: str, user_ids: Sequence[str], now: datetime, seed: int = 0) -> int:
    """Write the demo events of these people, read back as stored; returns how many were written."""
    rng = random.Random(seed)
    written = 0
    _remove_demo_events(events, team_id, set(user_ids))
    for start in range(0, len(user_ids), BATCH):
        ids = list(user_ids[start : start + BATCH])
        with events.outage.guard():
            people: dict[str, dict[str, Any]] = {}
            for chunk in range(0, len(ids), 200):  # FACTS: large $in lists are slow on the embedded server
                query = {"team_id": team_id, "user_id": {"$in": ids[chunk : chunk + 200]}}
                people.update((d["user_id"], d) for d in events.users.find(query, {"_id": 0}))
        docs = [{"team_id": team_id, **doc, "received_at": now}
                for uid in ids if uid in people for doc in demo_events(people[uid], now, rng)]
        written += events.insert_plain(docs)[0]
    return written


def _remove_demo_events(events: EventStore, team_id: str, user_ids: set[str]) -> None:
    """Seeding again replaces the earlier demo events of these people (their dates moved with ``now``).
    One pass over the workspace's events: ``events`` has no index by person (docs/scale.md "Events")."""
    with events.outage.guard():
        found = [d["_id"] for d in events.events.find(
            {"team_id": team_id, "message_id": {"$regex": f"^{PREFIX}"}}, {"_id": 1, "user_id": 1})
            if d.get("user_id") in user_ids]
        for chunk in range(0, len(found), 200):
            events.events.delete_many({"_id": {"$in": found[chunk : chunk + 200]}})


__all__ = ["demo_events", "seed_events"]
