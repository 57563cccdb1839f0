"""A large first load into an empty ``users`` collection builds its secondary indexes after the load.

On the embedded server every insert maintains each of the 13 ``(team_id, field)`` indexes one entry at a
time, and building them afterwards measured 1.3-2.6x faster in the same runs (5,000 people, three rounds:
maintained 112-161 people/s, loaded bare then indexed 200-289/s, on a busy 2-core machine). The indexes are
shared by every workspace, so this is done only when the collection holds nobody at all (the first import of
a new installation): no one's queries lose an index, and there is nothing of anyone else's to re-read when
they are built.

On the embedded server the unique ``(team_id, user_id)`` index is set aside too, and built again as soon as
the load ends, whatever the per-field indexes do: it alone made inserts 3.0-3.4x slower (50,000 people on a
quiet machine: 10,409/s bare, 3,034/s with it; rebuilding it took 17.4 s for 300,000). Without it the writer
never inserts anyone twice: a person listed again later in the file waits for the index and is then written
as an upsert (``BulkUserWriter``); a person that another writer added meanwhile is merged away when the index
is rebuilt (``restore_unique_index``). A real MongoDB keeps the unique index through the load.

The indexes are built again however the load ends; a process killed in between leaves them to the next
start (``Store.ensure_indexes`` at open, which always restores the unique one, and ``segments serve`` in the
background above 50,000 users), except on the embedded server at 50,000 people or more, where the per-field
ones wait for ``segments indexes build`` (``Store.field_indexes_wait``: a build there stops the whole server
while it runs).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from segcore.progress import Progress
from segcore.storage.database import Store
from segcore.storage.users import UNIQUE_INDEX, restore_unique_index

DEFER_AT = 20_000  # people expected: below it the indexes cost too little to be worth the round trips
KEPT = UNIQUE_INDEX  # the unique index every write relies on


@contextmanager
def indexes_after_load(
    store: Store, expected: int, at_least: int = DEFER_AT, stream: TextIO | None = None
) -> Iterator[bool]:
    """Around a load of about ``expected`` people; yields whether the secondary indexes were set aside."""
    users = store.db["users"]
    empty = expected >= at_least and store.holds_nobody()
    with store.outage.guard():
        present = set(users.index_information()) if empty else set()
    if not empty:
        yield False
        return
    # Only the embedded server pays so much for the unique index that loading without it is worth it.
    deferred = [name for name in store.user_indexes()
                if name in present and (name != KEPT or store.server is not None)]
    with store.outage.guard():
        for name in deferred:
            users.drop_index(name)
    with rebuilt_after(lambda: _after_load(store, stream)):
        yield True


@contextmanager
def rebuilt_after(build: Callable[[], None]) -> Iterator[None]:
    """Runs ``build`` when the block ends, however it ends; when the block failed, its error is the one raised."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):  # the load's own failure is what the user must see
            build()
        raise
    build()


def _after_load(store: Store, stream: TextIO | None) -> None:
    if KEPT in store.missing_user_indexes():
        progress = Progress(1, "Building the unique user_id index", stream, unit="indexes")
        try:
            restore_unique_index(store.db["users"], store.outage)
            progress.advance(1)
        finally:
            progress.done()
    if not store.field_indexes_wait():
        build_user_indexes(store, stream)


def indexes_left_note(store: Store) -> str | None:
    """What to tell the person who loaded when the per-field indexes were left for later, if they were."""
    waiting = store.waiting_field_indexes()
    if not waiting or not store.field_indexes_wait():
        return None
    return (f"{len(waiting)} per-field indexes were left for later: building them stops the embedded database "
            "for about a minute per index per million people, and the audience mirror answers counts without "
            "them. Run `segments indexes build` when that pause suits you (a real MongoDB via MONGODB_URI "
            "builds them at once without stopping).")


def build_user_indexes(store: Store, stream: TextIO | None = None) -> None:
    """Every user index that is missing, one by one, with progress on a terminal."""
    missing = store.missing_user_indexes()
    if not missing:
        return
    specs = store.user_indexes()
    progress = Progress(len(missing), "Building the indexes", stream, unit="indexes")
    try:
        with store.outage.guard():
            for name in missing:
                keys, unique = specs[name]
                store.db["users"].create_index(keys, unique=unique, name=name)
                progress.advance(1)
    finally:
        progress.done()


__all__ = ["DEFER_AT", "build_user_indexes", "indexes_after_load", "indexes_left_note", "rebuilt_after"]
