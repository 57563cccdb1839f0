"""Longest-match lookup of multi-word phrases in token streams (dict lookups, no regex per phrase)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Generic, TypeVar

from segcore.grammar.tokens import Token, phrase_key

T = TypeVar("T")


class PhraseTable(Generic[T]):
    """Phrases keyed by their lowercased tokens; ``match`` finds the longest one starting at a position."""

    def __init__(self, entries: Mapping[str, T] | Iterable[tuple[str, T]] = ()) -> None:
        self.table: dict[tuple[str, ...], T] = {}
        self.longest = 0
        items = entries.items() if isinstance(entries, Mapping) else entries
        for phrase, meaning in items:
            self.add(phrase_key(phrase), meaning)

    def add(self, key: tuple[str, ...], meaning: T) -> None:
        if key:
            self.table[key] = meaning
            self.longest = max(self.longest, len(key))

    def get(self, key: tuple[str, ...]) -> T | None:
        return self.table.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self.table

    def match(self, tokens: Sequence[Token], i: int) -> tuple[T, int] | None:
        """The meaning of the longest phrase starting at ``i`` and the index after it."""
        for n in range(min(self.longest, len(tokens) - i), 0, -1):
            key = tuple(t.low for t in tokens[i:i + n])
            found = self.table.get(key)
            if found is not None:
                return found, i + n
        return None


def low_at(tokens: Sequence[Token], i: int) -> str:
    return tokens[i].low if 0 <= i < len(tokens) else ""
