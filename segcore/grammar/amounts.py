"""Numbers, amounts and comparisons: "over ₹5,000", "1.5 lakh", "5k+", "10k-20k", "3 times or more".

SPEC: ₹/Rs/Rs./INR/rupees mark money; k/thousand = 10^3, lakh/lac/L = 10^5, crore/cr = 10^7, million/M = 10^6;
Indian grouping 1,00,000 = 100000; "more than" is strict, "at least" and "N or more" inclusive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from segcore.grammar import lexicon as lx
from segcore.grammar.phrases import PhraseTable, low_at
from segcore.grammar.tokens import Token, shown

_PRE = PhraseTable(lx.PRE_COMPARATORS)
_POST = PhraseTable(lx.POST_COMPARATORS)
_NUMBER_WORDS = PhraseTable(lx.NUMBER_WORDS)
_TIMES = PhraseTable(lx.TIMES_WORDS)
_AGES = PhraseTable({"the ages of": 1, "ages of": 1, "ages": 1, "the age of": 1, "age": 1})


@dataclass(frozen=True)
class Amount:
    value: int | float
    money: bool
    text: str
    scaled: bool  # written with k/lakh/crore/...: worth telling the marketer how it was read


@dataclass(frozen=True)
class Quantity:
    """A number with its comparison: op is gt/gte/lt/lte/eq/ne/between (then ``high`` is set)."""

    op: str
    low: int | float
    high: int | float | None
    money: bool
    times: bool
    hint: str | None  # "age" for "older than"
    explicit: bool  # the comparison was written, not assumed
    text: str
    scaled: bool


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def read_amount(tokens: Sequence[Token], i: int) -> tuple[Amount, int] | None:
    j = i
    money = False
    if low_at(tokens, j) in lx.CURRENCY_BEFORE:
        money = True
        j += 1
        if low_at(tokens, j) == ".":
            j += 1
    negative = False
    if low_at(tokens, j) == "-" and j + 1 < len(tokens) and tokens[j + 1].kind == "num" and (
        j == 0 or tokens[j - 1].kind not in ("num",)
    ):
        negative = True
        j += 1
    if j < len(tokens) and tokens[j].kind == "num":
        try:
            value: float = float(tokens[j].low.replace(",", ""))
        except ValueError:
            return None
        j += 1
    else:
        found = _NUMBER_WORDS.match(tokens, j)
        if found is None:
            return None
        value, j = float(found[0]), found[1]
    scaled = False
    mult = low_at(tokens, j)
    if mult in lx.MULTIPLIERS and j < len(tokens) and tokens[j].kind == "word":
        value *= lx.MULTIPLIERS[mult]
        scaled = True
        money = money or mult in lx.MONEY_MULTIPLIERS
        j += 1
    if low_at(tokens, j) in lx.CURRENCY_AFTER:
        money = True
        j += 1
    if negative:
        value = -value
    # Round away binary noise from 2.3 * 100000 without losing real decimals.
    value = round(value, 6)
    text = shown(tokens[i:j])
    return Amount(_number(value), money, text, scaled), j


_DECADES = {"twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60, "seventies": 70,
            "eighties": 80, "nineties": 90, "teens": 13}


def _decade(tokens: Sequence[Token], i: int) -> tuple[Quantity, int] | None:
    """"in their 30s", "in their thirties": an age range of ten years (teens: 13-19)."""
    if low_at(tokens, i) != "in" or low_at(tokens, i + 1) not in ("their", "his", "her", "the"):
        return None
    j = i + 2
    word = low_at(tokens, j)
    if word in _DECADES:
        low, j = _DECADES[word], j + 1
    elif j < len(tokens) and tokens[j].kind == "num" and tokens[j].low.isdigit() and low_at(tokens, j + 1) in (
            "s", "'s"):
        low, j = int(tokens[j].low), j + 2
        if low % 10:
            return None
    else:
        return None
    high = 19 if low == 13 else low + 9
    return Quantity("between", low, high, False, False, "age", True, shown(tokens[i:j]), False), j


def read_quantity(tokens: Sequence[Token], i: int) -> tuple[Quantity, int] | None:
    """A comparison and amount starting at ``i`` ("more than ₹5,000", "5 or more", "between 10k and 20k")."""
    decade = _decade(tokens, i)
    if decade is not None:
        return decade
    op, hint, explicit = "eq", None, False
    j = i
    pre = _PRE.match(tokens, j)
    if pre is not None:
        (op, hint), j = pre
        explicit = True
    between = False
    if not explicit and low_at(tokens, j) in lx.BETWEEN_WORDS:
        between = True
        j += 1
        ages = _AGES.match(tokens, j)
        if ages is not None:  # "between the ages of 18 and 24"
            hint, j = "age", ages[1]
    times_word = _TIMES.match(tokens, j)
    if times_word is not None and not between:
        count, j = times_word
        amount = Amount(count, False, tokens[j - 1].text, False)
        times = True
    else:
        read = read_amount(tokens, j)
        if read is None:
            return None
        amount, j = read
        times = False
    high: Amount | None = None
    # A range: "between A and B", "from A to B", "A-B", "A to B".
    joiner = low_at(tokens, j)
    if not times and op == "eq" and (joiner in ("-", "to") or (between and joiner in lx.RANGE_JOINERS)):
        second = read_amount(tokens, j + 1)
        if second is not None:
            high, j = second
            op = "between"
            explicit = True
    elif between:
        return None
    if not times and low_at(tokens, j) in lx.TIMES_SUFFIX:
        times = True
        j += 1
    post = _POST.match(tokens, j)
    if post is not None and low_at(tokens, post[1]) in ("than", "then"):
        post = None  # "5 or less than 10" is two numbers, not "5 or less"
    if post is not None and op == "eq" and high is None:
        (op, post_hint), j = post
        hint = hint or post_hint
        explicit = True
    if not times and low_at(tokens, j) in lx.TIMES_SUFFIX:
        times = True
        j += 1
    money = amount.money or (high is not None and high.money)
    text = shown(tokens[i:j])
    return (
        Quantity(op, amount.value, high.value if high else None, money, times, hint, explicit, text,
                 amount.scaled or bool(high and high.scaled)),
        j,
    )
