"""One clause ("haven't visited in 5 months", "pro users in Delhi") to its conditions.

A clause is read by filling slots: a field mention, one payload (a quantity, a date, known values, an
opt-in word) and a negation. A second field or a second payload starts the next condition, so
"customers in Chennai spent more than ₹20,000" reads as two conditions. Field words that belong to two
fields ("visited": visits and last visit) are settled by the payload: a number picks the count, a date
the datetime. Nothing is guessed silently: what cannot be settled becomes a refusal naming the words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from segcore.catalog import Field, FieldCatalog
from segcore.grammar.amounts import Quantity
from segcore.grammar.dates import DateExpr
from segcore.grammar.kinds import ItemKind
from segcore.grammar.lexer import Item
from segcore.grammar.qualifiers import HINT, Qualifier
from segcore.grammar.vocabulary import Vocabulary
from segcore.rendering import format_number
from segcore.rules import AllOf, CalendarPeriod, Condition, Not, RelativeAmount, Rule

_INVERSE = {"gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt", "eq": "ne", "ne": "eq",
            "in": "not_in", "not_in": "in", "has": "has_none", "has_any": "has_none",
            "within_last": "not_within_last", "not_within_last": "within_last"}


@dataclass
class Context:
    catalog: FieldCatalog
    vocab: Vocabulary
    notes: list[str] = dc_field(default_factory=list)
    unknown: list[str] = dc_field(default_factory=list)
    problems: list[str] = dc_field(default_factory=list)
    last_quantity: Condition | None = None  # for "more than 5 orders but less than 10"
    last_date_field: str | None = None  # for "visited in the last 3 months but not in the last month"
    qualifiers: list[Qualifier] = dc_field(default_factory=list)  # "dormant", "new signups": settled last

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)


@dataclass
class _Group:
    neg: bool = False
    field: Item | None = None
    payload: Item | None = None
    clash: Item | None = None  # a date given to a lifetime number ("spent 5k in the last month")
    last: Item | None = None
    words: list[str] = dc_field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.field is None and self.payload is None and not self.neg


def _fields(ctx: Context, item: Item | None) -> list[Field]:
    if item is None:
        return []
    return [f for f in (ctx.catalog.get(n) for n in item.fields) if f is not None]


def _fits(ctx: Context, field_item: Item, payload: Item) -> bool:
    """Can this field mention and this payload make one condition?"""
    cands = _fields(ctx, field_item)
    if payload.kind in ("value", "quoted"):
        names = {n for n, _ in _all_values(payload)}
        if payload.kind == "quoted":
            return any(f.type in ("string", "array") for f in cands)
        return any(f.name in names for f in cands)
    if payload.kind == "qty":
        if payload.data.hint == "age":
            # "older than 54 active in the last month": an age, never the visits a date word links to;
            # "older than 27 spent over 5k": the age, never the spend named after it.
            return any(f.name == ctx.vocab.age_field for f in cands)
        return any(f.is_numeric or f.name in ctx.vocab.counts for f in cands)
    if payload.kind == "date":
        return any(f.type == "datetime" or f.is_numeric for f in cands)
    if payload.kind == "consent":
        return any(f.type == "bool" for f in cands)
    if payload.kind == "paid":
        return any(f.type == "string" and "free" in f.values for f in cands)
    if payload.kind == "unknown":
        return any(f.type == "array" and not f.closed for f in cands)
    return False


def _all_values(item: Item) -> list[tuple[str, str]]:
    out = list(item.values)
    for _, other in item.merged:
        out.extend(other.values)
    return out


@dataclass
class _Clause:
    """The slots being filled while one clause is read: the finished groups and the current one."""

    ctx: Context
    groups: list[_Group] = dc_field(default_factory=list)
    cur: _Group = dc_field(default_factory=_Group)

    def close(self) -> _Group:
        """Finish the current group (if it holds anything) and start the next one."""
        if not self.cur.empty:
            self.groups.append(self.cur)
        self.cur = _Group()
        return self.cur


# A clause reader takes one item into the slots. ``said`` readers' words become part of the condition's
# wording (shown in refusals); the others (fillers, unknown words) are not.
ClauseReader = Callable[[_Clause, Item], None]


def read_clause(items: list[Item], ctx: Context) -> list[Rule]:
    state = _Clause(ctx)
    for it in items:
        for _name, kinds, said, reader in CLAUSE_READERS:
            if kinds is None or it.kind in kinds:
                reader(state, it)
                if said:
                    state.cur.words.extend(it.words)
                state.cur.last = it
                break
    state.close()
    rules: list[Rule] = []
    for g in state.groups:
        rule = _resolve(g, ctx)
        if rule is not None:
            rules.append(rule)
    return rules


def _take_ignored(state: _Clause, it: Item) -> None:
    """Fillers, group nouns and "in"/"from" carry no condition of their own."""


def _take_unknown(state: _Clause, it: Item) -> None:
    """An unknown word is a value only where an open list field waits for one ("tagged foo")."""
    cur = state.cur
    if cur.field is not None and cur.payload is None and _fits(state.ctx, cur.field, it):
        cur.payload = Item("quoted", it.words, data=it.text)
    else:
        state.ctx.unknown.extend(it.words)


def _take_negation(state: _Clause, it: Item) -> None:
    if state.cur.field is not None or state.cur.payload is not None:
        state.close()
    state.cur.neg = not state.cur.neg


def _take_field(state: _Clause, it: Item) -> None:
    cur, ctx = state.cur, state.ctx
    if cur.field is not None:
        shared = tuple(n for n in cur.field.fields if n in it.fields)
        if cur.field.data == "window" and it.data != "window" and cur.payload is None and it.words:
            # "dormant customers last seen more than 90 days ago": "dormant" names the group; its
            # negation is no part of the date that follows.
            state.close().field = it
        elif cur.payload is None and shared:
            cur.field = Item("field", cur.field.words + it.words, fields=shared)
        else:
            state.close().field = it
    elif cur.payload is not None and not _fits(ctx, it, cur.payload):
        state.close().field = it
    else:
        # "with the foo tag": an unknown word right before an open array field is its value.
        if cur.payload is None and cur.last is not None and cur.last.kind == "unknown" and _fits(
                ctx, it, cur.last) and ctx.unknown and ctx.unknown[-1] == cur.last.words[-1]:
            ctx.unknown.pop()
            cur.payload = Item("quoted", cur.last.words, data=cur.last.text)
        cur.field = it


def _take_payload(state: _Clause, it: Item) -> None:
    """A value, quantity, date or opt-in word: this group's, an earlier field's still waiting, or the next's."""
    cur, ctx = state.cur, state.ctx
    if cur.payload is None and (cur.field is None or _fits(ctx, cur.field, it)):
        cur.payload = it
    elif it.kind == "date" and cur.payload is not None and cur.payload.kind == "qty" and cur.clash is None:
        cur.clash = it
    elif it.kind == "qty" and cur.payload is not None and cur.payload.kind == "date" and cur.field is not None \
            and not any(f.type == "datetime" for f in _fields(ctx, cur.field)) and cur.clash is None:
        cur.clash, cur.payload = cur.payload, it
    else:
        waiting = _waiting_field(state.groups, cur, it, ctx)
        if waiting is not None:
            # "visitors from Pune in the last week": the date belongs to "visitors".
            waiting.payload = it
        else:
            state.close().payload = it


