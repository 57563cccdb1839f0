"""The closed sets of kinds the grammar passes between its stages, so a misspelt kind is a type error.

``TokenKind``: what the tokenizer found in the text. ``ItemKind``: what one meaningful unit of the request
is after the lexer (the catalog's and the lexicon's meanings, plus the lexer's own: dates, quantities,
brackets and the words it could not read).
"""

from __future__ import annotations

from typing import Literal, TypeAlias

TokenKind: TypeAlias = Literal["quoted", "iso", "ymd", "slash", "monthyear", "num", "abbr", "word", "sym"]

# What a catalog or lexicon phrase means (vocabulary.Meaning.kind).
MeaningKind: TypeAlias = Literal["field", "value", "neg", "and", "or", "rel", "filler", "noun", "loc", "comma",
                                 "consent", "paid", "negfield"]

ItemKind: TypeAlias = Literal[
    "field", "value", "neg", "and", "or", "rel", "filler", "noun", "loc", "comma", "consent", "paid", "negfield",
    "quoted",  # free text in quotes, or a quoted word that is no catalog value
    "date",  # a date expression (dates.DateExpr)
    "qty",  # a number, amount or comparison (amounts.Quantity)
    "vague",  # a phrase read but deliberately not guessed ("last Monday"), with the hint to show
    "unknown",  # a word not understood
    "lp", "rp", "colon", "op",  # brackets, a colon, a typed operator ("=", "!=")
    "cond",  # a whole condition read from hand-typed syntax ("city in (Delhi, Pune)")
]

# How two parts of a request are joined (structure.Conn).
ConnKind: TypeAlias = Literal["and", "or", "comma", "rel"]
