"""The schema we send Cohere: built from the catalog, inside Cohere's subset, and wide enough for every
example of the contract written as rules (which our own validator accepts and which select the reference
users)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cohere_standin import cohere_standin
from cohere_standin import rules as answer_with

from segcore import default_catalog, to_mongo_filter
from segcore.catalog import Event, Field
from segcore.cohere_reader import CohereReader
from segcore.cohere_schema import envelope, rule_schema, subset_problems
from segcore.validation import validate_json

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pydantic notes inside the SDK


def _c(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def _all(*items: Any) -> dict[str, Any]:
    return {"all": list(items)}


def _any(*items: Any) -> dict[str, Any]:
    return {"any": list(items)}


def _months(n: int) -> dict[str, Any]:
    return {"amount": n, "unit": "month"}


# Every prompt of ../shared/segments/nl-examples.jsonl as Cohere is asked to write it: always a root group.
EXAMPLE_RULES: dict[str, dict[str, Any]] = {
    "people who haven't visited in 5 months but spent more than ₹5000": _all(
        _c("last_visit_at", "not_within_last", _months(5)), _c("total_spend", "gt", 5000)),
    "visits > 50": _all(_c("visits", "gt", 50)),
    "total_spend > 10000": _all(_c("total_spend", "gt", 10000)),
    "visits > 50 and total_spend > 10000": _all(_c("visits", "gt", 50), _c("total_spend", "gt", 10000)),
    "orders >= 2 or plan = enterprise": _any(_c("orders", "gte", 2), _c("plan", "eq", "enterprise")),
    "users who spent over 5k": _all(_c("total_spend", "gt", 5000)),
    "customers with spend of at least ₹1,00,000": _all(_c("total_spend", "gte", 100000)),
    "spent more than 1 lakh": _all(_c("total_spend", "gt", 100000)),
    "spend under Rs. 2000": _all(_c("total_spend", "lt", 2000)),
    "spent between 10k and 20k": _all(_c("total_spend", "between", [10000, 20000])),
    "users with at most 3 visits": _all(_c("visits", "lte", 3)),
    "more than 20 visits": _all(_c("visits", "gt", 20)),
    "people with exactly 10 visits": _all(_c("visits", "eq", 10)),
    "customers with 5 or more orders": _all(_c("orders", "gte", 5)),
    "users with zero orders": _all(_c("orders", "eq", 0)),
    "visited in the last 7 days": _all(_c("last_visit_at", "within_last", {"amount": 7, "unit": "day"})),
    "active within the last month": _all(_c("last_visit_at", "within_last", _months(1))),
    "haven't visited in 90 days": _all(_c("last_visit_at", "not_within_last", {"amount": 90, "unit": "day"})),
    "inactive for 6 months": _all(_c("last_visit_at", "not_within_last", _months(6))),
    "last visit more than 2 weeks ago": _all(_c("last_visit_at", "more_than_ago", {"amount": 2, "unit": "week"})),
    "haven't ordered in 3 months": _all(_c("last_order_at", "not_within_last", _months(3))),
    "ordered within the last 14 days": _all(_c("last_order_at", "within_last", {"amount": 14, "unit": "day"})),
    "signed up in the last 3 months": _all(_c("signup_date", "within_last", _months(3))),
    "joined more than a year ago": _all(_c("signup_date", "more_than_ago", {"amount": 1, "unit": "year"})),
    "signed up in 2025": _all(_c("signup_date", "on", "2025")),
    "signed up before 2023-01-01": _all(_c("signup_date", "before", "2023-01-01")),
    "signed up after March 2026": _all(_c("signup_date", "after", "2026-03")),
    "users in Hyderabad": _all(_c("city", "eq", "Hyderabad")),
    "users in Mumbai or Pune": _all(_c("city", "in", ["Mumbai", "Pune"])),
    "users not in Delhi": _all(_c("city", "ne", "Delhi")),
    "users from Singapore": _all(_c("city", "eq", "Singapore")),
    "users outside the US": _all(_c("country", "ne", "US")),
    "users on the enterprise plan": _all(_c("plan", "eq", "enterprise")),
    "free users": _all(_c("plan", "eq", "free")),
    "users tagged newsletter": _all(_c("tags", "has", "newsletter")),
    "users who are not tagged churn-risk": _all(_c("tags", "has_none", ["churn-risk"])),
    "opted in to email": _all(_c("email_opt_in", "is", True)),
    "aged between 18 and 24": _all(_c("age", "between", [18, 24])),
    "older than 50": _all(_c("age", "gt", 50)),
    "pro users in Delhi who spent over 10k": _all(
        _c("plan", "eq", "pro"), _c("city", "eq", "Delhi"), _c("total_spend", "gt", 10000)),
    "vip users who haven't visited in 2 months": _all(
        _c("tags", "has", "vip"), _c("last_visit_at", "not_within_last", _months(2))),
    "users with more than 30 visits or more than 10 orders": _any(_c("visits", "gt", 30), _c("orders", "gt", 10)),
    "new users from the last 30 days with no orders": _all(
        _c("signup_date", "within_last", {"amount": 30, "unit": "day"}), _c("orders", "eq", 0)),
    "How many customers in Chennai spent more than ₹20,000?": _all(
        _c("city", "eq", "Chennai"), _c("total_spend", "gt", 20000)),
    "users who spent over 50000 and signed up this year": _all(
        _c("total_spend", "gt", 50000), _c("signup_date", "on", {"period": "year", "offset": 0})),
}


def _ids(db: Any, mongo_filter: dict[str, Any]) -> set[str]:
    return {d["user_id"] for d in db.users.find(mongo_filter, {"user_id": 1, "_id": 0})}


def test_every_example_fits_the_schema_we_send_and_our_validator(
    nl_examples: list[dict[str, Any]], sample_db: Any
) -> None:
    catalog = default_catalog()
    # The schema exactly as it travels: taken from the request the SDK sends to the stand-in.
    with cohere_standin(answer_with(EXAMPLE_RULES["visits > 50"])) as api:
        reader = CohereReader("k", "command-a-03-2025", base_url=api.url)
        try:
            reader.read("visits > 50", catalog, nl_examples[0]["now"])
        finally:
            reader.close()
    sent = api.requests[0]["response_format"]["json_schema"]
    assert sent == json.loads(json.dumps(rule_schema(catalog)))
    jsonschema.Draft202012Validator.check_schema(sent)
    checker = jsonschema.Draft202012Validator(sent)
    assert {e["text"] for e in nl_examples} == set(EXAMPLE_RULES), "every example needs its rules here"
    failures = []
    for example in nl_examples:
        rules = EXAMPLE_RULES[example["text"]]
        errors = [e.message for e in checker.iter_errors(envelope(rules))]
        if errors:
            failures.append(f"{example['text']!r}: schema says {errors[:2]}")
            continue
        rule = validate_json(rules, catalog)
        ours = _ids(sample_db, to_mongo_filter(rule, catalog, example["now"]))
        if ours != _ids(sample_db, example["filter"]):
            failures.append(f"{example['text']!r}: the rules written here select other users")
    assert not failures, "\n".join(failures)


def test_schema_stays_inside_cohere_subset_and_never_refers_to_itself() -> None:
    schema = rule_schema(default_catalog())
    assert subset_problems(schema) == []
    defs = schema["$defs"]

    def refs(node: Any) -> set[str]:
        if isinstance(node, dict):
            found = {node["$ref"].rsplit("/", 1)[1]} if "$ref" in node else set()
            for value in node.values():
                found |= refs(value)
            return found
        if isinstance(node, list):
            return set().union(*(refs(v) for v in node)) if node else set()
        return set()

    def reachable(name: str, seen: tuple[str, ...]) -> None:
        assert name not in seen, f"$defs/{name} refers back to itself through {seen}"
        for target in refs(defs[name]):
            reachable(target, (*seen, name))

    for name in defs:
        reachable(name, ())


def test_the_guard_sees_what_cohere_does_not_take() -> None:
    ok = {"type": "object", "properties": {"not": {"type": "string"}}, "required": ["not"]}
    assert subset_problems(ok) == []
    assert subset_problems({**ok, "anyOf": [{"type": "integer", "minimum": 0}]}) == ["/anyOf/0/minimum"]
    assert subset_problems({**ok, "not": {"type": "string"}}) == ["/not"]
    assert subset_problems({"type": "array"}) == ["/: the top level must be an object"]
    assert subset_problems({**ok, "properties": {"d": {"type": "string", "pattern": "^x$"}}}) == [
        "/properties/d/pattern: no ^, $, ?= or ?! in patterns"]
    assert subset_problems({**ok, "$defs": {"o": {"type": "object", "properties": {}}}}) == [
        "/$defs/o: an object without a required property"]


@pytest.mark.parametrize(
    "bad",
    [
        {"all": [{"field": "plan", "op": "eq", "value": "gold"}]},  # closed field: only its values
        {"all": [{"field": "visits", "op": "contains", "value": "5"}]},  # op of another type
        {"all": [{"field": "password", "op": "eq", "value": "x"}]},  # not in the catalog
        {"all": [{"field": "visits", "op": "gt", "value": 5, "$where": "sleep(1)"}]},  # extra keys
        {"$where": "1"},
        {"unreadable": "x", "all": []},
        {"all": [{"all": [{"all": [{"field": "visits", "op": "gt", "value": 5}]}]}]},  # deeper than allowed
        {"all": [{"field": "signup_date", "op": "after", "value": "last week"}]},
        {"all": [{"field": "last_visit_at", "op": "within_last", "value": {"amount": 5, "unit": "fortnight"}}]},
    ],
)
def test_schema_rejects_what_we_would_reject(bad: dict[str, Any]) -> None:
    checker = jsonschema.Draft202012Validator(rule_schema(default_catalog()))
    assert list(checker.iter_errors(envelope(bad)))


def test_workspace_fields_join_the_schema() -> None:
    catalog = default_catalog().with_fields(
        [Field(name="loyalty_tier", type="string", label="loyalty tier", values=("silver", "gold"), closed=True)]
    )
    checker = jsonschema.Draft202012Validator(rule_schema(catalog))
    assert not list(checker.iter_errors(envelope({"all": [{"field": "loyalty_tier", "op": "eq", "value": "gold"}]})))
    assert list(checker.iter_errors(envelope({"all": [{"field": "loyalty_tier", "op": "eq", "value": "bronze"}]})))


SAMPLE_VALUES: dict[tuple[str, str], Any] = {
    ("int", "between"): [1, 5], ("number", "between"): [1.5, 9],
    ("string", "in"): ["a", "b"], ("string", "not_in"): ["a"], ("string", "contains"): "x",
    ("array", "has"): "x", ("array", "has_any"): ["x"], ("array", "has_all"): ["x"], ("array", "has_none"): ["x"],
    ("bool", "is"): False,
    ("datetime", "within_last"): {"amount": 3, "unit": "week"},
    ("datetime", "not_within_last"): {"amount": 2, "unit": "quarter"},
    ("datetime", "more_than_ago"): {"amount": 1, "unit": "year"},
    ("datetime", "before"): "2025-03", ("datetime", "after"): {"period": "week", "offset": -1},
    ("datetime", "on"): "2025-03-01T10:30:00Z", ("datetime", "between"): ["2024", {"period": "month", "offset": 0}],
}


def test_every_operator_of_every_field_has_a_branch() -> None:
    catalog = default_catalog()
    checker = jsonschema.Draft202012Validator(rule_schema(catalog))
    missing = []
    for field in catalog.queryable():
        for op in field.operators:
            if op == "exists":
                value: Any = True
            elif (field.type, op) in SAMPLE_VALUES:
                value = SAMPLE_VALUES[(field.type, op)]
            elif field.is_numeric:
                value = 7
            else:  # string eq / ne
                value = field.values[0] if field.values else "x"
            if field.values and isinstance(value, list) and value and isinstance(value[0], str):
                value = [field.values[0]]
            elif field.values and value == "x":
                value = field.values[0]
            rule = {"all": [{"field": field.name, "op": op, "value": value}]}
            validate_json(rule, catalog)  # the sample itself is valid
            if list(checker.iter_errors(envelope(rule))):
                missing.append(f"{field.name} {op}")
    assert not missing, missing


# ---------------------------------------------------------------------------------------- behaviour

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "segments"


def test_every_events_example_rule_fits_the_schema_as_it_is() -> None:
    path = SHARED / "events-examples.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared data sits beside the repository)")
    checker = jsonschema.Draft202012Validator(rule_schema(default_catalog()))
    failures = []
    for line in path.read_text(encoding="utf-8").splitlines():
        example = json.loads(line)
        rule = example["rule"]
        answer = rule if set(rule) & {"all", "any"} else {"all": [rule]}  # Cohere always writes a root group
        errors = [e.message for e in checker.iter_errors(envelope(answer))]
        if errors:
            failures.append(f"{example['text']!r}: {errors[:2]}")
    assert not failures, "\n".join(failures)


def test_every_event_count_window_and_property_operator_has_a_branch() -> None:
    catalog = default_catalog()
    checker = jsonschema.Draft202012Validator(rule_schema(catalog))
    missing = []
    counts = [{"op": op, "value": 3} for op in ("gt", "gte", "lt", "lte", "eq")] + [{"op": "between", "value": [1, 4]}]
    windows = [{"op": op, "value": SAMPLE_VALUES[("datetime", op)]}
               for op in ("within_last", "more_than_ago", "before", "after", "on", "between")]
    for event in catalog.events:
        leaves: list[dict[str, Any]] = [{"event": event.name}]
        leaves += [{"event": event.name, "count": c} for c in counts]
        leaves += [{"event": event.name, "when": w} for w in windows]
        for prop in event.properties:
            for op in prop.operators:
                value: Any = True if op == "exists" else [prop.values[0]] if op in ("in", "not_in") else prop.values[0]
                leaves.append({"event": event.name, "where": [{"property": prop.name, "op": op, "value": value}]})
        for leaf in leaves:
            if list(checker.iter_errors(envelope({"all": [leaf, {"not": leaf}]}))):
                missing.append(json.dumps(leaf))
    assert not missing, missing


@pytest.mark.parametrize("bad", [
    {"event": "Password Reset"},  # not in the event catalog
    {"event": "Coupon Applied", "where": [{"property": "category", "op": "eq", "value": "Books"}]},  # not its property
    {"event": "Product Viewed", "where": [{"field": "category", "op": "eq", "value": "Books"}]},  # a field, not a property
    {"event": "Email Opened", "count": {"op": "ne", "value": 2}},  # counts take no "ne"
    {"event": "Email Opened", "count": {"op": "gte", "value": 2.5}},  # whole numbers of events
    {"event": "Email Opened", "when": {"op": "not_within_last", "value": {"amount": 3, "unit": "day"}}},
    {"event": "Email Opened", "when": {"op": "within_last", "value": "2025"}},
    {"event": "Email Opened", "times": 3},  # extra keys
    {"where": [], "count": {"op": "gte", "value": 1}},  # no event
])
def test_schema_rejects_event_conditions_we_would_reject(bad: dict[str, Any]) -> None:
    checker = jsonschema.Draft202012Validator(rule_schema(default_catalog()))
    assert list(checker.iter_errors(envelope({"all": [bad]})))


def test_workspace_events_join_the_schema() -> None:
    genre = Field.from_json({"name": "genre", "type": "string", "values": ["Comedy", "Drama"], "closed": True})
    catalog = default_catalog().with_events([Event("Video Played", "played a video", ("watched",), (genre,))])
    checker = jsonschema.Draft202012Validator(rule_schema(catalog))
    good = {"event": "Video Played", "where": [{"property": "genre", "op": "eq", "value": "Drama"}]}
    assert not list(checker.iter_errors(envelope({"all": [good]})))
    bad = {"event": "Video Played", "where": [{"property": "genre", "op": "eq", "value": "Horror"}]}
    assert list(checker.iter_errors(envelope({"all": [bad]})))
    assert subset_problems(rule_schema(catalog)) == []
