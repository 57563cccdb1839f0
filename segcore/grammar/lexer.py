"""Tokens to items: dates and quantities first (they own words like "over" and "or more"), then the
longest catalog or fixed phrase, then a one-typo correction; whatever is left is an unknown word."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from segcore.grammar import lexicon as lx
from segcore.grammar.amounts import Quantity, read_quantity
from segcore.grammar.dates import DateExpr, read_date
from segcore.grammar.phrases import PhraseTable, low_at
from segcore.grammar.tokens import Token, phrase_key, shown, tokenize
from segcore.grammar.vocabulary import Meaning, Vocabulary, corrections

_POST = PhraseTable(lx.POST_COMPARATORS)
_SYMBOLS = {"(": "lp", ")": "rp", "[": "lp", "]": "rp", ",": "comma", ";": "comma", ":": "colon",
            "&": "and", "|": "or", "/": "or", "=": "op", "==": "op", "!=": "op", "<>": "op", "≠": "op"}
_IGNORED_SYMBOLS = frozenset({".", "?", "!", "-", "'", '"', "…", "*", "•", "#", "@"})
_CHANNEL_GLUE = frozenset({"to", "of", "from", "for", "in", "into", "the", "our", "on"})
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
        late = _late_comparison(tokens, i, items)
        if late is not None:
            i = late
            continue
        date = read_date(tokens, i, now)
        if date is not None:
            expr, j = date
            items.append(Item("date", [shown(tokens[i:j])], data=expr))
            i = j
            continue
        qty = read_quantity(tokens, i)
        if qty is not None:
            quantity, j = qty
            items.append(Item("qty", [shown(tokens[i:j])], data=quantity))
            i = j
            continue
        if tok.kind == "sym" and tok.low in _SYMBOLS:
            items.append(Item(_SYMBOLS[tok.low], words))
            i += 1
            continue
        if tok.kind == "sym" and tok.low in _IGNORED_SYMBOLS:
            i += 1
            continue
        meaning, j = _phrase(vocab, tokens, i)
        if meaning is None and tok.kind == "word" and tok.low.startswith("non-"):
            inner = _phrase(vocab, [Token("word", tok.text[4:], tok.low[4:])], 0)[0]
            if inner is not None:
                items.append(Item("neg", ["non"]))
                items.append(_item(inner, [tok.text[4:]]))
                i += 1
                continue
        if meaning is None and tok.kind in ("word", "abbr"):
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
            j, channel = _channel(vocab, tokens, j)
            items.append(Item("consent", [t.text for t in tokens[i:j]], flag=meaning.flag, data=channel))
            i = j
            continue
        consumed = [t.text for t in tokens[i:j]]
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


def _phrase(vocab: Vocabulary, tokens: list[Token], i: int) -> tuple[Meaning | None, int]:
    cat = vocab.catalog_words.match(tokens, i)
    gram = vocab.grammar_words.match(tokens, i)
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
    for stem in (word[:-1] if word.endswith("s") else None, word[:-2] if word.endswith("es") else None):
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
    channel = word if word in vocab.consent else None
    if channel is None:
        return j, None
    k += 1
    while low_at(tokens, k) in _CHANNEL_TAIL:
        k += 1
    return k, channel


def quantity(item: Item) -> Quantity:
    assert isinstance(item.data, Quantity)
    return item.data


def date_expr(item: Item) -> DateExpr:
    assert isinstance(item.data, DateExpr)
    return item.data


__all__ = ["Item", "lex", "lx"]
