"""Saving a segment and measuring it: the two steps every handler takes, in one place.

Saving is the change a person asked for; the first size is a measurement taken right after. When the
database goes away between the two, the segment *is* saved, and saying otherwise would make people save it
again (and meet "that name is taken"). So a failed measurement is reported as a missing size, not as a
failed save.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from segcore.audience import AudienceEngine, AudienceSize
from segcore.explain.keep import keep_members
from segcore.rules import Rule
from segcore.storage.errors import StorageError
from segcore.storage.segments import Segment

if TYPE_CHECKING:
    from segcore.storage.database import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SavedSegment:
    segment: Segment
    size: AudienceSize | None  # None: saved, but it could not be counted just now


def measure(store: Store, engine: AudienceEngine, segment: Segment, now: datetime) -> AudienceSize:
    """Count a saved segment now; remember the size on it and as a point of its history."""
    counted = engine.count(segment.team_id, segment.rule, now)
    store.segments.record_size(segment.team_id, segment.id, counted.size, now)
    snapshot_id = store.snapshots.record(segment.team_id, segment.id, counted.size, now, counted.engine)
    keep_members(engine, segment.team_id, segment.id, segment.rule, snapshot_id, now, now, on_save=True)
    return counted


def measure_if_possible(store: Store, engine: AudienceEngine, segment: Segment, now: datetime) -> SavedSegment:
    """``measure``, for a change already made: a database failure leaves the size unknown instead."""
    try:
        counted = measure(store, engine, segment, now)
    except StorageError as exc:
        log.warning("segment %s saved but not counted: %s", segment.id, exc)
        return SavedSegment(segment, None)
    return SavedSegment(dataclasses.replace(segment, last_size=counted.size, last_counted_at=now), counted)


def save_segment(store: Store, engine: AudienceEngine, team_id: str, name: str, rule: Rule, text: str,
                 source: str, by: str, now: datetime, *, segment_id: str | None = None) -> SavedSegment:
    """Save a new segment (names are unique per workspace, ignoring case) and take its first size.

    ``segment_id``: see ``SegmentRepository.create`` (a repeated save with the same id saves nothing new)."""
    segment = store.segments.create(team_id, name, rule, text, source, by, segment_id=segment_id)
    return measure_if_possible(store, engine, segment, now)
