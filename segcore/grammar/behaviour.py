"""What people did (SPEC "Behaviour"): event phrases to event conditions, from the event catalog's words.

"viewed electronics at least 3 times in the last 30 days", "never opened an email", "opened the Diwali Sale
email", "added to cart in the last 7 days but didn't start checkout". A phrase starts at an event's verb
(a word of one of its synonyms, in any of its forms: "opened", "open", "opening", "opens"); the rest of
the synonym's words follow in order, and between them may come articles ("a", "the", "their"), plain
object words ("products", "something"), the event's property values ("electronics", "Diwali Sale"), one
count ("at least 3 times", "twice", "5") and one window (read by the date reader: "in the last 30 days",
"last month", "this year"). A negation right before the verb ("didn't", "haven't", "no", "without") is a
count of 0 in the window; "never" is a count of 0 in all time. A negated event with no window of its own
takes the window of the event before it in the sentence (SPEC: the abandoned cart).

Words that the field catalog already reads ("ordered", "bought", "placed an order") keep their field
reading when it can say the same thing; only a count inside a window, or a window carried to a negated
event, needs the events ("bought at least 3 times in the last 90 days").

Everything is read from the catalog, so a workspace's own events and property values are understood
without code. The phrase becomes one ``cond`` item of the lexer, read by the clause reader like a
hand-typed condition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from segcore.catalog import Event, FieldCatalog
from segcore.errors import SegmentError
from segcore.grammar.amounts import read_quantity
from segcore.grammar.dates import read_date
from segcore.grammar.phrases import PhraseTable, low_at
from segcore.grammar.tokens import Token, phrase_key, shown
from segcore.rules import (
    AT_LEAST_ONCE,
    AllOf,
    CalendarPeriod,
    Condition,
    EventCondition,
    EventCount,
    EventWindow,
    Not,
    PropertyCondition,
    Rule,
)

if TYPE_CHECKING:
    from segcore.grammar.lexer import Item
    from segcore.grammar.vocabulary import Vocabulary

# Words that may sit between an event's words without meaning anything: "added something to their cart",
# "opened an email", "viewed products".
_ARTICLES = frozenset({"a", "an", "the", "their", "his", "her", "my", "our", "any", "some", "one", "ones"})
_PREPOSITIONS = frozenset({"to", "in", "at", "on", "of", "for", "from", "into", "through"})
_OBJECTS = frozenset({"something", "anything", "product", "products", "item", "items", "stuff", "things"})
# Negations that count none within the window ("didn't", "haven't", "no"); "never" counts none ever.
_NEVER = frozenset({"never", "have never", "has never", "never ever", "had never"})
_INVERSE_COUNT = {"gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}
_WINDOW_OPS = frozenset({"within_last", "more_than_ago", "before", "after", "on", "between"})
# Irregular past tenses: a bare verb in the past says the event happened ("users who browsed").
_IRREGULAR_PAST = frozenset({"bought", "put", "began", "went", "made", "got", "paid", "sent", "spent"})


@dataclass(frozen=True)
class _Pattern:
    event: Event
    stems: tuple[frozenset[str], ...]  # the synonym's words (articles left out), each as its stems


@dataclass
class EventWords:
    """The event catalog's words, built once per catalog (kept on its grammar vocabulary)."""

    by_verb: dict[str, list[_Pattern]] = field(default_factory=dict)
    values: dict[str, PhraseTable[tuple[str, str]]] = field(default_factory=dict)  # event -> value phrases
    catalogs: dict[str, FieldCatalog] = field(default_factory=dict)  # event -> its properties as fields
    objects: dict[str, frozenset[str]] = field(default_factory=dict)  # event -> its object words ("email")


@lru_cache(maxsize=8192)
def stems(word: str) -> frozenset[str]:
    """The forms a word may come from: "opened", "opening", "opens" and "open" share "open"."""
    w = word.lower()
    out = {w}
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        out.add(w[:-1])
        if w.endswith("es"):
            out.add(w[:-2])
        if w.endswith("ies"):
            out.add(w[:-3] + "y")
    if len(w) > 4 and w.endswith("ed"):
        out |= {w[:-2], w[:-1]}
        if w.endswith("ied"):
            out.add(w[:-3] + "y")
        if len(w) > 5 and w[-3] == w[-4]:
            out.add(w[:-3])  # "shopped": shop
    if len(w) > 5 and w.endswith("ing"):
        out |= {w[:-3], w[:-3] + "e"}
        if w[-4] == w[-5]:
            out.add(w[:-4])
    return frozenset(out)


