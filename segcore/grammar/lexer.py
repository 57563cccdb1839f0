"""Tokens to items: dates and quantities first (they own words like "over" and "or more"), then the
longest catalog or fixed phrase, then a one-typo correction; whatever is left is an unknown word."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from segcore.grammar import lexicon as lx
from segcore.grammar.amounts import Quantity, read_quantity
from segcore.grammar.behaviour import read_event
from segcore.grammar.dates import DateExpr, read_bare_span, read_date, read_weekday, read_year
from segcore.grammar.kinds import ItemKind
from segcore.grammar.phrases import PhraseTable, low_at
from segcore.grammar.tokens import Token, phrase_key, shown, tokenize
from segcore.grammar.vocabulary import Meaning, Vocabulary, corrections

_POST = PhraseTable(lx.POST_COMPARATORS)
_PRE = PhraseTable(lx.PRE_COMPARATORS)
# Real words one typo away from a field word ("stopped": shopped, "send": spend): never corrected.
_NOT_TYPOS = frozenset({"stopped", "shipped", "send", "sent", "market", "speed", "play", "played", "brought",
                        "older", "spell", "order's", "visa", "shipping", "stopping", "tagline"})
# Bounds written as adjectives before the field: "a minimum spend of 10k", "max order count 3".
_BOUND_WORDS = frozenset({"minimum", "min", "maximum", "max", "a minimum", "a maximum"})
_SUBSCRIBED_TO = frozenset({"to", "for", "from", "into"})
_BOUND_GLUE = frozenset({"of", "is", "=", ":", "count", "value", "amount", "total", "number", "at"})
_YEARS = frozenset({"years", "yrs", "year", "yr"})
_AFTER_YEARS = frozenset({"ago", "back", "old", "olds", "before", "earlier", "later", "or", "and"})
# Counts written as adjectives: "repeat customers" have ordered more than once.
_COUNT_WORDS: dict[str, tuple[str, int, bool]] = {  # word -> (op, number, names the order count itself)
    "repeat": ("gt", 1, True), "repeated": ("gt", 1, True),
    "one-time": ("eq", 1, True), "one time": ("eq", 1, True), "onetime": ("eq", 1, True),
    "multiple": ("gt", 1, False), "more than one": ("gt", 1, False),
}
_COUNTS = PhraseTable(_COUNT_WORDS)
# Verbs that ask for consent only when a channel follows: "users we can email", "who want emails",
# "reachable by email". Alone they are fillers ("I want users in Pune").
_CHANNEL_VERBS = PhraseTable({w: True for w in (
    "want", "wants", "receive", "receives", "get", "gets", "accept", "accepts", "accepted", "agreed to receive",
    "agreed to", "agree to", "can receive", "can get", "can", "reachable by", "reachable via", "reachable on",
    "contactable by", "contactable via", "allow", "allows", "allowed")})
_SYMBOLS: dict[str, ItemKind] = {"(": "lp", ")": "rp", "[": "lp", "]": "rp", ",": "comma", ";": "comma", ":": "colon",
            "&": "and", "|": "or", "/": "or", "=": "op", "==": "op", "!=": "op", "<>": "op", "≠": "op"}
_IGNORED_SYMBOLS = frozenset({".", "?", "!", "-", "'", '"', "…", "*", "•", "#", "@", "/-"})
_CHANNEL_GLUE = frozenset({"to", "of", "from", "for", "in", "into", "the", "our", "on", "all", "any", "marketing",
                           "promotional", "promo", "receive", "receiving", "get", "getting"})
_CHANNEL_TAIL = frozenset({"emails", "list", "newsletter", "updates", "communications", "marketing", "mails",
                           "mailing"})


@dataclass
class Item:
    """One meaningful unit of the request."""

    kind: ItemKind
    words: list[str]
    fields: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()
    flag: bool = True
    data: Any = None
    merged: list[tuple[str, Item]] = field(default_factory=list)  # values joined by "or"/"and"/","

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass
class Lexing:
    """What every lexer reader sees: the tokens (a reader may split one), what was read so far, and the notes
    for the marketer."""

    tokens: list[Token]
    vocab: Vocabulary
    now: datetime
    notes: list[str]
    items: list[Item] = field(default_factory=list)


# A reader looks at the token at ``i``: it appends the items it read and returns the index after them, or
# returns None to let the next reader try. The order is the grammar's precedence: dates and quantities own
# words like "over" and "or more", so they come before the catalog's phrases.
LexReader = Callable[[Lexing, int], "int | None"]


def lex(text: str, vocab: Vocabulary, now: datetime, notes: list[str]) -> list[Item]:
    state = Lexing(tokenize(text), vocab, now, notes)
    i = 0
    while i < len(state.tokens):
        for _name, reader in LEX_READERS:
            j = reader(state, i)
            if j is not None:
                i = j
                break
    return _recent_before_field(state.items)


def _read_quoted(state: Lexing, i: int) -> int | None:
    """A quoted known value ("vip") is that value; any other quoted text is free text."""
    tok = state.tokens[i]
    if tok.kind != "quoted":
        return None
    known = state.vocab.catalog_words.get(phrase_key(tok.text)) if tok.text.strip() else None
    if known is not None and known.kind == "value":
        state.items.append(Item("value", [tok.text], values=known.values))
    else:
        state.items.append(Item("quoted", [tok.text], data=tok.text))
    return i + 1


def _read_event(state: Lexing, i: int) -> int | None:
    """What people did ("added to cart in the last 7 days"): behaviour.py, one condition item."""
    return read_event(state.vocab, state.tokens, i, state.items, state.now, state.notes)


def _read_late_comparison(state: Lexing, i: int) -> int | None:
    return _late_comparison(state.tokens, i, state.items)


def _read_date(state: Lexing, i: int) -> int | None:
    tokens, items = state.tokens, state.items
    date = read_date(tokens, i, state.now)
    if date is None and items and items[-1].kind == "field" and items[-1].data == "window":
        date = read_bare_span(tokens, i)  # "inactive 60+ days", "dormant 3 months"
    if (date is None and len(items) > 1 and items[-1].kind in ("or", "and", "comma")
            and items[-2].kind == "date" and items[-2].data.op == "on"):
        date = read_year(tokens, i)  # "signed up in 2024 or 2025": the year after "or" is a date too
    if date is None:
        return None
    expr, j = date
    items.append(Item("date", [shown(tokens[i:j])], data=expr))
    return j


def _read_quantity(state: Lexing, i: int) -> int | None:
    tokens = state.tokens
    if tokens[i].low == "one" and low_at(tokens, i + 1) == "of":
        return None
    qty = read_quantity(tokens, i)
    if qty is None:
        return None
    quantity, j = qty
    state.items.append(Item("qty", [shown(tokens[i:j])], data=quantity))
    return _years_of_age(state.vocab, tokens, j, state.items)


def _read_bound(state: Lexing, i: int) -> int | None:
    bound = _bound_before_field(state.vocab, state.tokens, i)
    if bound is None:
        return None
    state.items.extend(bound[0])
    return bound[1]


def _read_weekday(state: Lexing, i: int) -> int | None:
    weekday = read_weekday(state.tokens, i, state.now)
    if weekday is None:
        return None
    found, j = weekday
    words = [shown(state.tokens[i:j])]
    state.items.append(Item("date", words, data=found) if isinstance(found, DateExpr)
                       else Item("vague", words, data=found))
    return j


def _read_symbol(state: Lexing, i: int) -> int | None:
    tok = state.tokens[i]
    if tok.kind != "sym":
        return None
    if tok.low in _SYMBOLS:
        state.items.append(Item(_SYMBOLS[tok.low], [tok.text]))
        return i + 1
    return i + 1 if tok.low in _IGNORED_SYMBOLS else None


def _read_non_prefix(state: Lexing, i: int) -> int | None:
    """"non-Indian", "non-vip": a known word after "non-" is its negation."""
    tok = state.tokens[i]
    if (tok.kind != "word" or not tok.low.startswith("non-")
            or _phrase(state.vocab, state.tokens, i, state.items)[0] is not None):
        return None
    inner = _phrase(state.vocab, [Token("word", tok.text[4:], tok.low[4:])], 0)[0]
    if inner is None:
        return None
    state.items.append(Item("neg", ["non"]))
    state.items.append(_item(inner, [tok.text[4:]]))
    return i + 1


def _read_reachable(state: Lexing, i: int) -> int | None:
    reach = _reachable(state.vocab, state.tokens, i)
    if reach is None:
        return None
    state.items.append(Item("consent", [shown(state.tokens[i:reach[0]])], flag=True, data=reach[1]))
    return reach[0]


def _read_count_word(state: Lexing, i: int) -> int | None:
    if (state.tokens[i].kind != "word" or _COUNTS.match(state.tokens, i) is None
            or _phrase(state.vocab, state.tokens, i, state.items)[0] is not None):
        return None
    counted = _count_word(state.vocab, state.tokens, i)
    if counted is None:
        return None
    state.items.extend(counted[0])
    return counted[1]


def _read_hyphenated(state: Lexing, i: int) -> int | None:
    """"free-tier", "US-based", "vip-tagged": an unknown hyphenated word made of known words is read as its
    parts ("nobody-by-that-name" stays one unknown word). The token is split in place; reading restarts."""
    tok = state.tokens[i]
    if (tok.kind != "word" or "-" not in tok.low.strip("-") or not _known_parts(state.vocab, tok.low)
            or _phrase(state.vocab, state.tokens, i, state.items)[0] is not None):
        return None
    parts = [p for p in tok.text.split("-") if p]
    state.tokens[i:i + 1] = [Token("word", p, p.lower(), tok.spaced or n > 0) for n, p in enumerate(parts)]
    return i


def _read_phrase(state: Lexing, i: int) -> int | None:
    """The longest catalog or fixed phrase, or a one-typo spelling of a known word."""
    tokens, tok = state.tokens, state.tokens[i]
    meaning, j = _phrase(state.vocab, tokens, i, state.items)
    if meaning is None and tok.kind in ("word", "abbr") and tok.low not in _NOT_TYPOS:
        meaning, fixed = _fix(state.vocab, tok.low)
        if meaning is not None:
            j = i + 1
            if fixed.rstrip("s") != tok.low.rstrip("s"):
                state.notes.append(f"'{tok.text}' read as '{fixed}'")
    if meaning is None:
        return None
    for _name, place in MEANING_READERS:
        end = place(state, i, j, meaning)
        if end is not None:
            return end
    return None


def _read_unknown(state: Lexing, i: int) -> int | None:
    state.items.append(Item("unknown", [state.tokens[i].text]))
    return i + 1


LEX_READERS: tuple[tuple[str, LexReader], ...] = (
    ("quoted text", _read_quoted),
    ("behaviour", _read_event),
    ("comparison after the field word", _read_late_comparison),
    ("date", _read_date),
    ("quantity", _read_quantity),
    ("bound before the field", _read_bound),
    ("weekday", _read_weekday),
    ("symbol", _read_symbol),
    ("non- prefix", _read_non_prefix),
    ("reachable by a channel", _read_reachable),
    ("count word", _read_count_word),
    ("hyphenated parts", _read_hyphenated),
    ("catalog or fixed phrase", _read_phrase),
    ("unknown word", _read_unknown),
)


# Where a known phrase goes, once read: (state, start, end, meaning) -> the index after it, or None.
MeaningReader = Callable[[Lexing, int, int, Meaning], "int | None"]


def _place_consent(state: Lexing, i: int, j: int, meaning: Meaning) -> int | None:
    if meaning.kind != "consent":
        return None
    tokens, vocab = state.tokens, state.vocab
    if meaning.fields:  # "emailed", "emailable": the word names its channel
        channel = next((c for c, n in vocab.consent.items() if n == meaning.fields[0]), None)
    else:
        j, channel = _channel(vocab, tokens, j)
        if channel is None and _names_a_value(vocab, tokens, j):
            # "subscribed to the newsletter", "signed up for the pro plan": the value is what they
            # subscribed to; "unsubscribed from the newsletter" is not having it.
            if not meaning.flag:
                state.items.append(Item("neg", [t.text for t in tokens[i:j]]))
            return j
    state.items.append(Item("consent", [t.text for t in tokens[i:j]], flag=meaning.flag, data=channel))
    return j


def _place_channel_first(state: Lexing, i: int, j: int, meaning: Meaning) -> int | None:
    """"email-consented", "email opted-in users", "email marketing opt-outs": the channel comes first."""
    tokens = state.tokens
    if meaning.kind != "field" or j != i + 1 or tokens[i].low not in state.vocab.consent:
        return None
    k = j
    while low_at(tokens, k) in _CHANNEL_TAIL:
        k += 1
    consent = state.vocab.grammar_words.match(tokens, k)
    if consent is None or consent[0].kind != "consent" or consent[0].fields:
        return None
    end = consent[1]
    state.items.append(Item("consent", [t.text for t in tokens[i:end]], flag=consent[0].flag, data=tokens[i].low))
    return end


def _place_but_not(state: Lexing, i: int, j: int, meaning: Meaning) -> int | None:
    consumed = [t.text for t in state.tokens[i:j]]
    if meaning.kind != "neg" or consumed[0].lower() != "but" or len(consumed) < 2:
        return None
    state.items.append(Item("comma", consumed[:1]))  # "but not": the "but" joins like a comma
    state.items.append(Item("neg", consumed[1:]))
    return j


def _place_repeated_value(state: Lexing, i: int, j: int, meaning: Meaning) -> int | None:
    items = state.items
    if meaning.kind != "value" or not items or items[-1].kind != "value" or items[-1].values != meaning.values:
        return None
    items[-1].words.extend(t.text for t in state.tokens[i:j])  # "Delhi NCR", "New Delhi NCR": one place twice
    return j


def _place_item(state: Lexing, i: int, j: int, meaning: Meaning) -> int | None:
    consumed = [t.text for t in state.tokens[i:j]]
    if meaning.kind == "negfield":  # "dormant": not, and the date field it is about
        state.items.append(Item("neg", consumed))
        state.items.append(Item("field", [], fields=meaning.fields, data="window"))
    else:
        state.items.append(_item(meaning, consumed))
    return j


MEANING_READERS: tuple[tuple[str, MeaningReader], ...] = (
    ("consent and its channel", _place_consent),
    ("channel before consent", _place_channel_first),
    ("but not", _place_but_not),
    ("a value said twice", _place_repeated_value),
    ("the phrase itself", _place_item),
)


_RECENT = frozenset({"recent", "recently"})


def _recent_before_field(items: list[Item]) -> list[Item]:
    """"recent signups", "recently active users": a time word of the field after it, which needs a window
    as "new" does ("joined recently" stays an unknown word: no window can follow it)."""
    out: list[Item] = []
    for it in items:
        if it.kind == "field" and out and out[-1].kind == "unknown" and out[-1].text.lower() in _RECENT:
            out[-1] = Item("field", [*out[-1].words, *it.words], fields=it.fields, data=it.data)
            continue
        out.append(it)
    return out


def _late_comparison(tokens: list[Token], i: int, items: list[Item]) -> int | None:
    """"3 orders or fewer": a comparison written after the field word applies to the number before it."""
    if len(items) < 2 or items[-1].kind != "field" or items[-2].kind != "qty":
        return None
    q = items[-2].data
    if not isinstance(q, Quantity) or q.op != "eq" or q.explicit:
        return None
    post = _POST.match(tokens, i)
    if post is None or low_at(tokens, post[1]) in ("than", "then"):
        return None
    (op, hint), j = post
    items[-2].data = replace(q, op=op, hint=q.hint or hint, explicit=True)
    items[-2].words = [*items[-2].words, shown(tokens[i:j])]
    return j


def _item(meaning: Meaning, words: list[str]) -> Item:
    return Item(meaning.kind, words, fields=meaning.fields, values=meaning.values, flag=meaning.flag)


def _phrase(vocab: Vocabulary, tokens: list[Token], i: int, before: list[Item] | None = None
            ) -> tuple[Meaning | None, int]:
    cat = vocab.catalog_words.match(tokens, i)
    gram = vocab.grammar_words.match(tokens, i)
    if (cat is not None and gram is not None and cat[1] == gram[1] == i + 1 and cat[0].kind == "value"
            and tokens[i].text.isupper() and low_at(tokens, i + 1) not in ("(", "[") and before):
        # "country: IN" - a code in capitals right after its field is the value, not the word "in".
        named = before[-2] if before[-1].kind in ("colon", "op") and len(before) > 1 else before[-1]
        if named.kind == "field" and any(n in named.fields for n, _ in cat[0].values):
            return cat
    if cat is None and gram is None:
        return None, i
    if cat is None:
        assert gram is not None
        return gram
    if gram is None or cat[1] > gram[1]:
        return cat
    if gram[1] > cat[1] or gram[0].kind in ("neg", "and", "or", "rel", "consent", "negfield", "loc"):
        return gram
    return cat


def _fix(vocab: Vocabulary, word: str) -> tuple[Meaning | None, str]:
    """A plural or a one-typo spelling of a known word. Several field words one typo away ("visitd":
    visit, visits, visited) become one mention of all their fields; the value after it decides."""
    single = _singular(vocab, word)
    if single is not None:
        return _phrase(vocab, [Token("word", single, single)], 0)[0], single
    found = [(c, _phrase(vocab, [Token("word", c, c)], 0)[0]) for c in corrections(vocab, word)]
    found = [(c, m) for c, m in found if m is not None]
    if len(found) == 1 or (found and all(m == found[0][1] for _, m in found)):
        return found[0][1], found[0][0]
    if found and all(m is not None and m.kind == "field" for _, m in found):
        fields: list[str] = []
        for _, m in found:
            assert m is not None
            fields.extend(f for f in m.fields if f not in fields)
        return Meaning("field", tuple(fields)), "/".join(c for c, _ in found)
    return None, word


def _singular(vocab: Vocabulary, word: str) -> str | None:
    for stem in (word[:-1] if word.endswith("s") else None, word[:-2] if word.endswith("es") else None,
                 word[:-3] + "y" if word.endswith("ies") else None):
        if stem and vocab.catalog_words.get(phrase_key(stem)) is not None:
            return stem
    return None


def _channel(vocab: Vocabulary, tokens: list[Token], j: int) -> tuple[int, str | None]:
    """After "opted in"/"unsubscribed": swallow "to email", "from our email list" naming the channel."""
    k = j
    while low_at(tokens, k) in _CHANNEL_GLUE:
        k += 1
    word = low_at(tokens, k)
    if word in ("e-mail", "e-mails", "mail", "mails", "emails"):
        word = "email"
    if word not in vocab.consent and word not in _NOT_TYPOS:
        word = next((c for c in corrections(vocab, word) if c in vocab.consent), word)  # "emial"
    channel = word if word in vocab.consent else None
    if channel is None:
        return j, None
    k += 1
    while low_at(tokens, k) in _CHANNEL_TAIL:
        k += 1
    return k, channel



def _count_word(vocab: Vocabulary, tokens: list[Token], i: int) -> tuple[list[Item], int] | None:
    """"repeat customers" = more than one order, "one-time buyers" = exactly one, "multiple visits" = more
    than one visit: the count of the field after it, or of orders when only a group noun follows."""
    found = _COUNTS.match(tokens, i)
    if found is None:
        return None
    (op, number, orders_by_default), j = found
    words = [shown(tokens[i:j])]
    qty = Quantity(op, number, None, False, True, None, True, words[0], False)
    if low_at(tokens, j) in lx.TIMES_SUFFIX:
        j += 1
    out = [Item("qty", words, data=qty)]
    following = vocab.catalog_words.match(tokens, j)
    if orders_by_default and (following is None or following[0].kind != "field"):
        bought = vocab.catalog_words.get(("bought",))
        if bought is None or bought.kind != "field":
            return None
        out.append(Item("field", [], fields=bought.fields))
    return out, j


def _bound_before_field(vocab: Vocabulary, tokens: list[Token], i: int) -> tuple[list[Item], int] | None:
    """"a minimum spend of ₹10,000", "max order count 3": the bound, the field, then the number."""
    pre = _PRE.match(tokens, i)
    if pre is None or " ".join(t.low for t in tokens[i:pre[1]]) not in _BOUND_WORDS:
        return None
    field_word = vocab.catalog_words.match(tokens, pre[1])
    if field_word is None or field_word[0].kind != "field":
        return None
    k = field_word[1]
    while low_at(tokens, k) in _BOUND_GLUE:
        k += 1
    qty = read_quantity(tokens, k)
    if qty is None or qty[0].op != "eq" or qty[0].explicit:
        return None
    op, hint = pre[0]
    quantity = replace(qty[0], op=op, hint=qty[0].hint or hint, explicit=True)
    field_item = _item(field_word[0], [t.text for t in tokens[pre[1]:field_word[1]]])
    return [field_item, Item("qty", [shown(tokens[i:pre[1]]), shown(tokens[k:qty[1]])], data=quantity)], qty[1]


def _years_of_age(vocab: Vocabulary, tokens: list[Token], j: int, items: list[Item]) -> int:
    """"under 25 years": a number of years that is no date ("ago", "old" and date words read elsewhere) is an
    age, unless the clause already names a date field ("signed up more than 2 years" stays unread)."""
    if low_at(tokens, j) not in _YEARS or low_at(tokens, j + 1) in _AFTER_YEARS or vocab.age_field is None:
        return j
    own = vocab.catalog_words.match(tokens, j)
    if own is not None and own[1] > j + 1:
        return j  # "years old", "years of age": the catalog's own phrase
    for it in reversed(items[:-1]):
        if it.kind in ("and", "or", "comma", "rel"):
            break
        if it.kind == "field" and any(f in vocab.datetimes for f in it.fields):
            return j
        if it.kind == "field" and vocab.age_field in it.fields:
            return j + 1  # "aged 25 to 35 years": the unit of the age already named
    items.append(Item("field", [tokens[j].text], fields=(vocab.age_field,)))
    return j + 1


def _names_a_value(vocab: Vocabulary, tokens: list[Token], j: int) -> bool:
    if low_at(tokens, j) not in _SUBSCRIBED_TO:
        return False  # "subscribed in Pune" is consent and a place
    k = j
    while low_at(tokens, k) in _SUBSCRIBED_TO or low_at(tokens, k) in ("the", "our", "a", "an"):
        k += 1
    found = vocab.catalog_words.match(tokens, k)
    return found is not None and found[0].kind == "value"


def _reachable(vocab: Vocabulary, tokens: list[Token], i: int) -> tuple[int, str] | None:
    verb = _CHANNEL_VERBS.match(tokens, i)
    if verb is None:
        return None
    j, channel = _channel(vocab, tokens, verb[1])
    return (j, channel) if channel is not None else None


def _known_parts(vocab: Vocabulary, word: str) -> bool:
    return all(vocab.catalog_words.get((p,)) is not None or vocab.grammar_words.get((p,)) is not None
               or lx.is_reserved(p) for p in word.split("-") if p)
