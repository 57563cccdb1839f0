"""The mirror as the audience engine's preferred counter: it answers when fresh, MongoDB otherwise."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from datetime import datetime

from segcore.audience import Counted, CounterUnavailable, Overlap
from segcore.mirror.mirror import MirrorUnavailable, UserMirror
from segcore.rules import Rule


@contextlib.contextmanager
def _declines() -> Iterator[None]:
    """A mirror that cannot answer declines, and the engine asks the next counter (MongoDB)."""
    try:
        yield
    except MirrorUnavailable as exc:
        raise CounterUnavailable(str(exc)) from None


class MirrorCounter:
    name = "mirror"

    def __init__(self, mirror: UserMirror) -> None:
        self.mirror = mirror

    def count(self, team_id: str, rule: Rule, now: datetime) -> Counted:
        with _declines():
            result = self.mirror.count(team_id, rule, now)
        return Counted(result.size, result.as_of)

    def workspace_size(self, team_id: str) -> Counted:
        with _declines():
            result = self.mirror.workspace_size(team_id)
        return Counted(result.size, result.as_of)

    def sizes(self, team_id: str, rules: Mapping[str, Rule], now: datetime) -> dict[str, int]:
        with _declines():
            return self.mirror.sizes(team_id, rules, now)

    def overlap(self, team_id: str, a: Rule, b: Rule, now: datetime) -> Overlap:
        with _declines():
            first, second, both = self.mirror.overlap(team_id, a, b, now)
        return Overlap(first, second, both)

    # Picking members: ids from the mirror, so MongoDB only fetches the few documents shown.

    def sample_ids(self, team_id: str, rule: Rule, now: datetime, n: int) -> list[str]:
        with _declines():
            return self.mirror.sample_ids(team_id, rule, now, n)

    def page_ids(self, team_id: str, rule: Rule, now: datetime, after: str | None, limit: int) -> list[str]:
        with _declines():
            return self.mirror.page_ids(team_id, rule, now, after, limit)