def event_words(catalog: FieldCatalog) -> EventWords:
    words = EventWords()
    for event in catalog.events:
        objects: set[str] = set()
        for synonym in dict.fromkeys((event.label, *event.synonyms)):
            key = [w for w in phrase_key(synonym) if w not in _ARTICLES]
            if not key:
                continue
            objects.update(s for w in key[1:] if w not in _PREPOSITIONS for s in stems(w))
            pattern = _Pattern(event, tuple(stems(w) for w in key))
            for stem in pattern.stems[0]:
                listed = words.by_verb.setdefault(stem, [])
                if pattern not in listed:
                    listed.append(pattern)
        table: PhraseTable[tuple[str, str]] = PhraseTable()
        for prop in event.properties:
            if prop.type not in ("string", "array"):
                continue
            for value in prop.values:
                table.add(phrase_key(value), (prop.name, value))
            for alias, target in prop.aliases.items():
                table.add(phrase_key(alias), (prop.name, prop.canonical_value(target) or target))
        words.values[event.name] = table
        words.objects[event.name] = frozenset(objects)
        if event.properties:
            words.catalogs[event.name] = FieldCatalog(event.properties)
    return words


_SAME_PREPS = frozenset({"in", "within", "during", "over", "for"})
_SAME_WORDS = frozenset({"time", "window", "period", "span", "days", "weeks", "months", "quarters", "years", "day",
                         "week", "month", "quarter", "year"})


def _same_window(tokens: Sequence[Token], j: int) -> int | None:
    """"in those 7 days", "in that time", "within the same period": the window of the event before."""
    if low_at(tokens, j) not in _SAME_PREPS:
        return None
    k = j + 1
    if low_at(tokens, k) in ("those", "that"):
        k += 1
    elif low_at(tokens, k) == "the" and low_at(tokens, k + 1) == "same":
        k += 2
    else:
        return None
    if k < len(tokens) and tokens[k].kind == "num":
        k += 1
    if low_at(tokens, k) not in _SAME_WORDS:
        return None
    return k + 1


@dataclass
class _Reading:
    event: Event
    end: int
    keys: int  # how many of the synonym's words were found
    complete: bool
    where: list[PropertyCondition] = field(default_factory=list)
    count: Any = None  # a Quantity
    count_text: str = ""
    window: Any = None  # a DateExpr
    same_window: bool = False  # "in those 7 days": the window of the event before
    words_in_field_catalog: bool = False


def read_event(vocab: Vocabulary, tokens: Sequence[Token], i: int, items: list[Item], now: datetime,
               notes: list[str]) -> int | None:
    """An event phrase starting at ``tokens[i]``: appended to ``items`` as one condition (taking the
    negation right before it), returning the index after it; None when there is none to read here."""
    words: EventWords | None = getattr(vocab, "events", None)
    if words is None or tokens[i].kind != "word":
        return None
    candidates: list[_Pattern] = []
    for stem in stems(tokens[i].low):
        for pattern in words.by_verb.get(stem, ()):
            if pattern not in candidates:
                candidates.append(pattern)
    if not candidates:
        return None
    readings = [r for r in (_match(p, words, vocab, tokens, i, now) for p in candidates) if r is not None]
    if not readings:
        return None
    best = max(readings, key=lambda r: (r.complete, r.end, r.keys))
    negation, dropped = _negation(items)
    if best.count is None and not dropped and items and items[-1].kind == "qty" and not _past(tokens[i].low) \
            and _is_count(items[-1].data) and not (best.keys == 1 and _is_field_word(vocab, tokens[i].low)):
        # "more than 5 email opens", "3 checkouts": the count before the event's noun ("2 orders in the last
        # month" stays the orders field's, which refuses a window).
        best.count, best.count_text, dropped = items[-1].data, items[-1].text, 1
    carried = None
    if (negation is not None and negation not in _NEVER and best.window is None) or best.same_window:
        carried = _last_window(items[:len(items) - dropped])
        if best.same_window and carried is None:
            return None  # "in those 7 days" with no window before: not read, so refused
    if not _said_enough(best, tokens, i, negation is not None):
        return None
    if _field_reading_will_do(best, vocab, tokens, i, carried):
        return None
    rule = _rule(best, negation, carried, tokens, i, notes)
    if rule is None:
        return None
    from segcore.grammar.lexer import Item  # the lexer imports this module

    said = shown(tokens[i:best.end])
    if dropped:
        said = " ".join([*(w for it in items[len(items) - dropped:] for w in it.words), said])
        del items[len(items) - dropped:]
    items.append(Item("cond", [said], data=rule))
    return best.end


