"""The grammar's readers are ordered tables: the order is the grammar's precedence (a reader earlier in a
table shadows the ones after it for the words it takes), so a new reader's place is a reviewed decision.
Changing a table means changing the list here on purpose."""

from __future__ import annotations

from typing import get_args

from segcore.grammar.conditions import CLAUSE_READERS
from segcore.grammar.dates import DATE_READERS
from segcore.grammar.kinds import ItemKind
from segcore.grammar.lexer import LEX_READERS, MEANING_READERS


def test_the_lexer_tries_its_readers_in_this_order() -> None:
    assert [name for name, _ in LEX_READERS] == [
        "quoted text", "behaviour", "comparison after the field word", "date", "quantity", "bound before the field", "weekday",
        "symbol", "non- prefix", "reachable by a channel", "count word", "hyphenated parts",
        "catalog or fixed phrase", "unknown word"]
    # The last reader takes any token, so reading always moves on.
    assert LEX_READERS[-1][0] == "unknown word"


def test_a_known_phrase_is_placed_by_these_readers_in_this_order() -> None:
    assert [name for name, _ in MEANING_READERS] == [
        "consent and its channel", "channel before consent", "but not", "a value said twice", "the phrase itself"]


def test_dates_are_read_in_this_order() -> None:
    assert [name for name, _ in DATE_READERS] == [
        "operator name", "quarter or half", "range of ago", "between two dates", "rolling window", "ago",
        "typed comparison", "year to date", "start of a period", "end of a period", "date or named period"]


def test_a_clause_takes_each_item_kind_with_exactly_one_reader() -> None:
    assert [name for name, *_ in CLAUSE_READERS] == [
        "ignored words", "unknown word", "negation", "field", "payload", "typed condition", "vague phrase",
        "stray word"]
    claimed = [kind for _, kinds, _, _ in CLAUSE_READERS if kinds is not None for kind in kinds]
    assert len(claimed) == len(set(claimed)), "two clause readers claim the same item kind"
    assert set(claimed) <= set(get_args(ItemKind))
    # Only the last reader takes whatever is left (structure words inside a clause).
    assert [kinds for _, kinds, _, _ in CLAUSE_READERS].index(None) == len(CLAUSE_READERS) - 1


def test_every_reader_is_about_a_screen_long() -> None:
    import inspect

    readers = [r for _, r in LEX_READERS] + [r for _, r in MEANING_READERS] + [r for _, r in DATE_READERS]
    readers += [r for *_, r in CLAUSE_READERS]
    long = {r.__name__: n for r in readers if (n := len(inspect.getsource(r).splitlines())) > 50}
    assert not long, f"readers longer than a screen: {long}"
