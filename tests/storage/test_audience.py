from __future__ import annotations

from datetime import timedelta

import pytest

from segcore.audience import AudienceEngine, CounterUnavailable, Overlap, scoped
from segcore.catalog import default_catalog
from segcore.compile_mongo import to_mongo_filter
from segcore.errors import RuleError
from segcore.rules import Condition, Rule
from segcore.storage import Store
from tests.storage.helpers import NOW, rule, users

SPENDERS = {"field": "total_spend", "op": "gt", "value": 10000}  # users 11..29
PUNE = {"field": "city", "op": "eq", "value": "pune"}  # odd users


@pytest.fixture
def engine(store: Store) -> AudienceEngine:
    store.users.upsert_many("T1", users(30))
    store.users.upsert_many("OTHER", users(30))
    return AudienceEngine(store)


def test_count_matches_a_hand_written_filter(engine: AudienceEngine, store: Store) -> None:
    r = rule({"all": [SPENDERS, PUNE]})
    size = engine.count("T1", r, NOW)
    assert size.size == 10 and size.engine == "mongodb" and size.elapsed_ms >= 0
    expected = store.db["users"].count_documents({"team_id": "T1", "total_spend": {"$gt": 10000}, "city": "Pune"})
    assert size.size == expected


def test_sizes_in_one_pass_equal_separate_counts(engine: AudienceEngine) -> None:
    rules = {
        "spenders": rule(SPENDERS),
        "pune": rule(PUNE),
        "vip": rule({"field": "tags", "op": "has", "value": "vip"}),
        "none": rule({"field": "visits", "op": "gt", "value": 1000}),
    }
    sizes = engine.sizes("T1", rules, NOW)
    assert sizes == {k: engine.count("T1", r, NOW).size for k, r in rules.items()}
    assert sizes == {"spenders": 19, "pune": 15, "vip": 6, "none": 0}


def test_overlap(engine: AudienceEngine) -> None:
    o = engine.overlap("T1", rule(SPENDERS), rule(PUNE), NOW)
    assert o == Overlap(a=19, b=15, both=10)
    assert (o.only_a, o.only_b, o.either) == (9, 5, 24)