def _match(pattern: _Pattern, words: EventWords, vocab: Vocabulary, tokens: Sequence[Token], i: int,
           now: datetime) -> _Reading | None:
    event = pattern.event
    reading = _Reading(event, i + 1, 1, len(pattern.stems) == 1)
    values = words.values.get(event.name)
    texts = [p for p in event.properties if p.type == "string"]
    j = i + 1
    while j < len(tokens):
        tok = tokens[j]
        if reading.keys < len(pattern.stems) and stems(tok.low) & pattern.stems[reading.keys]:
            reading.keys += 1
            j += 1
            reading.complete = reading.keys == len(pattern.stems)
            reading.end = j
            continue
        if reading.window is None and not reading.same_window:
            same = _same_window(tokens, j)
            if same is not None:
                reading.same_window, j = True, same
                reading.end = j
                continue
            date = read_date(tokens, j, now)
            if date is not None and date[0].op in _WINDOW_OPS | {"ago_range"}:
                reading.window, j = date
                reading.end = j
                continue
        if reading.count is None:
            qty = read_quantity(tokens, j)
            if qty is not None and _is_count(qty[0]) and not _names_a_field(vocab, tokens, qty[1], pattern,
                                                                                reading.keys):
                reading.count, reading.count_text = qty[0], shown(tokens[j:qty[1]])
                j = qty[1]
                reading.end = j
                continue
        if values is not None:
            found = _values(values, tokens, j)
            if found is not None:
                where, j = found
                if any(w.property in {x.property for x in reading.where} for w in where):
                    return None  # "viewed electronics fashion": one value per property
                reading.where.extend(where)
                reading.end = j
                continue
        if tok.kind == "quoted" and tok.text.strip() and len(texts) == 1 and not any(
                w.property == texts[0].name for w in reading.where):
            # 'opened the "Black Friday" email': quoted text is the value of the event's one text property.
            prop = texts[0]
            reading.where.append(PropertyCondition(prop.name, "eq", prop.canonical_value(tok.text) or tok.text))
            j += 1
            reading.end = j
            continue
        if tok.kind == "sym" and tok.low == "(" and event.name in words.catalogs:
            inner = _bracketed(words.catalogs[event.name], tokens, j, now)
            if inner is not None:
                where, j = inner
                reading.where.extend(where)
                reading.end = j
                continue
        if tok.low in _OBJECTS or stems(tok.low) & words.objects.get(event.name, frozenset()):
            j += 1
            reading.end = j  # "opened 5 emails": the object is part of the phrase
            continue
        if tok.low in _ARTICLES:
            j += 1
            continue
        break
    if not reading.complete and not reading.where:
        return None
    return reading


def _is_count(q: Any) -> bool:
    return (not q.money and q.hint is None and q.op != "ne" and float(q.low).is_integer()
            and (q.high is None or float(q.high).is_integer()) and q.low >= 0)


def _names_a_field(vocab: Vocabulary, tokens: Sequence[Token], j: int, pattern: _Pattern, keys: int) -> bool:
    """"opened an email 5 orders": a number followed by a field word counts that field, not the event."""
    if keys < len(pattern.stems) and j < len(tokens) and stems(tokens[j].low) & pattern.stems[keys]:
        return False
    found = vocab.catalog_words.match(tokens, j)
    return found is not None and found[0].kind == "field"


def _values(table: PhraseTable[tuple[str, str]], tokens: Sequence[Token], j: int
            ) -> tuple[list[PropertyCondition], int] | None:
    """"electronics", "Electronics or Fashion", "the Diwali Sale": known values of one property."""
    first = table.match(tokens, j)
    if first is None:
        return None
    (prop, value), j = first
    listed = [value]
    while low_at(tokens, j) in ("or", ","):
        k = j + 1
        if low_at(tokens, k) == "or":
            k += 1
        more = table.match(tokens, k)
        if more is None or more[0][0] != prop:
            break
        if more[0][1] not in listed:
            listed.append(more[0][1])
        j = more[1]
    if len(listed) == 1:
        return [PropertyCondition(prop, "eq", value)], j
    return [PropertyCondition(prop, "in", tuple(listed))], j


def _bracketed(properties: FieldCatalog, tokens: Sequence[Token], j: int, now: datetime
               ) -> tuple[list[PropertyCondition], int] | None:
    """"(category is not Home)": conditions on the event's properties, read by the field grammar with a
    catalog made of those properties."""
    depth, k = 0, j
    while k < len(tokens):
        if tokens[k].low == "(":
            depth += 1
        elif tokens[k].low == ")":
            depth -= 1
            if depth == 0:
                break
        k += 1
    if k >= len(tokens) or k == j + 1:
        return None
    from segcore.grammar import parse  # the grammar package imports this module

    try:
        reading = parse(shown(tokens[j + 1:k]), properties, now)
    except SegmentError:
        return None
    parts = reading.rule.rules if isinstance(reading.rule, AllOf) else (reading.rule,)
    if not all(isinstance(p, Condition) for p in parts):
        return None
    return [PropertyCondition(p.field, p.op, p.value) for p in parts if isinstance(p, Condition)], k + 1


