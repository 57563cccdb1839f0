"""Text to tokens: words, numbers, ISO dates, quoted text and symbols, keeping the original spelling.

Matching is done on ``low`` (lowercased, curly quotes straightened); ``text`` keeps the marketer's casing
for free-text values such as ``name contains "Shah"``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from segcore.grammar.kinds import TokenKind

_TOKEN = re.compile(
    r"""
    (?P<quoted>"[^"]*"|(?<![\w'])'[^']*'(?![\w']))
    |(?P<iso>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\d-])
        |\d{4}-\d{2}(?![\d-]))
    |(?P<ymd>\d{4}/\d{1,2}/\d{1,2}(?!\d))
    |(?P<slash>\d{1,2}(?P<sep0>[/.-])\d{1,2}(?P=sep0)\d{4}(?!\d))
    |(?P<monthyear>(?:0?[1-9]|1[0-2])/\d{4}(?!\d))
    |(?P<address>[\w.+'-]*@[^\W_][\w-]*(?:\.[^\W_][\w-]*)*|[^\W\d_][\w-]*(?:\.[^\W\d_][\w-]+)+(?=$|[\s,;:!?)"]|\.(?:\s|$)))
    |(?P<num>\d+(?:,\d+)*(?:\.\d+)?)
    |(?P<currency>(?i:rs|inr)(?=\d))
    |(?P<abbr>(?:[^\W\d_]\.){2,})
    |(?P<word>[^\W\d]\w*(?:['-][^\W\d_]+)*)
    |(?P<sym>/-|>=|<=|!=|==|=>|=<|<>|[^\s\w])
    """,
    re.VERBOSE,
)

_STRAIGHTEN = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str  # as written (quotes removed for quoted text)
    low: str
    spaced: bool = True  # written after a space: "5 k" vs "5k", for showing phrases back as typed


def tokenize(text: str) -> list[Token]:
    text = text.translate(_STRAIGHTEN)
    tokens: list[Token] = []
    end = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "sym"
        if kind in ("currency", "address"):  # "Rs5000": the currency is a word; "a@b.co", "gmail.com" one word
            kind = "word"
        raw = match.group()
        if kind == "quoted":
            raw = raw[1:-1]
        # The regular expression's group names are exactly the token kinds (currency/address folded above).
        tokens.append(Token(cast(TokenKind, kind), raw, raw.lower(), match.start() > end))
        end = match.end()
    return tokens


def shown(tokens: Sequence[Token]) -> str:
    """Tokens as the marketer wrote them ("over 5k", not "over 5 k")."""
    out = []
    for index, tok in enumerate(tokens):
        if index and tok.spaced:
            out.append(" ")
        out.append(f'"{tok.text}"' if tok.kind == "quoted" else tok.text)
    return "".join(out)


def phrase_key(text: str) -> tuple[str, ...]:
    """The lookup key of a catalog or lexicon phrase: its tokens, lowercased."""
    return tuple(t.low for t in tokenize(text))
