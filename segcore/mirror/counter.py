"""The mirror as the audience engine's preferred counter: it answers when fresh, MongoDB otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from segcore.audience import Counted, CounterUnavailable, Overlap
from segcore.mirror.mirror import MirrorUnavailable, UserMirror
from segcore.rules import Rule


class MirrorCounter:
    name = "mirror"

    def __init__(self, mirror: UserMirror) -> None:
        self.mirror = mirror

    def count(self, team_id: str, rule: Rule, now: datetime) -> Counted:
        try:
            result = self.mirror.count(team_id, rule, now)
        except MirrorUnavailable as exc:
            raise CounterUnavailable(str(exc)) from None
        return Counted(result.size, result.as_of)

    def sizes(self, team_id: str, rules: Mapping[str, Rule], now: datetime) -> dict[str, int]:
        try:
            return self.mirror.sizes(team_id, rules, now)
        except MirrorUnavailable as exc:
            raise CounterUnavailable(str(exc)) from None

    def overlap(self, team_id: str, a: Rule, b: Rule, now: datetime) -> Overlap:
        try:
            first, second, both = self.mirror.overlap(team_id, a, b, now)
        except MirrorUnavailable as exc:
            raise CounterUnavailable(str(exc)) from None
        return Overlap(first, second, both)

    # Picking members: ids from the mirror, so MongoDB only fetches the few documents shown.

    def sample_ids(self, team_id: str, rule: Rule, now: datetime, n: int) -> list[str]:
        try:
            return self.mirror.sample_ids(team_id, rule, now, n)
        except MirrorUnavailable as exc:
            raise CounterUnavailable(str(exc)) from None

    def page_ids(self, team_id: str, rule: Rule, now: datetime, after: str | None, limit: int) -> list[str]:
        try:
            return self.mirror.page_ids(team_id, rule, now, after, limit)
        except MirrorUnavailable as exc:
            raise CounterUnavailable(str(exc)) from None
