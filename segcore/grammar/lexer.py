"""Tokens to items: dates and quantities first (they own words like "over" and "or more"), then the
longest catalog or fixed phrase, then a one-typo correction; whatever is left is an unknown word."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from segcore.grammar import lexicon as lx
from segcore.grammar.amounts import Quantity, read_quantity
from segcore.grammar.behaviour import read_event
from segcore.grammar.dates import DateExpr, read_bare_span, read_date, read_weekday, read_year
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
_SYMBOLS = {"(": "lp", ")": "rp", "[": "lp", "]": "rp", ",": "comma", ";": "comma", ":": "colon",
            "&": "and", "|": "or", "/": "or", "=": "op", "==": "op", "!=": "op", "<>": "op", "≠": "op"}
_IGNORED_SYMBOLS = frozenset({".", "?", "!", "-", "'", '"', "…", "*", "•", "#", "@", "/-"})
_CHANNEL_GLUE = frozenset({"to", "of", "from", "for", "in", "into", "the", "our", "on", "all", "any", "marketing",
                           "promotional", "promo", "receive", "receiving", "get", "getting"})
_CHANNEL_TAIL = frozenset({"emails", "list", "newsletter", "updates", "communications", "marketing", "mails",
                           "mailing"})


@dataclass
class Item:
    """One meaningful unit of the request."""

    kind: str
    words: list[str]
    fields: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()
    flag: bool = True
    data: Any = None
    merged: list[tuple[str, Item]] = field(default_factory=list)  # values joined by "or"/"and"/","

    @property
    def text(self) -> str:
        return " ".join(self.words)


def lex(text: str, vocab: Vocabulary, now: datetime, notes: list[str]) -> list[Item]:
    tokens = tokenize(text)
    items: list[Item] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        words = [tok.text]
        if tok.kind == "quoted":
            # A quoted known value ("vip") is that value; any other quoted text is free text.
            known = vocab.catalog_words.get(phrase_key(tok.text)) if tok.text.strip() else None
            if known is not None and known.kind == "value":
                items.append(Item("value", [tok.text], values=known.values))
            else:
                items.append(Item("quoted", [tok.text], data=tok.text))
            i += 1
            continue
        event = read_event(vocab, tokens, i, items, now, notes)
        if event is not None:
            i = event
            continue
        late = _late_comparison(tokens, i, items)
        if late is not None:
            i = late
            continue
        date = read_date(tokens, i, now)
        if date is None and items and items[-1].kind == "field" and items[-1].data == "window":
            date = read_bare_span(tokens, i)  # "inactive 60+ days", "dormant 3 months"
        if (date is None and len(items) > 1 and items[-1].kind in ("or", "and", "comma")
                and items[-2].kind == "date" and items[-2].data.op == "on"):
            date = read_year(tokens, i)  # "signed up in 2024 or 2025": the year after "or" is a date too
        if date is not None:
            expr, j = date
            items.append(Item("date", [shown(tokens[i:j])], data=expr))
            i = j
            continue
        qty = read_quantity(tokens, i) if not (tok.low == "one" and low_at(tokens, i + 1) == "of") else None
        if qty is not None:
            quantity, j = qty
            items.append(Item("qty", [shown(tokens[i:j])], data=quantity))
            i = _years_of_age(vocab, tokens, j, items)
            continue
        bound = _bound_before_field(vocab, tokens, i)
        if bound is not None:
            items.extend(bound[0])
            i = bound[1]
            continue
        weekday = read_weekday(tokens, i, now)
        if weekday is not None:
            found, j = weekday
            if isinstance(found, DateExpr):
                items.append(Item("date", [shown(tokens[i:j])], data=found))
            else:
                items.append(Item("vague", [shown(tokens[i:j])], data=found))
            i = j
            continue
        if tok.kind == "sym" and tok.low in _SYMBOLS:
            items.append(Item(_SYMBOLS[tok.low], words))
            i += 1
            continue
        if tok.kind == "sym" and tok.low in _IGNORED_SYMBOLS:
            i += 1
            continue
        meaning, j = _phrase(vocab, tokens, i, items)
        if meaning is None and tok.kind == "word" and tok.low.startswith("non-"):
            inner = _phrase(vocab, [Token("word", tok.text[4:], tok.low[4:])], 0)[0]
            if inner is not None:
                items.append(Item("neg", ["non"]))
                items.append(_item(inner, [tok.text[4:]]))
                i += 1
                continue
        reach = _reachable(vocab, tokens, i)
        if reach is not None:
            items.append(Item("consent", [shown(tokens[i:reach[0]])], flag=True, data=reach[1]))
            i = reach[0]
            continue
        if meaning is None and tok.kind == "word":
            counted = _count_word(vocab, tokens, i)
            if counted is not None:
                items.extend(counted[0])
                i = counted[1]
                continue
        if meaning is None and tok.kind == "word" and "-" in tok.low.strip("-") and _known_parts(vocab, tok.low):
            # "free-tier", "US-based", "vip-tagged": an unknown hyphenated word made of known words is read
            # as its parts ("nobody-by-that-name" stays one unknown word).
            parts = [p for p in tok.text.split("-") if p]
            tokens[i:i + 1] = [Token("word", p, p.lower(), tok.spaced or n > 0) for n, p in enumerate(parts)]
            continue
        if meaning is None and tok.kind in ("word", "abbr") and tok.low not in _NOT_TYPOS:
            meaning, fixed = _fix(vocab, tok.low)
            if meaning is not None:
                j = i + 1
                if fixed.rstrip("s") != tok.low.rstrip("s"):
                    notes.append(f"'{tok.text}' read as '{fixed}'")
        if meaning is None:
            items.append(Item("unknown", words))
            i += 1
            continue
        if meaning.kind == "consent":
            if meaning.fields:  # "emailed", "emailable": the word names its channel
                channel = next((c for c, n in vocab.consent.items() if n == meaning.fields[0]), None)
            else:
                j, channel = _channel(vocab, tokens, j)
                if channel is None and _names_a_value(vocab, tokens, j):
                    # "subscribed to the newsletter", "signed up for the pro plan": the value is what they
                    # subscribed to; "unsubscribed from the newsletter" is not having it.
                    if not meaning.flag:
                        items.append(Item("neg", [t.text for t in tokens[i:j]]))
                    i = j
                    continue
            items.append(Item("consent", [t.text for t in tokens[i:j]], flag=meaning.flag, data=channel))
            i = j
            continue
        if meaning.kind == "field" and j == i + 1 and tok.low in vocab.consent:
            # "email-consented", "email opted-in users", "email marketing opt-outs": the channel comes first.
            k = j
            while low_at(tokens, k) in _CHANNEL_TAIL:
                k += 1
            consent = vocab.grammar_words.match(tokens, k)
            if consent is not None and consent[0].kind == "consent" and not consent[0].fields:
                end = consent[1]
                items.append(Item("consent", [t.text for t in tokens[i:end]], flag=consent[0].flag, data=tok.low))
                i = end
                continue
        consumed = [t.text for t in tokens[i:j]]
        if meaning.kind == "neg" and consumed[0].lower() == "but" and len(consumed) > 1:
            items.append(Item("comma", consumed[:1]))  # "but not": the "but" joins like a comma
            items.append(Item("neg", consumed[1:]))
            i = j
            continue
        if meaning.kind == "value" and items and items[-1].kind == "value" and items[-1].values == meaning.values:
            items[-1].words.extend(consumed)  # "Delhi NCR", "New Delhi NCR": one place said twice
            i = j
            continue
        items.append(_item(meaning, consumed))
        if meaning.kind == "negfield":
            items[-1] = Item("neg", consumed)
            items.append(Item("field", [], fields=meaning.fields, data="window"))
        i = j
    return items


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