def _take_condition(state: _Clause, it: Item) -> None:
    """A whole hand-typed condition stands alone."""
    state.close()
    state.cur.payload = it
    state.close()


def _take_vague(state: _Clause, it: Item) -> None:
    """A phrase read but deliberately not guessed ("last Monday"): refused with its hint."""
    state.ctx.unknown.extend(it.words)
    state.ctx.problem(str(it.data))


def _take_stray(state: _Clause, it: Item) -> None:
    """Structure words left inside a clause."""
    state.ctx.unknown.extend(it.words)


CLAUSE_READERS: tuple[tuple[str, frozenset[ItemKind] | None, bool, ClauseReader], ...] = (
    ("ignored words", frozenset({"filler", "noun", "loc"}), False, _take_ignored),
    ("unknown word", frozenset({"unknown"}), False, _take_unknown),
    ("negation", frozenset({"neg"}), True, _take_negation),
    ("field", frozenset({"field"}), True, _take_field),
    ("payload", frozenset({"value", "quoted", "qty", "date", "consent", "paid"}), True, _take_payload),
    ("typed condition", frozenset({"cond"}), True, _take_condition),
    ("vague phrase", frozenset({"vague"}), True, _take_vague),
    ("stray word", None, True, _take_stray),
)


def _waiting_field(groups: list[_Group], cur: _Group, item: Item, ctx: Context) -> _Group | None:
    """An earlier field mention in this clause still waiting for its value, that this value fits."""
    for g in reversed([*groups, cur]):
        if g.field is not None and g.payload is None and g.clash is None and _fits(ctx, g.field, item):
            return g
    return None


