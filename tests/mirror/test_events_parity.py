"""Random rule trees with event conditions select the same people in MongoDB and in the mirror.

The data is made here: two workspaces of generated people and events, with the awkward cases an event
stream has (anonymous events, events of people not in ``users``, people without a ``user_id``, events of
names the catalog does not know, events without a time, properties missing or with unknown values).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from events_support import ensure_event_indexes, insert_events
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from mirror_rules import RuleStrategies
from pymongo import ASCENDING, MongoClient
from pymongo.database import Database

from segcore import default_catalog
from segcore.catalog import Event, Field
from segcore.event_audience import EventAudience
from segcore.mirror import UserMirror
from segcore.rules import RelativeAmount, Rule, event_conditions, subtract
from segcore.seed import generate_users

CATALOG = default_catalog()
TEAMS = ("A", "B")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
START = datetime(2025, 1, 1, tzinfo=UTC)
UNITS = ["day", "week", "month", "quarter", "year"]
AMOUNTS = [1, 2, 3, 6]  # windows drawn mostly from these, so events sit on their edges


def people(team: str, n: int, seed: int) -> list[dict[str, Any]]:
    found = [{**u, "team_id": team} for u in generate_users(n, seed=seed, now=NOW, prefix=f"{team}-")]
    for user in found[:3]:
        user.pop("user_id")  # no user_id: no events can be theirs
    return found


def events_for(team: str, users: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    names = [e.name for e in CATALOG.events] + ["Song Played"]
    docs = []
    for n, user in enumerate(users):
        for k in range(rng.choice([0, 0, 1, 2, 4, 8, 15])):
            event = rng.choice(names)
            props: dict[str, Any] = {}
            known = CATALOG.get_event(event)
            for prop in known.properties if known else ():
                roll = rng.random()
                if roll < 0.8:
                    props[prop.name] = rng.choice(prop.values)
                elif roll < 0.9:
                    props[prop.name] = "Something Else"
            user_id = user.get("user_id")
            roll = rng.random()
            if roll < 0.05:
                user_id = None  # anonymous so far
            elif roll < 0.08:
                user_id = f"{team}-ghost-{n}"  # someone not (yet) in users
            stamp = START + timedelta(seconds=rng.randrange(int((NOW - START).total_seconds()) + 86400 * 200))
            roll = rng.random()
            if roll < 0.25:  # on a window's edge at NOW: exactly N days, weeks or months before it
                stamp = subtract(NOW, RelativeAmount(rng.choice(AMOUNTS), rng.choice(UNITS)))
            elif roll < 0.35:  # on a calendar edge: midnight starting a day, a month, a year
                stamp = stamp.replace(hour=0, minute=0, second=0, microsecond=0)
                stamp = stamp.replace(day=1) if roll < 0.3 else stamp
            if roll < 0.35:  # and a millisecond either side, so a bound off by one shows
                stamp += timedelta(milliseconds=rng.choice([-1, 0, 0, 1]))
            doc = {"team_id": team, "message_id": f"{team}-{n}-{k}", "user_id": user_id,
                   "anonymous_id": None if user_id else f"anon-{n}", "event": event,
                   "timestamp": stamp.replace(microsecond=stamp.microsecond // 1000 * 1000),
                   "properties": props, "received_at": NOW}
            if rng.random() < 0.01:
                doc.pop("timestamp")
            docs.append(doc)
    return docs


@pytest.fixture(scope="module")
def made_db(mongo_client: MongoClient[dict[str, Any]]) -> Iterator[Database[dict[str, Any]]]:
    name = f"evparity_{uuid.uuid4().hex[:10]}"
    db = mongo_client[name]
    db.users.create_index([("team_id", ASCENDING), ("user_id", ASCENDING)])
    for i, team in enumerate(TEAMS):
        users = people(team, 140 + 40 * i, seed=i)
        db.users.insert_many(users)
        insert_events(db, events_for(team, users, seed=10 + i))
    ensure_event_indexes(db)
    try:
        yield db
    finally:
        mongo_client.drop_database(name)


@pytest.fixture(scope="module")
def made_mirror(made_db: Database[Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[UserMirror]:
    mirror = UserMirror(Path(tmp_path_factory.mktemp("evparity")) / "m.duckdb", made_db, CATALOG, max_lag=1e9)
    mirror.build()
    try:
        yield mirror
    finally:
        mirror.stop()


def _property_value(prop: Field, op: str) -> st.SearchStrategy[Any]:
    text = st.sampled_from([*prop.values, "something else", prop.values[0].upper()])
    if op == "exists":
        return st.booleans()
    if op in ("in", "not_in"):
        return st.lists(text, min_size=1, max_size=3)
    if op == "contains":
        return st.sampled_from(["e", "ON", "Sale", "x%", "_"])
    return text


def _when() -> st.SearchStrategy[dict[str, Any]]:
    amounts = st.one_of(st.sampled_from(AMOUNTS), st.sampled_from(AMOUNTS), st.integers(1, 30))
    relative = st.builds(lambda a, u: {"amount": a, "unit": u}, amounts, st.sampled_from(UNITS))
    date = st.one_of(
        st.integers(2025, 2027).map(str),
        st.tuples(st.integers(2025, 2026), st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
        st.dates(START.date(), NOW.date()).map(lambda d: d.isoformat()),
        st.builds(lambda p, o: {"period": p, "offset": o}, st.sampled_from(UNITS), st.integers(-4, 0)),
    )
    by_amount = st.builds(lambda op, v: {"op": op, "value": v}, st.sampled_from(["within_last", "more_than_ago"]),
                          relative)
    return st.one_of(
        by_amount,
        by_amount,
        st.builds(lambda op, v: {"op": op, "value": v}, st.sampled_from(["before", "after", "on"]), date),
        st.builds(lambda a, b: {"op": "between", "value": [a, b]}, date, date),
    )


def _count() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(lambda op, v: {"op": op, "value": v},
                  st.sampled_from(["gt", "gte", "lt", "lte", "eq"]), st.integers(0, 5)),
        st.tuples(st.integers(0, 4), st.integers(0, 6)).map(lambda t: {"op": "between", "value": sorted(t)}),
    )


def _event_leaf(event: Event) -> st.SearchStrategy[dict[str, Any]]:
    where = st.lists(
        st.sampled_from(event.properties).flatmap(
            lambda p: st.sampled_from(p.operators).flatmap(
                lambda op: _property_value(p, op).map(lambda v: {"property": p.name, "op": op, "value": v}))),
        max_size=2,
    ) if event.properties else st.just([])
    return st.builds(
        lambda w, c, t: {"event": event.name, **({"where": w} if w else {}), **({"count": c} if c else {}),
                         **({"when": t} if t else {})},
        where, st.one_of(st.none(), _count()), st.one_of(st.none(), _when(), _when()),
    )


def event_leaves() -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(CATALOG.events).flatmap(_event_leaf)


def trees(strategies: RuleStrategies) -> st.SearchStrategy[dict[str, Any]]:
    def extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        group = st.lists(children, min_size=1, max_size=3)
        return st.one_of(group.map(lambda r: {"all": r}), group.map(lambda r: {"any": r}),
                         children.map(lambda r: {"not": r}))

    leaf = st.one_of(event_leaves(), event_leaves(), strategies.condition())
    return st.recursive(leaf, extend, max_leaves=5)


def assert_same_people(db: Database[Any], mirror: UserMirror, rule: Rule, now: datetime) -> None:
    audience = EventAudience(db, CATALOG)
    for team in TEAMS:
        truth = audience.select(team, rule, now)
        ids = mirror.member_ids(team, rule, now)
        assert set(ids) - {None} == set(truth.user_ids()), (team, rule)
        assert mirror.count(team, rule, now).size == len(truth) == len(ids), (team, rule)


_SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                     phases=(Phase.explicit, Phase.reuse, Phase.generate))


@_SETTINGS
@given(data=st.data())
def test_random_event_conditions_select_the_same_people(data: st.DataObject, made_db: Database[Any],
                                                        made_mirror: UserMirror) -> None:
    strategies = RuleStrategies(CATALOG, list(made_db.users.find({"team_id": "A"})))
    drawn = data.draw(st.lists(event_leaves(), min_size=6, max_size=6))
    rules = [r for r in (strategies.valid(d) for d in drawn) if r is not None]
    assume(rules)
    for rule in rules:
        assert_same_people(made_db, made_mirror, rule, NOW)


@_SETTINGS
@given(data=st.data(), now=st.datetimes(datetime(2025, 6, 1), datetime(2027, 3, 1), timezones=st.just(UTC)))
def test_random_trees_with_event_conditions_select_the_same_people(
    data: st.DataObject, now: datetime, made_db: Database[Any], made_mirror: UserMirror
) -> None:
    strategies = RuleStrategies(CATALOG, list(made_db.users.find({"team_id": "A"})))
    drawn = data.draw(st.lists(trees(strategies), min_size=3, max_size=3))
    rules = [r for r in (strategies.valid(d) for d in drawn) if r is not None]
    assume(any(next(event_conditions(r), None) for r in rules))
    for rule in rules:
        assert_same_people(made_db, made_mirror, rule, now)


def test_the_made_data_has_the_awkward_cases(made_db: Database[Any], made_mirror: UserMirror) -> None:
    assert made_db.events.count_documents({"user_id": None}) > 0
    assert made_db.events.count_documents({"event": "Song Played"}) > 0
    assert made_db.events.count_documents({"timestamp": {"$exists": False}}) > 0
    assert made_db.users.count_documents({"user_id": {"$exists": False}}) == 6
    # Only the catalog's events are mirrored.
    assert made_mirror.status()["events"] == made_db.events.count_documents({"event": {"$ne": "Song Played"}})
