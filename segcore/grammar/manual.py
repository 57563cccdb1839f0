"""The hand-typed rule syntax: ``field op value`` for text, list, yes/no and presence tests.

``city in (Delhi, Pune)``, ``plan != free``, ``tags has vip``, ``name contains "shah"``,
``email_opt_in = true``, ``last_order_at exists``. Numbers and dates after a field name ("visits > 50",
"signup_date after 2025-06-01") are read by the same quantity and date readers as natural language.
"""

from __future__ import annotations

from segcore.catalog import Field
from segcore.grammar.conditions import Context
from segcore.grammar.lexer import Item
from segcore.rules import Condition

_OPS: dict[tuple[str, ...], str] = {}
for _op, _phrases in {
    "eq": "=|==|is|eq|equals|is equal to|equal to|is exactly|exactly",
    "ne": "!=|<>|≠|ne|is not|isn't|not|is not equal to|not equal to|other than|is other than",
    "in": "in|is in|is one of|is any of|one of|any of|is either|in any of",
    "not_in": "not in|not_in|is not in|is not one of|not one of|none of|is none of|is neither|nin",
    "contains": "contains|contain|containing|includes text|contains text|matches|like",
    "has": "has|have|includes|include|including|has tag|with tag",
    "has_any": "has_any|has any of|has any|with any of|have any of",
    "has_all": "has_all|has all of|has all|with all of|have all of|has both",
    "has_none": "has_none|has none of|has no|has neither|have none of|with none of|lacks",
    "exists": "exists|is recorded|is known|is set|is present|is available|is not empty|is not missing",
    "missing": "does not exist|doesn't exist|is not recorded|is missing|is unknown|is not set|is empty|"
    "is not known|is absent|not exists|is null|is none",
}.items():
    for _p in _phrases.split("|"):
        _OPS[tuple(_p.split())] = _op

_FOR_ARRAY = {"eq": "has", "ne": "has_none", "in": "has_any", "not_in": "has_none", "contains": "has"}
_LIST_OPS = frozenset({"in", "not_in", "has_any", "has_all", "has_none"})
_TRUE = frozenset({"true", "yes", "y", "t", "on"})
_FALSE = frozenset({"false", "no", "n", "f", "off"})
_STOP = frozenset({"and", "or", "comma", "rel", "rp", "colon", "field", "qty", "date", "neg", "consent", "cond"})


def _ops_at(items: list[Item], i: int) -> list[tuple[str, int]]:
    """Written operators starting at ``i``, longest first ("is not in", then "is not", then "is")."""
    found = []
    for n in (3, 2, 1):
        span = items[i:i + n]
        if len(span) < n or any(it.kind in ("quoted", "value", "qty", "date", "lp") for it in span):
            continue
        key = tuple(w.lower() for it in span for w in it.words)
        if key in _OPS:
            found.append((_OPS[key], i + n))
    return found


def _applies(f: Field, op: str) -> str | None:
    """The catalog operator this written operator means for the field, or None."""
    if op in ("exists", "missing"):
        return op
    if f.type == "string" and op in ("eq", "ne", "in", "not_in", "contains"):
        return op
    if f.type == "array":
        return _FOR_ARRAY.get(op, op if op in ("has", "has_any", "has_all", "has_none") else None)
    if f.type == "bool" and op in ("eq", "ne"):
        return op
    return None


def _text(item: Item, f: Field) -> str:
    if item.kind == "quoted":
        return str(item.data)
    if item.kind == "value":
        for name, value in item.values:
            if name == f.name:
                return value
    return item.text


def _read_values(items: list[Item], j: int, f: Field) -> tuple[list[str], int] | None:
    if j >= len(items):
        return None
    if items[j].kind == "lp":
        values: list[str] = []
        current: list[Item] = []
        k = j + 1
        while k < len(items) and items[k].kind != "rp":
            if items[k].kind in ("comma", "or", "and"):
                if current:
                    values.append(" ".join(_text(c, f) for c in current))
                current = []
            elif items[k].kind == "lp":
                return None
            else:
                current.append(items[k])
            k += 1
        if k >= len(items):
            return None
        if current:
            values.append(" ".join(_text(c, f) for c in current))
        return (values, k + 1) if values else None
    first = items[j]
    if first.kind in ("quoted", "value") and (first.kind == "quoted" or any(n == f.name for n, _ in first.values)):
        return [_text(first, f)], j + 1
    run: list[Item] = []
    k = j
    while k < len(items) and items[k].kind not in _STOP and items[k].kind != "lp":
        run.append(items[k])
        k += 1
    if not run:
        return None
    return [" ".join(_text(c, f) for c in run)], k


def read_manual(items: list[Item], i: int, ctx: Context) -> tuple[Item, int] | None:
    """A hand-typed condition starting at the field item ``items[i]``, and the index after it."""
    for written, j in _ops_at(items, i + 1):
        found = _read_condition(items, i, j, written, ctx)
        if found is not None:
            return found
    return None


def _read_condition(items: list[Item], i: int, j: int, written: str, ctx: Context) -> tuple[Item, int] | None:
    for name in items[i].fields:
        f = ctx.catalog.get(name)
        if f is None:
            continue
        op = _applies(f, written)
        if op is None:
            continue
        words = [w for it in items[i:j] for w in it.words]
        if op in ("exists", "missing"):
            cond = Condition(f.name, "exists", op == "exists")
            return Item("cond", words, fields=(f.name,), data=cond), j
        read = _read_values(items, j, f)
        if read is None:
            return None
        values, end = read
        words += [w for it in items[j:end] for w in it.words]
        if f.type == "bool":
            word = values[0].lower()
            if len(values) != 1 or word not in _TRUE | _FALSE:
                return None
            cond = Condition(f.name, "is", (word in _TRUE) == (op == "eq"))
        elif op in _LIST_OPS:
            cond = Condition(f.name, op, tuple(values))
        elif len(values) > 1:
            list_op = {"eq": "in", "ne": "not_in", "has": "has_any"}.get(op)
            if list_op is None:
                return None
            cond = Condition(f.name, list_op, tuple(values))
        else:
            cond = Condition(f.name, op, values[0])
        return Item("cond", words, fields=(f.name,), data=cond), end
    return None


def widen(cond: Condition, value: str, conj: str) -> Condition | None:
    """``city is Pune`` + ``or Delhi`` -> ``city in (Pune, Delhi)``; None when the value cannot join."""
    op, old = cond.op, cond.value
    listed = tuple(old) if isinstance(old, tuple) else (old,)
    if op in ("eq", "in"):
        return Condition(cond.field, "in", (*listed, value))
    if op in ("ne", "not_in"):
        return Condition(cond.field, "not_in", (*listed, value))
    if op == "has":
        return Condition(cond.field, "has_all" if conj == "and" else "has_any", (*listed, value))
    if op in ("has_any", "has_none", "has_all"):
        return Condition(cond.field, op, (*listed, value))
    return None