def _negate(rule: Rule) -> Rule:
    if isinstance(rule, Condition):
        if rule.op in _INVERSE and not (rule.op in ("has", "has_any") and rule.value is None):
            value = rule.value
            if rule.op == "has":
                value = (value,)
            return Condition(rule.field, _INVERSE[rule.op], value)
        if rule.op == "is":
            return Condition(rule.field, "is", not rule.value)
        if rule.op == "exists":
            return Condition(rule.field, "exists", not rule.value)
    if isinstance(rule, Not):
        return rule.rule
    return Not(rule)


def _resolve(g: _Group, ctx: Context) -> Rule | None:
    if g.payload is None and g.clash is None:
        if g.field is None:
            if g.neg:
                ctx.unknown.append("not")
            return None
        return _field_only(g, _fields(ctx, g.field), ctx, " ".join(g.words))
    rule = _positive(g, ctx)
    if rule is None:
        return None
    if (not g.neg and isinstance(rule, Condition) and rule.op == "within_last" and g.payload is not None
            and g.payload.kind == "date" and _tenure(g.payload.text) and rule.field not in ctx.vocab.counts):
        # "registered for more than 6 months", "been a customer for over a year": how long ago, not a window.
        # Only for one-off dates (signup); visits and orders keep the window ("haven't visited for 3 months").
        return Condition(rule.field, "more_than_ago", rule.value)
    return _negate(rule) if g.neg else rule


def _tenure(text: str) -> bool:
    words = text.lower().split()
    return bool(words) and words[0] == "for" and not {"last", "past", "previous", "recent", "the"} & set(words)


def _positive(g: _Group, ctx: Context) -> Rule | None:
    cands = _fields(ctx, g.field)
    p = g.payload
    said = " ".join(g.words)
    if g.clash is not None and p is not None and p.kind == "qty" and (_none(p.data) or _some(p.data)):
        # "zero orders in the last 30 days": no order in that window, the same as "no orders in 30 days";
        # "at least one order in the last month": an order in it. Other counts in a window stay refused.
        dated = next((ctx.vocab.recency[c.name] for c in cands if c.name in ctx.vocab.recency), None)
        if dated is None:
            dated = next((c.name for c in cands if c.type == "datetime" and c.name in ctx.vocab.counts), None)
        if dated is not None:
            rule = _date(g.clash.data, [ctx.catalog.field(dated)], ctx, said)
            if rule is None or _some(p.data):
                return rule
            return _negate(rule)
    if g.clash is not None:
        numeric = next((f for f in cands if f.is_numeric), None)
        what = numeric.label if numeric else "that number"
        ctx.problem(
            f"'{said}': {what} is a lifetime total, so it cannot be limited to a time window "
            f"('{g.clash.text}'). Ask for the total alone, or for a date such as 'ordered in the last month'."
        )
        return None
    if p is None:
        return None
    if p.kind == "cond":  # a hand-typed condition, or an event (behaviour.py)
        return p.data
    if p.kind == "qty":
        return _quantity(p.data, cands, ctx, said)
    if p.kind == "date":
        return _date(p.data, cands, ctx, said)
    if p.kind in ("value", "quoted"):
        return _values(p, cands, ctx, said)
    if p.kind == "consent":
        return _consent(p, cands, ctx, said)
    if p.kind == "paid":
        for f in ctx.catalog.queryable():
            if f.type == "string" and "free" in f.values and (not cands or f in cands):
                ctx.note(f"'{p.text}' read as {f.label} other than free")
                return Condition(f.name, "ne", "free")
        ctx.unknown.extend(p.words)
        return None
    ctx.unknown.extend(p.words)
    return None


def _none(q: Quantity) -> bool:
    """"zero", "0", "fewer than 1": none at all."""
    return (q.op == "eq" and q.low == 0) or (q.op == "lt" and q.low == 1) or (q.op == "lte" and q.low == 0)


def _some(q: Quantity) -> bool:
    """"at least one", "at least once", "more than 0": any at all."""
    return (q.op == "gte" and q.low == 1) or (q.op == "gt" and q.low == 0)


# Words that only make sense with a time: "active users", "new signups" alone would be (almost) everyone.
_NEEDS_WINDOW = frozenset({"active", "engaged", "activity", "engagement", "new", "signups", "sign", "newly",
                           "recent", "recently"})


