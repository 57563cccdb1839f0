"""`/segment why NAME [since]` and the App Home's "Why?" button: the answer for one saved segment."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bot.blocks.why import why_message
from segcore.errors import SegmentError
from segcore.explain.why import main_cause, parse_since, why_changed

_SINCE = re.compile(r"^(?:\d+[mhdw]|\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?)$", re.IGNORECASE)


def split_since(text: str) -> tuple[str, str | None]:
    """"Active buyers 7d" -> ("Active buyers", "7d"); a name alone keeps the default (24 hours)."""
    name, _, last = text.strip().rpartition(" ")
    if name and _SINCE.match(last):
        return name.strip(), last
    return text.strip(), None


def why_for(services: Any, segment: Any, since_text: str | None = None) -> dict[str, Any]:
    now = services.now()
    why = why_changed(services.engine, segment, parse_since(since_text, now), now)
    return why_message(segment.name, why.details_json(), main_cause(why))


def why_command(services: Any, team_id: str, text: str) -> dict[str, Any]:
    name, since = split_since(text)
    segment = services.store.segments.get_by_name(team_id, name)
    if segment is None:
        raise SegmentError(f"There is no saved segment named “{name}”. `/segment list` shows them all.")
    return why_for(services, segment, since)


def changes_since_yesterday(services: Any, team_id: str, rows: Any) -> dict[str, int | None]:
    """Each saved segment's size now against its last recorded size 24 hours ago (None: none that old)."""
    then = services.store.snapshots.sizes_at(team_id, services.now() - timedelta(hours=24))
    return {row.id: (row.size - then[row.id] if row.size is not None and row.id in then else None) for row in rows}


__all__ = ["changes_since_yesterday", "split_since", "why_command", "why_for"]
