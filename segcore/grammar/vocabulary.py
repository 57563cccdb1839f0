"""The words of one field catalog: field names and synonyms, known values and aliases, and the fixed words.

Everything field-specific is read from the catalog, so a workspace's custom fields ("loyalty points",
a "segment" string field with values) are understood without code changes. Built once per catalog.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from segcore.catalog import Field, FieldCatalog
from segcore.grammar import lexicon as lx
from segcore.grammar.behaviour import EventWords, event_words
from segcore.grammar.kinds import MeaningKind
from segcore.grammar.phrases import PhraseTable
from segcore.grammar.tokens import phrase_key


@dataclass(frozen=True)
class Meaning:
    """What a phrase means: a field mention, a value of some field(s), or a structural word."""

    kind: MeaningKind
    fields: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()  # (field name, canonical value)
    flag: bool = True


# Words that mean "not <field word>": SPEC lists inactive, dormant and lapsed among the words for the last
# visit. They resolve through the catalog's word "active", so a catalog without it simply does not know them.
_NEGATED_FIELD_WORDS = {"inactive": "active", "dormant": "active", "lapsed": "active", "not active": "active",
                        "non-active": "active", "gone inactive": "active", "unengaged": "active",
                        "disengaged": "active", "idle": "active", "went inactive": "active",
                        "gone quiet": "active", "went quiet": "active", "gone dormant": "active",
                        "went dormant": "active", "gone cold": "active", "went cold": "active",
                        "been inactive": "active", "been dormant": "active"}
_CONSENT_WORDS = {"opted in": True, "opted-in": True, "opt-in": True, "opt in": True, "subscribed": True,
                  "opted into": True, "signed up for": True, "consented": True, "consent": True,
                  "opted out": False, "opted-out": False, "opt-out": False, "opt out": False,
                  "unsubscribed": False, "unsubscribe": False, "un-subscribed": False, "opted-out of": False,
                  "unsubscribers": False, "opt-outs": False, "opt outs": False, "opt-ins": True, "opt ins": True,
                  "marketing consent": True, "marketing opt-in": True, "marketing opt in": True,
                  "marketing opt-out": False, "marketing opt out": False}
_PAID_WORDS = ("paid", "paying", "non-free", "nonfree")
# Structural words a catalog may not take over ("with" is never a field).
_RESERVED = {phrase_key(w) for w in (*lx.AND_WORDS, *lx.OR_WORDS, *lx.REL_WORDS, "not", "no", "never")}
_FUZZY_GRAMMAR_WORDS = (
    "days", "weeks", "months", "years", "quarter", "quarters", "month", "week", "year", "more", "less", "least",
    "than", "between", "since", "before", "after", "within", "last", "past", "exactly", "ago", "times",
    "haven't", "never", "without", "thousand", "lakh", "lakhs", "crore", "million", "rupees", "fortnight",
    "customers", "users", "people", "opted", "subscribed", "unsubscribed", "inactive", "dormant", "lapsed",
    "january", "february", "march", "april", "june", "july", "august", "september", "october", "november",
    "december", "yesterday", "today", "fewer", "greater", "under", "above", "below", "minimum", "maximum",
    "havent", "hasnt", "didnt", "doesnt", "dont", "isnt", "arent", "exceeding",
)


@dataclass
class Vocabulary:
    catalog_words: PhraseTable[Meaning]
    grammar_words: PhraseTable[Meaning]
    money_field: str | None
    age_field: str | None
    consent: dict[str, str]  # channel word -> bool field
    recency: dict[str, str]  # count field -> its datetime field ("visits" -> "last_visit_at")
    counts: dict[str, str]  # datetime field -> its count field ("last_order_at" -> "orders")
    datetimes: frozenset[str]
    fuzzy: dict[str, set[str]] = field(default_factory=dict)  # one-deletion key -> known words
    events: EventWords | None = None  # the event catalog's words (behaviour.py)


def _add(table: dict[tuple[str, ...], Meaning], key: tuple[str, ...], meaning: Meaning) -> None:
    if not key or key in _RESERVED:
        return
    old = table.get(key)
    if old is None:
        table[key] = meaning
    elif old.kind == meaning.kind == "field":
        table[key] = Meaning("field", old.fields + tuple(f for f in meaning.fields if f not in old.fields))
    elif old.kind == meaning.kind == "value":
        table[key] = Meaning("value", fields=(), values=old.values + tuple(
            v for v in meaning.values if v not in old.values))
    elif meaning.kind == "value" and old.kind == "field":
        pass  # a field word beats a value of the same spelling
    elif meaning.kind == "field" and old.kind == "value":
        table[key] = meaning


def _field_words(f: Field) -> list[str]:
    words = [f.name, f.name.replace("_", " "), f.label, *f.synonyms]
    if f.verb:
        words.append(f.verb)
    return words


def build(catalog: FieldCatalog) -> Vocabulary:
    entries: dict[tuple[str, ...], Meaning] = {}
    fields = catalog.queryable()
    for f in fields:
        for word in _field_words(f):
            _add(entries, phrase_key(word), Meaning("field", (f.name,)))
            if f.type == "datetime" and not word.startswith("last"):
                # "last visited", "last ordered": the same date.
                _add(entries, phrase_key("last " + word), Meaning("field", (f.name,)))
    for f in fields:
        if f.type not in ("string", "array"):
            continue
        for value in f.values:
            _add(entries, phrase_key(value), Meaning("value", values=((f.name, value),)))
            if f.type == "array" and not value.lower().endswith("s"):
                _add(entries, phrase_key(value + "s"), Meaning("value", values=((f.name, value),)))
        for alias, target in f.aliases.items():
            canonical = f.canonical_value(target) or target
            _add(entries, phrase_key(alias), Meaning("value", values=((f.name, canonical),)))
    catalog_words: PhraseTable[Meaning] = PhraseTable()
    for key, meaning in entries.items():
        catalog_words.add(key, meaning)

    money = next((f.name for f in fields if f.money and f.is_numeric), None)
    age = next((f.name for f in fields if f.is_numeric and (f.name == "age" or f.unit in ("years", "year"))), None)
    consent = {f.consent_channel.lower(): f.name for f in fields if f.type == "bool" and f.consent_channel}
    grammar: PhraseTable[Meaning] = PhraseTable()
    fixed: tuple[tuple[frozenset[str], MeaningKind], ...] = (
        (lx.FILLERS, "filler"), (lx.GROUP_NOUNS, "noun"), (lx.LOCATORS, "loc"), (lx.NEGATIONS, "neg"),
        (lx.REL_WORDS, "rel"), (lx.OR_WORDS, "or"), (lx.AND_WORDS, "and"))
    for words, kind in fixed:
        for w in words:
            grammar.add(phrase_key(w), Meaning(kind))
    for w in lx.BUT_WORDS:
        # "vip or beta but not churn-risk": "but" joins what came before as a whole, like a comma.
        grammar.add(phrase_key(w), Meaning("comma"))
    for w, positive in _CONSENT_WORDS.items():
        grammar.add(phrase_key(w), Meaning("consent", flag=positive))
    for channel, name in consent.items():
        # "can be emailed", "emailable users": the channel word as a verb or adjective.
        for w in (channel + "ed", channel + "able", channel + "-able", "can be " + channel + "ed"):
            grammar.add(phrase_key(w), Meaning("consent", (name,), flag=True))
    for w in _PAID_WORDS:
        grammar.add(phrase_key(w), Meaning("paid"))
    for w, target in _NEGATED_FIELD_WORDS.items():
        found = entries.get(phrase_key(target))
        if found is not None and found.kind == "field":
            grammar.add(phrase_key(w), Meaning("negfield", found.fields))

    recency: dict[str, str] = {}
    for c in fields:
        if not c.is_numeric:
            continue
        said = set(_field_words(c)[1:])
        for d in fields:
            if d.type == "datetime" and (d.verb in said or said & set(d.synonyms)):
                recency.setdefault(c.name, d.name)

    counts = {d: c for c, d in reversed(list(recency.items()))}
    datetimes = frozenset(f.name for f in fields if f.type == "datetime")
    vocab = Vocabulary(catalog_words, grammar, money, age, consent, recency, counts, datetimes)
    vocab.events = event_words(catalog)
    targets = {k[0] for k in entries if len(k) == 1} | set(_FUZZY_GRAMMAR_WORDS)
    for word in targets:
        if len(word) < 4 or not word.isalpha():
            continue
        for deleted in _deletions(word):
            vocab.fuzzy.setdefault(deleted, set()).add(word)
    return vocab


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


def _distance_at_most_one(a: str, b: str) -> bool:
    """Optimal string alignment distance <= 1 (one insertion, deletion, substitution or swap)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
    if la > lb:
        a, b = b, a
    return any(b[:i] + b[i + 1:] == a for i in range(len(b)))


def corrections(vocab: Vocabulary, word: str) -> list[str]:
    """Known words within one typo of ``word`` (words of 4+ letters only)."""
    if len(word) < 4 or not word.isalpha():
        return []
    candidates: set[str] = set()
    for key in _deletions(word):
        candidates |= vocab.fuzzy.get(key, set())
    # Typos rarely hit the first letter; requiring it keeps "gmail" from becoming "email".
    return sorted(c for c in candidates if len(c) >= 4 and c[0] == word[0] and _distance_at_most_one(word, c))


_CACHE: dict[int, tuple[FieldCatalog, Vocabulary]] = {}
_LOCK = threading.Lock()


def vocabulary(catalog: FieldCatalog) -> Vocabulary:
    """The vocabulary of ``catalog``, built on first use and cached while the catalog object lives."""
    entry = _CACHE.get(id(catalog))
    if entry is not None and entry[0] is catalog:
        return entry[1]
    vocab = build(catalog)
    with _LOCK:
        if len(_CACHE) > 32:
            _CACHE.clear()
        _CACHE[id(catalog)] = (catalog, vocab)
    return vocab