def _field_only(g: _Group, cands: list[Field], ctx: Context, said: str) -> Rule | None:
    if not cands:
        return None
    assert g.field is not None
    if g.field.data == "window" or {w.lower() for w in g.field.words} & _NEEDS_WINDOW:
        # A window stated elsewhere in the sentence may settle it ("dormant users who haven't visited in
        # 90 days"); qualifiers.settle decides once the whole sentence is read.
        windows = tuple(f.name for f in cands if f.type == "datetime")
        if g.neg:
            windows += tuple(n for n in ctx.vocab.counts if n not in windows)  # lapsed: no visit or no order
        if not windows:
            ctx.problem(f"'{said}': {HINT}")
            return None
        ctx.qualifiers.append(Qualifier(said, g.neg, windows))
        return None
    boolean = next((f for f in cands if f.type == "bool"), None)
    if boolean is not None and not g.neg:
        return Condition(boolean.name, "is", True)
    dated = next((f for f in cands if f.type == "datetime"), None)
    count = next((f for f in cands if f.is_numeric), None)
    if g.neg:
        if boolean is not None:
            return Condition(boolean.name, "is", False)
        if dated is not None:
            # SPEC: the field is missing when nothing is recorded, so "never visited" = no recorded visit.
            ctx.note(f"'{said}' read as no {dated.label} recorded")
            ctx.last_date_field = dated.name
            return Condition(dated.name, "exists", False)
        if count is not None:
            return Condition(count.name, "eq", 0)
    else:
        if dated is not None:
            ctx.last_date_field = dated.name  # "ordered, but not in the last 30 days"
            return Condition(dated.name, "exists", True)
        if count is not None:
            ctx.note(f"'{said}' read as {count.label} more than 0")
            return Condition(count.name, "gt", 0)
    text = next((f for f in cands if f.type == "string" and not f.values), None)
    if text is not None:
        return Condition(text.name, "exists", not g.neg)  # "users with email", "without a name"
    ctx.problem(f"'{said}': which {cands[0].label}? Name a value, e.g. '{cands[0].label} is ...'.")
    return None


def _quantity(q: Quantity, cands: list[Field], ctx: Context, said: str) -> Rule | None:
    f = next((c for c in cands if c.is_numeric), None)
    if f is None:
        # "ordered twice": a number of times on a date word means its count field.
        counted = next((ctx.vocab.counts[c.name] for c in cands if c.name in ctx.vocab.counts), None)
        if counted is not None:
            f = ctx.catalog.get(counted)
    if f is None and q.hint and ctx.vocab.age_field and not cands:
        f = ctx.catalog.get(ctx.vocab.age_field)
    previous = ctx.last_quantity
    if (f is None and not cands and previous is not None and not q.hint and not q.times
            and {q.op, previous.op} in ({"gt", "lt"}, {"gt", "lte"}, {"gte", "lt"}, {"gte", "lte"})):
        # "more than 5 orders but less than 10": the other end of the same range.
        f = ctx.catalog.get(previous.field)
        if f is not None:
            ctx.note(f"'{q.text}' read as {f.label}, like the number before it")
    if f is None and not cands:
        if q.money and ctx.vocab.money_field:
            f = ctx.catalog.get(ctx.vocab.money_field)
        elif (not q.times and q.op in ("gt", "gte", "lt", "lte", "between") and ctx.vocab.age_field
              and not q.scaled):
            f = ctx.catalog.get(ctx.vocab.age_field)
            if f is not None:
                ctx.note(f"'{q.text}' read as {f.label} (no other field was named)")
    if f is None:
        if cands:
            ctx.problem(f"'{said}': {cands[0].label} does not take a number.")
        else:
            ctx.problem(f"'{said}': more or less of what? Name the field, e.g. '{q.text} visits'.")
        return None
    if q.money and not f.money and not cands:
        ctx.problem(f"'{said}': {f.label} is not an amount of money.")
        return None
    bought = ctx.vocab.catalog_words.get(("bought",))
    if (q.money and not f.money and bought is not None and f.name in bought.fields and ctx.vocab.money_field
            and not q.times):
        # "orders above ₹5,000", "purchases over 1 lakh": an amount of money is what they were worth.
        money = ctx.catalog.field(ctx.vocab.money_field)
        ctx.note(f"'{said}' read as {money.label} (an amount of money, not a number of {f.label})")
        f = money
    op = q.op
    if op == "eq" and not q.explicit and f.money and q.low != 0:
        op = "gte"
        ctx.note(f"'{q.text}' read as at least {format_number(f, q.low)} of {f.label}")
    elif f.money and (q.scaled or not cands):
        shown = " and ".join(format_number(f, v) for v in (q.low, q.high) if v is not None)
        ctx.note(f"'{q.text}' read as {shown} of {f.label}")
    if op == "between":
        low, high = q.low, q.high
        assert high is not None
        if low > high:
            low, high = high, low
        return Condition(f.name, "between", (low, high))
    ctx.last_quantity = Condition(f.name, op, q.low)
    return ctx.last_quantity