def _negation(items: list[Item]) -> tuple[str | None, int]:
    """The negation right before the event ("didn't", "have never", "without"), fillers between allowed
    ("haven't ever"), and how many items it spans."""
    k = len(items)
    while k > 0 and items[k - 1].kind == "filler":
        k -= 1
    if k > 0 and items[k - 1].kind == "neg":
        return " ".join(items[k - 1].words).lower(), len(items) - k + 1
    return None, 0


def _last_window(items: list[Item]) -> EventWindow | None:
    """The window of the last event condition said before (SPEC: it carries to a negated event)."""
    for it in reversed(items):
        if it.kind == "cond":
            rule = it.data.rule if isinstance(it.data, Not) else it.data
            if isinstance(rule, EventCondition):
                return rule.when
    return None


def _said_enough(r: _Reading, tokens: Sequence[Token], i: int, negated: bool) -> bool:
    """A bare verb in the present ("view users in Pune") is no event; a past tense, a second word of the
    synonym, a value, a count, a window or a negation says one."""
    past = _past(tokens[i].low)
    return (past or negated or r.keys > 1 or bool(r.where) or r.count is not None or r.window is not None
            or r.same_window)


def _past(word: str) -> bool:
    return word.endswith("ed") or word in _IRREGULAR_PAST


def _field_reading_will_do(r: _Reading, vocab: Vocabulary, tokens: Sequence[Token], i: int,
                           carried: EventWindow | None) -> bool:
    """SPEC: "ordered" with only a count or only a window may be the orders fields; keep the grammar's
    field reading there, so what it read before reads the same. Only the events say a count in a window,
    or a window carried from the event before."""
    if (r.count is not None and r.window is not None and not _any_or_none(r.count)) or carried is not None:
        return False
    found = vocab.catalog_words.match(tokens, i)
    if found is not None and found[0].kind == "field":
        return True
    lexed = vocab.grammar_words.match(tokens, i)
    if lexed is None or lexed[0].kind != "filler":
        return False
    # "placed an order": the verb is a filler and the field word follows.
    return any(_is_field_word(vocab, t.low) for t in tokens[i + 1:r.end])


def _any_or_none(q: Any) -> bool:
    """"at least once", "zero times": the field reading says these in a window too ("no orders in 30 days")."""
    return (q.op == "gte" and q.low == 1) or (
        q.op in ("eq", "lte") and q.low == 0) or (q.op == "lt" and q.low == 1) or (q.op == "gt" and q.low == 0)


def _is_field_word(vocab: Vocabulary, word: str) -> bool:
    for form in (word, word + "s", word[:-1] if word.endswith("s") else ""):
        found = vocab.catalog_words.get((form,)) if form else None
        if found is not None and found.kind == "field":
            return True
    return False


def _rule(r: _Reading, negation: str | None, carried: EventWindow | None, tokens: Sequence[Token], i: int,
          notes: list[str]) -> Rule | None:
    said = shown(tokens[i:r.end])
    count = AT_LEAST_ONCE
    if r.count is not None:
        q = r.count
        if q.op == "between":
            low, high = sorted((int(q.low), int(q.high)))
            count = EventCount("between", (low, high))
        elif q.op == "eq" and not q.explicit and q.low != 0:
            # SPEC: a bare number is a minimum ("opened 5 emails").
            count = EventCount("gte", int(q.low))
            notes.append(f"'{r.count_text}' in '{said}' read as at least {int(q.low)}")
        else:
            count = EventCount(q.op, int(q.low))
    when = None
    if r.window is not None:
        when = event_window(r.window, notes)
        if when is None:
            return None
    if r.same_window:
        when = carried  # said: "in those 7 days"
    if negation is not None:
        if when is None and carried is not None:
            when = carried
            notes.append(f"'{said}' read as within the same window as the event before it")
        if count == AT_LEAST_ONCE:
            count = EventCount("eq", 0)
        elif count.op in _INVERSE_COUNT:
            count = EventCount(_INVERSE_COUNT[count.op], count.value)
        else:
            return Not(EventCondition(r.event.name, tuple(r.where), count, when))
    return EventCondition(r.event.name, tuple(r.where), count, when)


def event_window(d: Any, notes: list[str]) -> EventWindow | None:
    """The window of a date expression for events; None for "30 to 60 days ago", which is no one window."""
    if d.op not in _WINDOW_OPS:
        return None  # "between 30 and 60 days ago" has no one window
    if d.note:
        notes.append(d.note)
    value = d.value
    if d.op == "after" and isinstance(value, CalendarPeriod) and value.offset == -1 and d.text.lower().split()[0] in (
            "this", "current", "today"):
        # "this year" for events is the calendar year itself (an event is never in the future).
        return EventWindow("on", CalendarPeriod(value.period, 0))
    return EventWindow(d.op, value)

