"""The daily digest of one workspace: sizes and their change, biggest movers, campaigns launched."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from segcore.campaigns.launch import launches
from segcore.errors import SegmentError
from segcore.explain.why import main_cause, stored_why

if TYPE_CHECKING:
    from segcore.storage.database import Store

HISTORY_LIMIT = 500


@dataclass(frozen=True)
class SegmentLine:
    name: str
    size: int | None
    previous: int | None  # size at the start of the window (nearest snapshot at or before it)
    cause: str | None = None  # the main cause, for movers: "-312: 290 no longer visited in the last 30 days, …"

    @property
    def change(self) -> int | None:
        if self.size is None or self.previous is None:
            return None
        return self.size - self.previous

    @property
    def change_percent(self) -> float | None:
        if self.change is None or not self.previous:
            return None
        return 100.0 * self.change / self.previous


@dataclass(frozen=True)
class LaunchedLine:
    name: str
    audience_size: int
    holdout_size: int
    at: datetime


@dataclass(frozen=True)
class Digest:
    team_id: str
    start: datetime
    end: datetime
    segments: list[SegmentLine]  # biggest first
    movers: list[SegmentLine]  # largest absolute change first, only those that changed
    launched: list[LaunchedLine]


def build_digest(store: Store, team_id: str, now: datetime, window: timedelta = timedelta(days=1),
                 movers: int = 3) -> Digest:
    start = now - window
    lines = []
    for segment in store.segments.list(team_id):
        history = [(at, size) for at, size in store.snapshots.history(team_id, segment.id, limit=HISTORY_LIMIT)
                   if at <= now]
        size = history[-1][1] if history else segment.last_size
        before = [s for at, s in history if at <= start]
        previous = before[-1] if before else (history[0][1] if len(history) > 1 else None)
        lines.append(SegmentLine(segment.name, size, previous))
    lines.sort(key=lambda line: (-(line.size or 0), line.name))
    changed = [line for line in lines if line.change]
    changed.sort(key=lambda line: (-abs(line.change or 0), line.name))
    launched = [
        LaunchedLine(_campaign_name(store, team_id, d["campaign_id"]), int(d.get("audience_size") or 0),
                     int(d.get("holdout_size") or 0), d["finished_at"])
        for d in launches(store.db).find({"team_id": team_id, "status": "finished",
                                          "finished_at": {"$gt": start, "$lte": now}}).sort("finished_at", 1)
    ]
    ids = {segment.name: segment.id for segment in store.segments.list(team_id)}
    top = [dataclasses.replace(line, cause=_cause(store, team_id, ids.get(line.name), start, now))
           for line in changed[:movers]]
    return Digest(team_id, start, now, lines, top, launched)


def _cause(store: Store, team_id: str, segment_id: str | None, start: datetime, now: datetime) -> str | None:
    if segment_id is None:
        return None
    try:
        why = stored_why(store, store.catalog, team_id, segment_id, start, now)
    except SegmentError:  # a cause is a bonus: the digest goes out without it
        return None
    return main_cause(why) if why is not None else None


def _campaign_name(store: Store, team_id: str, campaign_id: str) -> str:
    campaign = store.campaigns.get(team_id, campaign_id)
    return campaign.name if campaign else campaign_id
