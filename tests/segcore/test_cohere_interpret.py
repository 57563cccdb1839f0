"""interpret() with two readers: the grammar (injected here, the real one is built elsewhere) and Cohere
through the SDK against the local stand-in. Agreement, disagreement, one reader only, fallbacks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

import segcore.interpret as interpret_module
from segcore import default_catalog, to_mongo_filter
from segcore.catalog import FieldCatalog
from segcore.cohere_reader import CohereReader, CohereUnavailable
from segcore.errors import ParseRefusal, RuleError
from segcore.interpret import COHERE_ONLY, DISAGREEMENT, interpret, is_rule_syntax, same_filter
from segcore.reading import Reading
from segcore.rules import Rule
from segcore.validation import validate_json
from tests.segcore.cohere_standin import Answer, cohere_standin, rules

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pydantic notes inside the SDK

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

# What the stand-in grammar understands: text -> rules. Anything else is refused, as the real one does.
GRAMMAR_READS: dict[str, dict[str, Any]] = {
    "visits > 50": {"field": "visits", "op": "gt", "value": 50},
    "spent over 5k and visited more than 50 times": {"all": [
        {"field": "total_spend", "op": "gt", "value": 5000}, {"field": "visits", "op": "gt", "value": 50}]},
    "spent over 5k": {"field": "total_spend", "op": "gt", "value": 5000},
    "more than 50 visits": {"field": "visits", "op": "gt", "value": 50},
    # Read into rules the catalog rejects (RuleError from validation).
    "users on the gold plan": {"field": "plan", "op": "eq", "value": "gold"},
    "plan = gold": {"field": "plan", "op": "eq", "value": "gold"},
}


class GrammarCalls:
    count = 0


@pytest.fixture
def grammar(monkeypatch: pytest.MonkeyPatch) -> type[GrammarCalls]:
    GrammarCalls.count = 0

    def parse(text: str, catalog: FieldCatalog, now: datetime) -> Reading:
        GrammarCalls.count += 1
        if text not in GRAMMAR_READS:
            raise ParseRefusal(f"I could not read {text!r}.", not_understood=text.split())
        return Reading(validate_json(GRAMMAR_READS[text], catalog), ("read by the test grammar",))

    monkeypatch.setattr(interpret_module.grammar, "parse", parse)
    return GrammarCalls


@pytest.fixture
def reader_for() -> Iterator[Any]:
    readers: list[CohereReader] = []

    def make(url: str, timeout: float = 2.0) -> CohereReader:
        reader = CohereReader(api_key="k", model="command-a-03-2025", base_url=url, timeout=timeout)
        readers.append(reader)
        return reader

    yield make
    for reader in readers:
        reader.close()


def _run(text: str, reader: CohereReader | None, **kwargs: Any) -> Reading:
    return interpret(text, default_catalog(), NOW, cohere=reader, **kwargs)


def test_agreement_in_another_order_is_source_both(grammar: Any, reader_for: Any) -> None:
    text = "spent over 5k and visited more than 50 times"
    answer = {"all": [{"field": "visits", "op": "gt", "value": 50}, {"field": "total_spend", "op": "gt", "value": 5000}]}
    with cohere_standin(rules(answer)) as api:
        reading = _run(text, reader_for(api.url))
    assert reading.source == "both" and not reading.alternatives and reading.notice is None
    assert reading.assumptions == ("read by the test grammar",)
    assert len(api.requests) == 1


def test_disagreement_returns_both_readings_for_the_user_to_pick(grammar: Any, reader_for: Any) -> None:
    answer = {"all": [{"field": "total_spend", "op": "gte", "value": 5000}]}
    with cohere_standin(rules(answer)) as api:
        reading = _run("spent over 5k", reader_for(api.url))
    assert reading.needs_choice and reading.notice == DISAGREEMENT
    by_grammar, by_cohere = reading.alternatives
    assert (by_grammar.source, by_cohere.source) == ("grammar", "cohere")
    assert json.dumps(to_mongo_filter(by_cohere.rule, default_catalog(), NOW)) == '{"total_spend": {"$gte": 5000}}'
    assert reading.rule == by_grammar.rule and reading.source == "grammar"


def test_compare_on_the_data_decides_the_audience(grammar: Any, reader_for: Any, sample_db: Any) -> None:
    catalog = default_catalog()

    def same_users(first: Rule, second: Rule) -> bool:
        def ids(rule: Rule) -> set[str]:
            return {d["user_id"] for d in sample_db.users.find(to_mongo_filter(rule, catalog, NOW), {"user_id": 1})}
        return ids(first) == ids(second)

    # "more than 50" read as >= 51 by Cohere: written differently, the same people (visits are whole).
    answer = {"all": [{"field": "visits", "op": "gte", "value": 51}]}
    with cohere_standin(rules(answer)) as api:
        reader = reader_for(api.url)
        assert _run("more than 50 visits", reader, compare=same_users).source == "both"
        # Without a count the filters are compared as written: stricter, so the user is asked.
        assert _run("more than 50 visits", reader).needs_choice


def test_a_failing_compare_falls_back_to_the_filters(grammar: Any, reader_for: Any) -> None:
    def broken(first: Rule, second: Rule) -> bool:
        raise ConnectionError("database down")

    with cohere_standin(rules({"all": [{"field": "total_spend", "op": "gt", "value": 5000}]})) as api:
        assert _run("spent over 5k", reader_for(api.url), compare=broken).source == "both"


@pytest.mark.parametrize(("answer", "notice"), [
    (Answer(status=500), "Cohere had an internal error; read by the grammar."),
    (Answer(status=429), "Cohere is rate-limiting us; read by the grammar."),
    (Answer(status=401), "Cohere refused our API key; read by the grammar."),
    (Answer(text="{}", delay=1.5), "Cohere did not answer in time; read by the grammar."),
    (Answer(text="nonsense"), "Cohere's answer was not a valid segment; read by the grammar."),
])
def test_cohere_failures_fall_back_to_the_grammar_with_one_line(
    grammar: Any, reader_for: Any, answer: Answer, notice: str
) -> None:
    with cohere_standin(answer) as api:
        reading = _run("spent over 5k", reader_for(api.url, timeout=0.5))
    assert reading.source == "grammar" and reading.notice == notice
    assert json.dumps(to_mongo_filter(reading.rule, default_catalog(), NOW)) == '{"total_spend": {"$gt": 5000}}'


def test_only_cohere_reads_it(grammar: Any, reader_for: Any) -> None:
    answer = {"all": [{"field": "city", "op": "in", "value": ["Mumbai", "Bengaluru"]}]}
    with cohere_standin(rules(answer)) as api:
        reading = _run("folks living in bombay or blr", reader_for(api.url))
    assert reading.source == "cohere" and reading.notice == COHERE_ONLY
    assert grammar.count == 1


def test_neither_reads_it(grammar: Any, reader_for: Any) -> None:
    with cohere_standin(Answer(status=500)) as api, pytest.raises(ParseRefusal) as caught:
        _run("folks living in bombay or blr", reader_for(api.url))
    assert "could not read" in str(caught.value) and "Cohere had an internal error" in str(caught.value)
    assert caught.value.not_understood == ["folks", "living", "in", "bombay", "or", "blr"]


def test_typed_rules_the_grammar_reads_cost_no_call(grammar: Any, reader_for: Any) -> None:
    with cohere_standin(rules({"all": [{"field": "visits", "op": "gt", "value": 1}]})) as api:
        reading = _run("visits > 50", reader_for(api.url))
    assert reading.source == "grammar" and reading.notice is None
    assert api.requests == []


def test_engine_grammar_never_calls_cohere(grammar: Any, reader_for: Any) -> None:
    with cohere_standin(rules({"all": [{"field": "visits", "op": "gt", "value": 1}]})) as api:
        reading = _run("spent over 5k", reader_for(api.url), engine="grammar")
    assert reading.source == "grammar" and api.requests == []


def test_engine_cohere_skips_the_grammar_and_refuses_clearly_without_a_key(grammar: Any, reader_for: Any) -> None:
    with cohere_standin(rules({"all": [{"field": "visits", "op": "gt", "value": 50}]})) as api:
        assert _run("spent over 5k", reader_for(api.url), engine="cohere").source == "cohere"
    assert grammar.count == 0
    with pytest.raises(CohereUnavailable) as caught:
        _run("spent over 5k", None, engine="cohere")
    assert str(caught.value) == "Cohere is not configured (no COHERE_API_KEY)."
    with cohere_standin(Answer(status=500)) as api, pytest.raises(CohereUnavailable):
        _run("spent over 5k", reader_for(api.url), engine="cohere")


def test_auto_without_a_reader_is_the_grammar_alone(grammar: Any) -> None:
    assert _run("spent over 5k", None).source == "grammar"
    with pytest.raises(ParseRefusal) as caught:
        _run("folks in bombay", None)
    assert "Cohere is not configured" in str(caught.value)
    with pytest.raises(RuleError) as typed:
        _run("plan = gold", None)
    assert "Cohere" not in str(typed.value)  # a typed rule's error is about the rule, not about readers


def test_cache_makes_a_repeated_slash_command_free(grammar: Any, reader_for: Any) -> None:
    with cohere_standin(rules({"all": [{"field": "total_spend", "op": "gt", "value": 5000}]})) as api:
        reader = reader_for(api.url)
        for _ in range(3):
            assert _run("spent over 5k", reader, team_id="T1").source == "both"
    assert len(api.requests) == 1


@pytest.mark.parametrize(("text", "typed"), [
    ("visits > 50", True),
    ("visits > 50 and total_spend >= 10000", True),
    ("orders >= 2 or plan = enterprise", True),
    ('{"field": "visits", "op": "gt", "value": 5}', True),
    ("visits over 50", False),
    ("people with visits > 50", False),
    ("vists > 50", False),
])
def test_rule_syntax_is_recognised(text: str, typed: bool) -> None:
    assert is_rule_syntax(text, default_catalog()) is typed


def test_filters_compare_up_to_order_and_nesting() -> None:
    a = {"$and": [{"visits": {"$gt": 5}}, {"$or": [{"city": "Pune"}, {"plan": {"$in": ["pro", "free"]}}]}]}
    b = {"$and": [{"$or": [{"plan": {"$in": ["free", "pro"]}}, {"city": "Pune"}]}, {"visits": {"$gt": 5}}]}
    assert same_filter(a, b)
    assert same_filter({"$and": [{"visits": {"$gt": 5}}, {"age": 3}]}, {"visits": {"$gt": 5}, "age": 3})
    assert not same_filter({"visits": {"$gt": 5}}, {"visits": {"$gte": 5}})
    assert not same_filter({"$or": [{"a": 1}, {"b": 2}]}, {"$and": [{"a": 1}, {"b": 2}]})


def test_a_rule_the_catalog_rejects_is_a_grammar_failure_in_natural_language(grammar: Any, reader_for: Any) -> None:
    answer = {"all": [{"field": "plan", "op": "eq", "value": "enterprise"}]}
    with cohere_standin(rules(answer)) as api:
        reading = _run("users on the gold plan", reader_for(api.url))
        assert reading.source == "cohere" and reading.notice == COHERE_ONLY
        with pytest.raises(RuleError) as caught:
            _run("plan = gold", reader_for(api.url))
    assert "allowed: free, pro, enterprise" in str(caught.value)
    assert len(api.requests) == 1  # the typed rule was not sent


def test_a_rejected_rule_keeps_its_error_when_cohere_fails_too(grammar: Any, reader_for: Any) -> None:
    with cohere_standin(Answer(status=503)) as api, pytest.raises(RuleError) as caught:
        _run("users on the gold plan", reader_for(api.url))
    assert "allowed: free, pro, enterprise" in str(caught.value) and "Cohere had an internal error" in str(caught.value)
