"""A follow-up in a thread refines the rules the thread is about: "only in Mumbai", "and exclude vip".

The follow-up is read by the same reader as any request; this module only decides how it combines with
the previous rules. Nothing is guessed: a follow-up the reader refuses is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from segcore.catalog import FieldCatalog
from segcore.errors import ParseRefusal
from segcore.reading import Reading
from segcore.rules import AllOf, Condition, Not, Rule, all_of
from segcore.validation import validate

_LEADING = re.compile(r"^(?:and|but|also|only|just|now|then|plus|so|,|\+)\s+", re.I)
_TRAILING = re.compile(r"\s+(?:of (?:those|them)|among (?:those|them)|too|as well)\s*[.!?]*$", re.I)
_EXCLUDE = re.compile(r"^(?:exclude|excluding|except(?: for)?|without|minus|remove|drop|leave out|no)\s+(.+)$", re.I)
_SELECTS = ("eq", "in", "is", "has", "has_any")


def _clean(text: str) -> str:
    text = " ".join(text.split()).strip(" .!?")
    previous = None
    while previous != text:
        previous = text
        text = _LEADING.sub("", text)
    return _TRAILING.sub("", text).strip()


def negate(rule: Rule) -> Rule:
    """The opposite of a rule, as plainly as it can be written: "not tagged vip" rather than not(...)."""
    if isinstance(rule, Condition) and rule.op in ("has", "has_any"):
        values = rule.value if isinstance(rule.value, tuple) else (rule.value,)
        return Condition(rule.field, "has_none", values)
    if isinstance(rule, Not):
        return rule.rule
    return Not(rule)


def merge(previous: Rule, addition: Rule) -> Rule:
    """``previous`` and ``addition``; a new selection on a field ("only in Mumbai") replaces the old one
    on that field ("in Pune") instead of asking for both."""
    kept = list(previous.rules) if isinstance(previous, AllOf) else [previous]
    added = list(addition.rules) if isinstance(addition, AllOf) else [addition]
    for new in added:
        if isinstance(new, Condition) and new.op in _SELECTS:
            kept = [r for r in kept
                    if not (isinstance(r, Condition) and r.field == new.field and r.op in _SELECTS)]
    return all_of(*kept, *added)


def refine(previous: Rule, text: str, read: Callable[[str], Reading], catalog: FieldCatalog) -> tuple[Rule, Reading]:
    """The refined, validated rule and the reading of the follow-up (for its assumptions and source)."""
    cleaned = _clean(text)
    if not cleaned:
        raise ParseRefusal("Tell me how to narrow the segment, e.g. “only in Mumbai” or “and exclude vip”.")
    excluded = _EXCLUDE.match(cleaned)
    if excluded:
        reading = _read_group(excluded.group(1), read, catalog)
        addition = negate(reading.rule)
    else:
        reading = read(cleaned)
        addition = reading.rule
    return validate(merge(previous, addition), catalog), reading


def _read_group(words: str, read: Callable[[str], Reading], catalog: FieldCatalog) -> Reading:
    """Read what follows "exclude": a condition ("exclude people in Pune") or a bare tag ("exclude vip")."""
    attempts = [words, f"{words} users"]
    if "tags" in catalog:
        attempts.append(f"tagged {words}")
    first: ParseRefusal | None = None
    for attempt in attempts:
        try:
            return read(attempt)
        except ParseRefusal as exc:
            first = first or exc
    assert first is not None
    raise first
