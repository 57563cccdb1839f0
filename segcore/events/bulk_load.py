"""A large first import of events on the embedded server builds the events' index after the load.

The embedded server pays for a secondary index on every insert about twice what the insert itself costs
(docs/scale.md "Events": 11,575 events/s into a bare collection, 3,868/s with the one index), while
building the index once afterwards reads each event once. So an import (or a demo seeding) of many events
into an installation that holds no events at all sets ``team_event_time`` aside and builds it again as soon
as the load ends, however it ends; a process killed in between leaves it to the next start
(``Store.ensure_indexes`` builds every missing event index). Events already there belong to someone whose
event conditions read that index, so it is never set aside then; nor on a real MongoDB (``MONGODB_URI``),
where maintaining it is cheap. Nothing else reads the index while events are loaded: message ids ride on
``_id`` and identity links on their own collections.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from segcore.events.indexes import EVENTS, EVENTS_MARK, MARKS, event_indexes, mark_events_written
from segcore.progress import Progress
from segcore.storage.bulk_load import rebuilt_after
from segcore.storage.database import Store

DEFER_AT = 20_000  # events expected: below it the index costs too little to be worth a rebuild


@contextmanager
def event_index_after_load(
    store: Store, expected: int, at_least: int = DEFER_AT, stream: TextIO | None = None
) -> Iterator[bool]:
    """Around a load of about ``expected`` events; yields whether the events' index was set aside."""
    if store.server is None or expected < at_least:
        yield False
        return
    events = store.db[EVENTS]
    with store.outage.guard():
        present = set(events.index_information())
        names = [name for name in event_indexes() if name in present]
        # The mark first: asking a large events collection reads all of it on this server. An installation
        # older than the mark is asked once and then marked.
        empty = bool(names) and store.db[MARKS].find_one({"_id": EVENTS_MARK}) is None
        if empty and events.find_one({}, {"_id": 1}) is not None:
            mark_events_written(store.db[MARKS], None)
            empty = False
        if empty:
            for name in names:
                events.drop_index(name)
    if not empty:
        yield False
        return
    with rebuilt_after(lambda: build_event_indexes(store, stream)):
        yield True


def build_event_indexes(store: Store, stream: TextIO | None = None) -> None:
    """The events' indexes that are missing, with progress on a terminal."""
    events = store.db[EVENTS]
    with store.outage.guard():
        present = set(events.index_information())
    missing = {name: spec for name, spec in event_indexes().items() if name not in present}
    if not missing:
        return
    progress = Progress(len(missing), "Building the events' index", stream, unit="indexes")
    try:
        with store.outage.guard():
            for name, (keys, options) in missing.items():
                events.create_index(keys, name=name, **options)
                progress.advance(1)
    finally:
        progress.done()


__all__ = ["DEFER_AT", "build_event_indexes", "event_index_after_load"]
