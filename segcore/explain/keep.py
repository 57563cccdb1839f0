"""Keeping a snapshot's people beside its size (on save and on every scheduled snapshot).

The size is the record; the people are what lets "why did it change?" answer later. Reading them can fail
(the database going away mid-read) without taking the size with it: the snapshot then has a size only, and
a later why starts from the next snapshot that kept its people.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from segcore.errors import SegmentError
from segcore.explain.people import read_people
from segcore.rules import Rule, rule_to_json

if TYPE_CHECKING:
    from segcore.audience import AudienceEngine

log = logging.getLogger(__name__)


# On save, without a fresh mirror, MongoDB is read only up to this many people (well under a second or two on
# the embedded server); larger workspaces get their members at the next scheduled snapshot.
ON_SAVE_FROM_MONGODB = 50_000


def keep_members(engine: AudienceEngine, team_id: str, segment_id: str, rule: Rule, snapshot_id: str,
                 at: datetime, now: datetime, on_save: bool = False) -> int | None:
    """Store the people of ``rule`` at ``now`` with the snapshot ``snapshot_id``; bytes stored, or None."""
    try:
        people = read_people(engine, team_id, rule, now, ON_SAVE_FROM_MONGODB if on_save else None)
        return engine.store.snapshots.record_members(team_id, segment_id, snapshot_id, at, rule_to_json(rule),
                                                     people)
    except SegmentError as exc:
        log.warning("snapshot %s of segment %s kept its size but not its members: %s", snapshot_id, segment_id, exc)
        return None


__all__ = ["keep_members"]