def test_members_pages_in_user_id_order_without_pii(engine: AudienceEngine) -> None:
    r = rule(PUNE)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = engine.members("T1", r, NOW, after=cursor, limit=4)
        pages += 1
        for item in page.items:
            assert "email" not in item and "name" not in item and "team_id" not in item and "_id" not in item
            assert item["city"] == "Pune"
        seen += [m["user_id"] for m in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 4
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 15
    with_pii = engine.members("T1", r, NOW, limit=1, include_pii=True)
    assert with_pii.items[0]["email"] == "person1@example.com"


def test_sample_is_masked_and_matches(engine: AudienceEngine) -> None:
    sample = engine.sample("T1", rule(SPENDERS), NOW, n=5)
    assert len(sample) == 5
    for member in sample:
        assert member["total_spend"] > 10000
        assert member["email"].endswith("***@example.com") and member["name"].startswith("P***")


def test_bad_rule_is_refused_before_counting(engine: AudienceEngine) -> None:
    with pytest.raises(RuleError, match="Unknown field"):
        engine.count("T1", Condition("shoe_size", "gt", 1), NOW)


def test_snapshot_all_records_history_and_last_size(engine: AudienceEngine, store: Store) -> None:
    a = store.segments.create("T1", "Spenders", rule(SPENDERS), "", "user", "U1")
    b = store.segments.create("T1", "Pune", rule(PUNE), "", "user", "U1")
    store.segments.create("OTHER", "Theirs", rule(PUNE), "", "user", "U1")
    assert engine.snapshot_all("T1", NOW) == {a.id: 19, b.id: 15}
    store.users.upsert_many("T1", [{"user_id": "new", "city": "Pune", "total_spend": 50000}])
    engine.snapshot_all("T1", NOW + timedelta(days=1))
    assert [size for _, size in store.snapshots.history("T1", a.id)] == [19, 20]
    assert store.segments.get("T1", b.id).last_size == 16  # type: ignore[union-attr]
    assert store.snapshots.history("OTHER", a.id) == []


class _Declining:
    name = "mirror"

    def count(self, team_id: str, rule: Rule, now: object) -> int:
        raise CounterUnavailable("lagging")

    def sizes(self, team_id: str, rules: object, now: object) -> dict[str, int]:
        raise CounterUnavailable("lagging")

    def overlap(self, team_id: str, a: Rule, b: Rule, now: object) -> Overlap:
        raise CounterUnavailable("lagging")


class _Answering(_Declining):
    name = "fixed"

    def count(self, team_id: str, rule: Rule, now: object) -> int:
        return 123


def test_preferred_counter_answers_and_mongodb_is_the_fallback(store: Store) -> None:
    r = rule(SPENDERS)
    assert AudienceEngine(store, [_Answering()]).count("T1", r, NOW).engine == "fixed"
    fallback = AudienceEngine(store, [_Declining()]).count("T1", r, NOW)
    assert (fallback.engine, fallback.size) == ("mongodb", 0)


def test_scoped_keeps_team_on_top_and_lifts_conjuncts() -> None:
    r = rule({"all": [SPENDERS, PUNE, {"field": "total_spend", "op": "lt", "value": 20000}]})
    f = scoped("T1", to_mongo_filter(r, default_catalog(), NOW))
    assert f == {"team_id": "T1", "total_spend": {"$gt": 10000}, "city": "Pune",
                 "$and": [{"total_spend": {"$lt": 20000}}]}
    # A filter naming team_id itself cannot replace the workspace.
    assert scoped("T1", {"team_id": "T2"}) == {"team_id": "T1", "$and": [{"team_id": "T2"}]}
    with pytest.raises(Exception, match="workspace"):
        scoped("", {})


MULTI = [
    {"all": [{"field": "plan", "op": "eq", "value": "pro"}, {"field": "city", "op": "eq", "value": "Pune"},
             {"field": "total_spend", "op": "gt", "value": 5000}]},
    {"all": [{"field": "last_visit_at", "op": "not_within_last", "value": {"amount": 5, "unit": "month"}},
             {"field": "total_spend", "op": "gt", "value": 5000}]},
    {"all": [{"field": "visits", "op": "between", "value": [5, 20]}, {"field": "tags", "op": "has_none", "value": ["vip"]},
             {"field": "visits", "op": "lt", "value": 12}]},
    {"all": [{"field": "city", "op": "in", "value": ["Pune", "Mumbai"]}, {"not": {"field": "plan", "op": "eq", "value": "pro"}}]},
    {"any": [{"field": "city", "op": "eq", "value": "Pune"}, {"field": "visits", "op": "gt", "value": 25}]},
]


@pytest.mark.parametrize("data", MULTI)
def test_counts_led_by_one_index_select_the_same_users(engine: AudienceEngine, store: Store, data: dict[str, object]) -> None:
    r = rule(data)
    expected = store.db["users"].count_documents(
        {"$and": [{"team_id": "T1"}, to_mongo_filter(r, default_catalog(), NOW)]}
    )
    assert engine.count("T1", r, NOW).size == expected
    assert expected > 0


def test_lead_pipeline_picks_an_equality_first_and_keeps_the_team() -> None:
    from segcore.audience import lead_pipeline

    r = rule(MULTI[0])
    flat = scoped("T1", to_mongo_filter(r, default_catalog(), NOW))
    assert lead_pipeline(flat) == [
        {"$match": {"team_id": "T1", "plan": "pro"}},
        {"$match": {"city": "Pune", "total_spend": {"$gt": 5000}}},
    ]
    # One field: nothing to split. Only negations / $or: nothing can lead.
    assert lead_pipeline({"team_id": "T1", "city": "Pune"}) == [{"$match": {"team_id": "T1", "city": "Pune"}}]
    only_or = {"team_id": "T1", "$or": [{"a": 1}, {"b": 2}], "city": {"$ne": "Pune"}}
    assert lead_pipeline(only_or) == [{"$match": only_or}]


def test_members_of_a_multi_field_segment_page_through_all(engine: AudienceEngine, store: Store) -> None:
    r = rule({"all": [SPENDERS, PUNE]})
    expected = sorted(d["user_id"] for d in store.db["users"].find(
        {"team_id": "T1", "total_spend": {"$gt": 10000}, "city": "Pune"}))
    seen: list[str] = []
    cursor = None
    while True:
        page = engine.members("T1", r, NOW, after=cursor, limit=3)
        seen += [m["user_id"] for m in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == expected and len(seen) == 10


def test_only_indexed_fields_lead() -> None:
    from segcore.audience import lead_pipeline

    flat = {"team_id": "T1", "email": "a@b.c", "total_spend": {"$gt": 5}}
    assert lead_pipeline(flat, {"total_spend"})[0] == {"$match": {"team_id": "T1", "total_spend": {"$gt": 5}}}
