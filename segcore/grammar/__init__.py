"""The grammar parser: natural language and hand-typed rules into a rule tree, with no network or model.

``parse(text, catalog, now)`` returns a ``Reading`` (a validated rule and the assumptions made, each a
sentence a marketer can check) or raises ``ParseRefusal`` naming the words it did not understand. It
never silently drops a condition: every word is read as part of a condition, a connective, or one of a
fixed set of polite fillers and group nouns ("show me", "users").

The pipeline, one module each: ``tokens`` (text to tokens), ``amounts`` and ``dates`` (numbers and date
phrases), ``vocabulary`` (the catalog's words), ``lexer`` (tokens to items), ``manual`` (``field op
value``), ``conditions`` (one clause to conditions), ``structure`` (and/or/not/parentheses).
"""

from __future__ import annotations

from datetime import UTC, datetime

from segcore import limits
from segcore.catalog import FieldCatalog
from segcore.errors import ParseRefusal
from segcore.grammar.conditions import Context
from segcore.grammar.lexer import Item, lex
from segcore.grammar.manual import read_manual
from segcore.grammar.qualifiers import settle
from segcore.grammar.structure import build, to_units
from segcore.grammar.vocabulary import vocabulary
from segcore.reading import Reading
from segcore.rendering import describe
from segcore.rules import Rule, conditions, event_conditions
from segcore.validation import validate

__all__ = ["parse"]


def parse(text: str, catalog: FieldCatalog, now: datetime) -> Reading:
    """Read ``text`` into a validated rule; raise ``ParseRefusal`` (or ``RuleError`` for a value the
    catalog does not allow, e.g. an unknown plan) rather than guess."""
    if not isinstance(text, str) or not text.strip():
        raise ParseRefusal("There is nothing to read: describe the people you want, e.g. 'spent over 5k'.")
    if len(text) > limits.MAX_TEXT_LENGTH:
        raise ParseRefusal(f"That text is too long: at most {limits.MAX_TEXT_LENGTH:,} characters.")
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    # ``now`` stays on the workspace's clock: a bare month name is its most recent occurrence there.
    vocab = vocabulary(catalog)
    notes: list[str] = []
    items = lex(text, vocab, now, notes)
    items, label = _colon_label(items)
    ctx = Context(catalog, vocab, notes)
    rule = _read(items, ctx)
    if (ctx.unknown or ctx.problems) and label is None:
        retry = _leading_label(items)
        if retry is not None:
            label_items, rest = retry
            second = Context(catalog, vocab, list(notes))
            second_rule = _read(rest, second)
            if second_rule is not None and not second.unknown and not second.problems:
                ctx, rule, label = second, second_rule, label_items
    if ctx.unknown or ctx.problems:
        raise _refusal(ctx, rule, catalog)
    if rule is None:
        raise ParseRefusal(
            "That names no condition (it would be everyone). Add one, e.g. 'spent over 5k', 'in Pune' or "
            "'visited in the last 30 days'."
        )
    if label:
        ctx.note(f"'{label}' taken as a name for the group, not a condition")
    return Reading(validate(rule, catalog), tuple(ctx.notes), "grammar")


def _read(items: list[Item], ctx: Context) -> Rule | None:
    joined: list[Item] = []
    i = 0
    while i < len(items):
        if items[i].kind == "field":
            found = read_manual(items, i, ctx)
            if found is not None:
                joined.append(found[0])
                i = found[1]
                continue
        joined.append(items[i])
        i += 1
    rule = build(to_units(joined, ctx), ctx)
    settle(rule, ctx)
    return rule


def _colon_label(items: list[Item]) -> tuple[list[Item], str | None]:
    """"big spenders: total_spend > 100000" -> the words before the colon name the group."""
    for index, it in enumerate(items):
        if it.kind == "colon":
            prefix = items[:index]
            rest = [x for x in items[index + 1:] if x.kind != "colon"]
            if any(x.kind not in ("unknown", "filler", "noun") for x in prefix):
                # "visits: more than 10" - the words before the colon are part of the request.
                return prefix + rest, None
            label = " ".join(w for x in prefix if x.kind == "unknown" for w in x.words)
            return rest, (label or None)
    return items, None


def _leading_label(items: list[Item]) -> tuple[str, list[Item]] | None:
    """"high value customers with ..." -> the leading unknown words and their group noun are a label."""
    for index, it in enumerate(items):
        if it.kind in ("noun", "rel"):
            prefix = items[: index + 1] if it.kind == "noun" else items[:index]
            if prefix and any(x.kind == "unknown" for x in prefix) and all(
                    x.kind in ("unknown", "filler", "noun") for x in prefix):
                return " ".join(w for x in prefix for w in x.words), items[len(prefix):]
            # "high-value VIP customers": leading words before the values that name the group.
            lead = 0
            while lead < index and items[lead].kind in ("unknown", "filler"):
                lead += 1
            named = items[lead:index]
            if (it.kind == "noun" and any(x.kind == "unknown" for x in items[:lead]) and named
                    and named[0].kind == "value" and all(x.kind in ("value", "or", "and", "comma") for x in named)):
                return " ".join(w for x in items[:lead] for w in x.words), items[lead:]
            return None
    return None


def _refusal(ctx: Context, rule: Rule | None, catalog: FieldCatalog) -> ParseRefusal:
    understood: list[str] = []
    if rule is not None:
        leaves: list[Rule] = [*conditions(rule), *event_conditions(rule)]
        for cond in leaves:
            try:
                understood.append(describe(cond, catalog))
            except Exception:  # an unvalidated value may not render; the refusal matters more
                continue
    parts: list[str] = []
    unknown = list(dict.fromkeys(ctx.unknown))
    if unknown:
        quoted = ", ".join(f"'{w}'" for w in unknown)
        parts.append(f"I did not understand {quoted}, so I did not guess.")
    parts.extend(ctx.problems)
    if understood:
        parts.append("I did understand: " + "; ".join(understood) + ".")
    return ParseRefusal(" ".join(parts), understood=understood, not_understood=unknown)