def _date(d: DateExpr, cands: list[Field], ctx: Context, said: str) -> Rule | None:
    f = next((c for c in cands if c.type == "datetime"), None)
    numeric = next((c for c in cands if c.is_numeric), None)
    if d.numbers is not None and numeric is not None and f is None:
        # "between 2000 and 2100 visits": years only when the field is a date; a word that names both a
        # count and a date ("visited between 2015 and 2024") has its date read, as "ordered" does.
        return Condition(numeric.name, "between", d.numbers)
    if f is None:
        linked = next((ctx.vocab.recency[c.name] for c in cands if c.name in ctx.vocab.recency), None)
        if linked is not None:
            f = ctx.catalog.get(linked)
        elif cands:
            ctx.problem(
                f"'{said}': {cands[0].label} is a lifetime total, so it cannot be limited to a time window "
                f"('{d.text}')."
            )
            return None
    if f is None and not cands and ctx.last_date_field is not None:
        f = ctx.catalog.get(ctx.last_date_field)
        if f is not None:
            ctx.note(f"'{d.text}' read as {f.verb or f.label}, like the date before it")
    if f is None:
        dated = ", ".join(c.verb or c.label for c in ctx.catalog.queryable() if c.type == "datetime")
        ctx.problem(f"'{d.text}': which date? Say what happened then, e.g. {dated}.")
        return None
    if d.note:
        ctx.note(d.note)
    value: Any = d.value
    if isinstance(value, RelativeAmount) and value.unit in ("month", "quarter", "year"):
        ctx.note(f"'{value.words()}' counted back from now as calendar months")
    if isinstance(value, CalendarPeriod) and value.period == "week":
        ctx.note("weeks run Monday to Monday")  # in the workspace's zone, which the card names
    ctx.last_date_field = f.name
    if d.op == "ago_range":
        near, far = value
        return AllOf((Condition(f.name, "within_last", far), Condition(f.name, "more_than_ago", near)))
    return Condition(f.name, d.op, value)


def _values(p: Item, cands: list[Field], ctx: Context, said: str) -> Rule | None:
    parts = [("", p), *p.merged]
    names: list[str] | None = None
    for _, it in parts:
        if it.kind == "quoted":
            continue
        mine = [n for n, _ in it.values]
        names = mine if names is None else [n for n in names if n in mine]
    if cands:
        allowed = [c.name for c in cands if c.type in ("string", "array")]
        names = allowed if names is None else [n for n in names if n in allowed]
    if not names:
        ctx.problem(f"'{said}': these values belong to different fields; join them with 'or' per field.")
        return None
    f = ctx.catalog.field(names[0])
    values: list[str] = []
    for _, it in parts:
        if it.kind == "quoted":
            values.append(str(it.data))
        else:
            values.append(next(v for n, v in it.values if n == f.name))
    conj = {c for c, _ in p.merged}
    if f.type == "array":
        if len(values) == 1:
            return Condition(f.name, "has", values[0])
        if "and" in conj and "or" not in conj:  # "tagged vip and beta", "vip, beta and student users"
            return Condition(f.name, "has_all", tuple(values))
        return Condition(f.name, "has_any", tuple(values))
    if len(values) == 1:
        return Condition(f.name, "eq", values[0])
    if "and" in conj and "or" not in conj:
        written = " and ".join(it.text for _, it in parts)
        ctx.note(f"'{written}' read as any of {', '.join(values)} (a user has one {f.label})")
    return Condition(f.name, "in", tuple(values))


def _consent(p: Item, cands: list[Field], ctx: Context, said: str) -> Rule | None:
    consent = ctx.vocab.consent
    name = None
    if isinstance(p.data, str) and p.data in consent:
        name = consent[p.data]
    elif cands and cands[0].type == "bool":
        name = cands[0].name
    elif len(set(consent.values())) == 1:
        name = next(iter(consent.values()))
    if name is None:
        ctx.problem(f"'{said}': opted in to what? Name the channel, e.g. 'opted in to email'.")
        return None
    return Condition(name, "is", bool(p.flag))
