"""Reading MongoDB's change stream on ``users`` and ``events`` in small batches, and deciding what each
batch changes.

One stream over the database, filtered to the two collections, so one resume token covers both and a
batch applies both in one transaction.

A batch ends when the stream has nothing more for now (then everything written before that moment is in
the batch) or after a short time, so a steady stream of writes still reaches the mirror every few
hundred milliseconds.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo.change_stream import ChangeStream
from pymongo.errors import OperationFailure

from segcore.mirror.schema import doc_key

WATCHED = ("users", "events")
# Only the two mirrored collections: other collections' writes never wake the mirror.
PIPELINE: list[dict[str, Any]] = [{"$match": {"$or": [
    {"ns.coll": {"$in": list(WATCHED)}},
    {"operationType": {"$in": ["dropDatabase", "invalidate"]}},
]}}]

# Events after which the stream cannot go on (the collection went away or the stream was invalidated).
_FATAL_EVENTS = ("drop", "rename", "dropDatabase", "invalidate")
# Server errors a change stream survives (pymongo's own list: the server was stepping down or restarting).
_RESUMABLE_CODES = frozenset({6, 7, 63, 89, 91, 150, 189, 262, 9001, 10107, 11600, 11602, 13388, 13435, 13436})


class ResumeLost(Exception):
    """The stream cannot continue from the stored token: only a full rebuild makes the mirror exact again."""


@dataclass
class Batch:
    """Changes read together: the final document for each changed ``_id`` (None when it is gone)."""

    final: dict[str, Mapping[str, Any] | None]
    events: int
    drained_at: datetime | None  # when the stream was seen empty after these changes
    last_wall_time: datetime | None  # server time of the last change, to measure lag while busy
    # The same for the ``events`` collection, by raw ``_id``; ``inserted`` are those only inserted here.
    event_final: dict[Any, Mapping[str, Any] | None] = field(default_factory=dict)
    inserted: set[Any] = field(default_factory=set)


def is_resumable(exc: OperationFailure) -> bool:
    return exc.has_error_label("ResumableChangeStreamError") or exc.code in _RESUMABLE_CODES


def read_batch(stream: ChangeStream[Any], max_events: int = 5000, max_seconds: float = 0.25) -> Batch:
    final: dict[str, Mapping[str, Any] | None] = {}
    event_final: dict[Any, Mapping[str, Any] | None] = {}
    inserted: set[Any] = set()
    events = 0
    wall: datetime | None = None
    deadline = time.monotonic() + max_seconds
    drained_at: datetime | None = None
    while events < max_events:
        try:
            change = stream.try_next()
        except OperationFailure as exc:
            if is_resumable(exc):
                raise
            raise ResumeLost(f"the change stream stopped: {exc}") from exc
        if change is None:
            drained_at = datetime.now(UTC)
            break
        events += 1
        kind = change.get("operationType")
        coll = (change.get("ns") or {}).get("coll")
        if kind in _FATAL_EVENTS:
            raise ResumeLost(f"the {coll or 'watched'} collection saw a {kind!r} event")
        key = (change.get("documentKey") or {}).get("_id")
        if key is None:
            continue
        if coll == "events":
            if kind == "insert" and key not in event_final:
                inserted.add(key)
            else:
                inserted.discard(key)
            if kind in ("insert", "update", "replace"):
                event_final[key] = change.get("fullDocument")
            elif kind == "delete":
                event_final[key] = None
        elif kind in ("insert", "update", "replace"):
            # With updateLookup the document is the current one; None means it was deleted since.
            final[doc_key(key)] = change.get("fullDocument")
        elif kind == "delete":
            final[doc_key(key)] = None
        moment = change.get("wallTime")
        if isinstance(moment, datetime):
            wall = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        if time.monotonic() > deadline:
            break
    return Batch(final, events, drained_at, wall, event_final, inserted)
