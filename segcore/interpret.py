"""From a marketer's text to a validated reading: the one entry point every handler calls.

Engines:

- ``grammar``: the grammar parser alone (exact, closed, free).
- ``cohere``: Cohere alone; without a reader, or when Cohere fails, a clear ``CohereUnavailable``.
- ``auto`` (default): the grammar, and Cohere as a second reader when one is configured:

  * hand-typed rule syntax the grammar reads fully ("visits > 50 and plan = pro", or a JSON rule) is not sent
    to Cohere: there is nothing to cross-check and the call would only cost money and time;
  * both read it and select the same audience: the grammar's reading with ``source="both"``;
  * they select different audiences: a reading with ``alternatives=(grammar's, Cohere's)`` that the caller
    must show and let the user pick from (see ``Reading``);
  * only one reads it: that one, with its ``source`` and a ``notice`` saying which;
  * neither: the grammar's ``ParseRefusal``, its message ending with why Cohere did not help.

"The same audience" is decided by ``compare`` (handlers count both rules on the workspace's data); without
it, by comparing the two MongoDB filters structurally (a stricter test: two filters written differently that
select the same users still count as a disagreement, which is the safe side).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from segcore import grammar, limits
from segcore.catalog import FieldCatalog
from segcore.cohere_reader import CohereReader, CohereUnavailable
from segcore.compile_mongo import events_as_written, to_mongo_filter
from segcore.errors import ParseRefusal, RuleError
from segcore.reading import Reading
from segcore.rules import Rule
from segcore.validation import validate

ENGINES = ("auto", "grammar", "cohere")

log = logging.getLogger("segcore.interpret")

DISAGREEMENT = "The grammar and Cohere read this differently: pick the one you meant."
COHERE_ONLY = "Read by Cohere only: the grammar could not read all of it."

Compare = Callable[[Rule, Rule], bool]


def interpret(
    text: str,
    catalog: FieldCatalog,
    now: datetime,
    engine: str = "auto",
    cohere: CohereReader | None = None,
    team_id: str = "local",
    compare: Compare | None = None,
) -> Reading:
    """Read ``text`` into a validated rule, or raise ``ParseRefusal`` / ``RuleError`` saying why not.

    ``CohereUnavailable`` (a ``SegmentError``) comes only from ``engine="cohere"``.
    """
    if engine not in ENGINES:
        raise ParseRefusal(f"Unknown engine {engine!r}; choose one of {', '.join(ENGINES)}.")
    if not isinstance(text, str) or not text.strip():
        raise ParseRefusal("There is nothing to read: describe the people you want, e.g. 'spent over 5k'.")
    if len(text) > limits.MAX_TEXT_LENGTH:
        raise ParseRefusal(
            f"That text is {len(text):,} characters long; a segment description can be at most "
            f"{limits.MAX_TEXT_LENGTH:,}."
        )
    if engine == "grammar":
        return _grammar(text, catalog, now)
    if engine == "cohere":
        if cohere is None:
            raise CohereUnavailable("not_configured")
        return cohere.read(text, catalog, now, team_id)
    return _auto(text, catalog, now, cohere, team_id, compare)


def _grammar(text: str, catalog: FieldCatalog, now: datetime) -> Reading:
    reading = grammar.parse(text, catalog, now)
    return Reading(validate(reading.rule, catalog), reading.assumptions, "grammar")


def _auto(
    text: str, catalog: FieldCatalog, now: datetime, cohere: CohereReader | None, team_id: str,
    compare: Compare | None,
) -> Reading:
    refusal: ParseRefusal | RuleError | None = None
    try:
        by_grammar: Reading | None = _grammar(text, catalog, now)
    except (ParseRefusal, RuleError) as exc:
        # RuleError: the grammar read words into a rule the catalog rejects ("the gold plan"); in natural
        # language Cohere may still read it right, so it counts as the grammar not reading it.
        by_grammar, refusal = None, exc
    if is_rule_syntax(text, catalog):
        if refusal is not None:
            raise refusal  # a typed rule the grammar rejects has a precise error; a model would only guess
        assert by_grammar is not None
        return by_grammar
    if cohere is None:
        if refusal is not None:
            raise _with_note(refusal, "Cohere is not configured, so only the grammar read this")
        assert by_grammar is not None
        return by_grammar
    try:
        by_cohere = cohere.read(text, catalog, now, team_id)
    except CohereUnavailable as exc:
        if refusal is not None:
            raise _with_note(refusal, exc.notice) from None
        assert by_grammar is not None
        return replace(by_grammar, notice=f"{exc.notice}; read by the grammar.")
    if by_grammar is None:
        log.info("read by cohere only: team=%s text_chars=%d", team_id, len(text))
        return replace(by_cohere, notice=COHERE_ONLY)
    if _same_audience(by_grammar.rule, by_cohere.rule, catalog, now, compare):
        return replace(by_grammar, source="both")
    # Worth watching: each disagreement is a grammar gap, a prompt gap or a genuinely ambiguous request.
    log.info("grammar and cohere disagree: team=%s text_chars=%d", team_id, len(text))
    return Reading(
        by_grammar.rule, by_grammar.assumptions, "grammar",
        alternatives=(by_grammar, by_cohere), notice=DISAGREEMENT,
    )


def _with_note(refusal: ParseRefusal | RuleError, note: str) -> ParseRefusal | RuleError:
    message = f"{refusal.message} ({note}.)"
    if isinstance(refusal, RuleError):
        return RuleError(message, refusal.path, refusal.field)
    return ParseRefusal(message, refusal.understood, refusal.not_understood)


def _same_audience(
    first: Rule, second: Rule, catalog: FieldCatalog, now: datetime, compare: Compare | None
) -> bool:
    if compare is not None:
        try:
            return bool(compare(first, second))
        except Exception as exc:  # counting is the handler's; a failed count must not fail the reading
            log.warning("audience comparison failed, comparing filters instead: %s", type(exc).__name__)
    return same_filter(to_mongo_filter(first, catalog, now, events_as_written(first)),
                       to_mongo_filter(second, catalog, now, events_as_written(second)))


# ------------------------------------------------------------------------------------ structural fallback


def same_filter(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """True when two MongoDB filters are the same up to the order of ``$and``/``$or`` items and set values."""
    return _canonical(first) == _canonical(second)


_UNORDERED = ("$and", "$or", "$nor", "$in", "$nin", "$all")


def _canonical(node: Any) -> Any:
    if isinstance(node, list | tuple):
        return [_canonical(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        value = _canonical(value)
        if key in ("$and", "$or") and isinstance(value, list):
            value = sorted(_flatten(key, value), key=_sort_key)
        elif key in _UNORDERED and isinstance(value, list):
            value = sorted(value, key=_sort_key)
        out[key] = value
    if set(out) == {"$and"}:
        return _merge_and(out["$and"])
    if set(out) == {"$or"} and len(out["$or"]) == 1:
        return out["$or"][0]
    return out


def _flatten(key: str, values: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for value in values:
        if isinstance(value, dict) and set(value) == {key}:
            flat.extend(value[key])
        else:
            flat.append(value)
    return flat


def _merge_and(values: list[Any]) -> Any:
    """``{"$and": [{"a": 1}, {"b": 2}]}`` is ``{"a": 1, "b": 2}`` when no field repeats."""
    merged: dict[str, Any] = {}
    for value in values:
        if not isinstance(value, dict) or any(k.startswith("$") or k in merged for k in value):
            return {"$and": values}
        merged.update(value)
    return merged


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


# -------------------------------------------------------------------------------------- rule syntax


_COMPARISON = r"(>=|<=|!=|==|=|>|<)"
_VALUE = r"""("[^"]*"|'[^']*'|[\w.,₹+-]+)"""
_JOINER = re.compile(r"\s+(?:and|or|&&|\|\|)\s+", re.IGNORECASE)


def is_rule_syntax(text: str, catalog: FieldCatalog) -> bool:
    """True for hand-typed rules: a JSON rule, or ``field op value`` clauses joined by and/or."""
    stripped = text.strip()
    if stripped.startswith("{") and stripped.endswith("}"):
        return True
    names = "|".join(re.escape(f.name) for f in catalog.queryable())
    clause = re.compile(rf"^\(?\s*({names})\s*{_COMPARISON}\s*{_VALUE}\s*\)?$", re.IGNORECASE)
    return all(clause.match(part.strip()) for part in _JOINER.split(stripped))
