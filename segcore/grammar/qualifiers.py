"""Words that name a group by time ("dormant", "lapsed", "new signups", "recently active") and say no time.

Alone they would select (almost) everyone, so they are refused with a hint. When the same sentence states
the window ("dormant customers who haven't visited in 90 days"), the window decides and the word adds
nothing (SPEC: a label that names the group adds no condition): it must agree with that window, never
contradict it, and the window must be a condition every selected user meets (a top-level "and" part).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from segcore.rules import AllOf, Condition, Not, Rule

if TYPE_CHECKING:
    from segcore.grammar.conditions import Context

# A window in which something happened, and one in which it did not.
_HAPPENED = frozenset({"within_last", "on", "after", "between"})
_DID_NOT = frozenset({"not_within_last", "more_than_ago", "before"})
HINT = ("over what time? Say e.g. 'active in the last 30 days', 'inactive for 3 months' or "
        "'new users this month'.")


@dataclass(frozen=True)
class Qualifier:
    """"dormant" (``lapsed`` True: nothing in the window) or "new signups" (something in it), and the
    date fields whose window can stand for it."""

    words: str
    lapsed: bool
    fields: tuple[str, ...]


def _top_level(rule: Rule) -> list[Rule]:
    return list(rule.rules) if isinstance(rule, AllOf) else [rule]


def _states(part: Rule, q: Qualifier) -> bool:
    if isinstance(part, Not) and isinstance(part.rule, Condition):
        return q.lapsed and part.rule.field in q.fields and part.rule.op in _HAPPENED
    if not isinstance(part, Condition) or part.field not in q.fields:
        return False
    return part.op in (_DID_NOT if q.lapsed else _HAPPENED)


def settle(rule: Rule | None, ctx: Context) -> None:
    """Each time word of the sentence either has its window stated elsewhere (noted) or is refused."""
    for q in ctx.qualifiers:
        if rule is not None and any(_states(part, q) for part in _top_level(rule)):
            ctx.note(f"'{q.words}' adds no condition: the time you gave decides")
        else:
            ctx.problem(f"'{q.words}': {HINT}")
    ctx.qualifiers.clear()
