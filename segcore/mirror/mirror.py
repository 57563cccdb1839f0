"""``UserMirror``: exact audience sizes from a DuckDB copy of ``users`` and ``events``, kept in step with MongoDB.

MongoDB stays the truth. The mirror answers only when it can prove it is in step: built, following the
change stream, at most ``max_lag`` seconds behind, holding the workspace (within the size budget), and
without values of the wrong type in the fields a rule reads, and, for rules on behaviour, holding the
workspace's events (within the events budget). Otherwise it raises ``MirrorUnavailable``
and the caller counts in MongoDB. Every answer carries ``as_of``: the latest moment at which the mirror
is known to have held every change MongoDB had.
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import itertools
import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from bson import json_util
from pymongo.database import Database
from pymongo.errors import ConnectionFailure, OperationFailure

from segcore.catalog import FieldCatalog
from segcore.compile_sql import to_sql
from segcore.errors import SegmentError
from segcore.mirror.events_schema import EventSchema, event_key
from segcore.mirror.schema import MirrorSchema, arrow_from_bson
from segcore.mirror.store import EventChanges, MirrorFile
from segcore.mirror.sync import PIPELINE, ResumeLost, is_resumable, read_batch
from segcore.rules import Rule, conditions, event_conditions

log = logging.getLogger(__name__)

SCAN_CHUNK = 50_000
SCAN_BATCH = 10_000  # documents a server reply carries
PARALLEL_AFTER = 100_000  # people a build converts itself before worker processes take the rest
DECODERS = 2


def _decoding_pool() -> ProcessPoolExecutor | None:
    """Worker processes forked from a fresh single-threaded server process (``forkserver``, which has the
    decoding module loaded once): forking this process, which runs threads, would be unsafe. As with any
    ``multiprocessing`` start but ``fork``, a script that builds a large mirror needs its
    ``if __name__ == "__main__"`` guard (the ``segments`` command, gunicorn and pytest have theirs)."""
    try:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["segcore.mirror.schema"])
        return ProcessPoolExecutor(max_workers=DECODERS, mp_context=context)
    except (OSError, ValueError) as exc:
        log.warning("mirror: no decoding processes (%s); decoding in the build thread", exc)
        return None


IDLE_TOKEN_SAVE_SECONDS = 5.0


_USER_ID = frozenset({"user_id"})


class MirrorUnavailable(SegmentError):
    """The mirror cannot give an exact, fresh answer for this workspace now; count in MongoDB instead."""


@dataclass(frozen=True)
class MirrorCount:
    size: int
    as_of: datetime
    elapsed_ms: float


@dataclass(frozen=True)
class MirrorSizes:
    sizes: dict[str, int]
    as_of: datetime
    elapsed_ms: float


class _Stopped(Exception):
    pass


class _FileLost(Exception):
    pass


class UserMirror:
    """A columnar mirror of the ``users`` collection of ``mongo_db`` in the DuckDB file at ``path``."""

    def __init__(
        self,
        path: Path | str,
        mongo_db: Database[Any],
        catalog: FieldCatalog,
        max_lag: float = 5.0,
        max_users: int = 5_000_000,
        poll_seconds: float = 0.25,
        build_lock: Path | None = None,
        max_events: int = 50_000_000,
    ) -> None:
        self.catalog = catalog
        # Mirrors of one data folder (one per server process) build one at a time: each build reads every
        # user, and two at once double the load on the database just when the service starts.
        self._build_lock = build_lock
        self.max_lag = max_lag
        self.max_users = max_users
        self.max_events = max_events
        self.poll_seconds = poll_seconds
        self._schema = MirrorSchema.for_catalog(catalog)
        self._parallel_failed = False  # worker processes could not start once: not tried again
        self._event_schema = EventSchema.for_catalog(catalog)
        self._file = MirrorFile(Path(path), self._schema, self._event_schema)
        self._db = mongo_db
        self._users = mongo_db["users"]
        self._events = mongo_db["events"]
        self._events_oversized: frozenset[str] = frozenset()
        self._state = "stopped"
        self._complete = False
        self._opened = False
        self._as_of: datetime | None = None
        self._error: str | None = None
        self._oversized: frozenset[str] = frozenset()
        self._rebuilds = 0
        self._resumes = 0
        self._applied = 0
        self.scanned = 0  # users read by the build under way (or the last one): its progress
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._rebuild_requested = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------- lifecycle

    def _open(self) -> None:
        if not self._opened:
            self._complete = self._file.open()
            self._oversized = self._file.oversized() if self._complete else frozenset()
            self._events_oversized = self._file.events_oversized() if self._complete else frozenset()
            self._opened = True
            self._state = "ready" if self._complete else "building"

    def start(self) -> None:
        """Open the file and follow MongoDB in a background thread (building first when needed)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._open()
        self._thread = threading.Thread(target=self._run, name="segments-mirror", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._file.close()
        self._opened = False
        self._state = "stopped"

    def build(self, timeout: float = 600.0) -> int:
        """A full rebuild from one scan; returns the rows held. Waits for the sync thread when it is running."""
        if self._thread is not None and self._thread.is_alive():
            done = self._rebuilds
            self._rebuild_requested.set()
            deadline = time.monotonic() + timeout
            while self._rebuilds == done:
                if time.monotonic() > deadline or self._thread is None:
                    raise MirrorUnavailable(f"The mirror rebuild did not finish: {self._error or 'timed out'}.")
                time.sleep(0.05)
            return self.rows()
        self._open()
        return self._build()

    @contextlib.contextmanager
    def _building_alone(self) -> Iterator[None]:
        if self._build_lock is None:
            yield
            return
        with open(self._build_lock, "a") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    self._error = "waiting for another mirror of this data folder to finish building"
                    if self._stop.wait(0.5):
                        raise _Stopped() from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _build(self) -> int:
        self._state = "building"
        with self._building_alone():
            return self._build_now()

    def _build_now(self) -> int:
        started = datetime.now(UTC)
        # The token is taken before the scan: replaying from it afterwards is harmless (every change
        # sets a row to the document's current state) and misses nothing written during the scan.
        with self._db.watch(PIPELINE, full_document="updateLookup", max_await_time_ms=10) as stream:
            token = stream.resume_token
            if token is None:
                stream.try_next()
                token = stream.resume_token
        if token is None:
            raise ResumeLost("the database gave no change-stream position to start from")
        rows = self._file.rebuild(self._scan(), json_util.dumps(token), self.max_users,
                                  self._scan_events(), self.max_events)
        with self._lock:
            self._oversized = self._file.oversized()
            self._events_oversized = self._file.events_oversized()
            self._complete = True
            self._as_of = started
            self._state = "ready"
            self._rebuilds += 1
            self._error = None
        log.info("mirror built: %d users", rows)
        return rows

    def _scan_events(self) -> Iterator[tuple[pa.Table, set[tuple[str, str, str]]]]:
        """The catalog's events in Arrow chunks (with the odd property values each chunk holds)."""
        names = list(self._event_schema.events)
        if not names:
            return
        yield from (self._event_schema.to_arrow(docs)
                    for docs in self._read_ahead(self._events, {"event": {"$in": names}}))

    def _scan(self) -> Iterator[pa.Table]:
        """The whole collection in Arrow chunks.

        Whole documents, no projection: on the embedded server a projected scan measured slower than a
        plain one, and user documents are small. Past ``PARALLEL_AFTER`` people the raw batches are decoded
        and converted by worker processes: at 1M people that work, done in one process, took 31 s after
        the server's first batch while the server itself streamed the rest in 10 s (decoding holds the GIL).
        A worker that cannot start or dies leaves its batches to this thread.
        """
        self.scanned = 0
        tz_aware = bool(self._users.codec_options.tz_aware)
        pool: ProcessPoolExecutor | None = None
        pending: collections.deque[tuple[bytes, Future[pa.Table] | None]] = collections.deque()

        def finished(raw: bytes, future: Future[pa.Table] | None) -> pa.Table:
            nonlocal pool
            if future is not None:
                try:
                    return future.result()
                except Exception as exc:  # a worker died or could not start: this thread does it
                    log.warning("mirror: a decoding process failed (%s); decoding in the build thread", exc)
                    if pool is not None:
                        pool.shutdown(wait=False, cancel_futures=True)
                    pool = None
                    self._parallel_failed = True
            return arrow_from_bson(self._schema, raw, tz_aware)

        try:
            batches = self._users.find_raw_batches({}, batch_size=SCAN_BATCH)
            for raw in itertools.chain(batches, [None]):  # None: the end, where every pending batch is handed on
                if raw is not None:
                    if self._stop.is_set():
                        raise _Stopped()
                    if pool is None and self.scanned >= PARALLEL_AFTER and not self._parallel_failed:
                        pool = _decoding_pool()
                        self._parallel_failed = pool is None
                    future = None
                    if pool is not None:
                        with contextlib.suppress(Exception):  # the pool broke between two batches
                            future = pool.submit(arrow_from_bson, self._schema, raw, tz_aware)
                    pending.append((raw, future))
                # In this thread, each batch is handed on at once; with workers, a few stay in flight.
                while pending and (raw is None or len(pending) > (2 * DECODERS if pool is not None else 0)):
                    table = finished(*pending.popleft())
                    self.scanned += table.num_rows
                    yield table
        finally:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    def _read_ahead(self, collection: Any, query: dict[str, Any]) -> Iterator[list[Mapping[str, Any]]]:
        """Chunks of ``collection``'s documents matching ``query``, the next read while this one is used."""
        chunks: queue.Queue[list[Mapping[str, Any]] | BaseException | None] = queue.Queue(maxsize=2)
        abandoned = threading.Event()

        def put(item: list[Mapping[str, Any]] | BaseException | None) -> bool:
            while not abandoned.is_set():
                try:
                    chunks.put(item, timeout=0.2)
                    return True
                except queue.Full:
                    continue
            return False

        # The build's progress counts people, the part a terminal can put a total on.
        counting = collection is self._users

        def read() -> None:
            try:
                if counting:
                    self.scanned = 0
                chunk: list[Mapping[str, Any]] = []
                for doc in collection.find(query, batch_size=10_000):
                    if counting:
                        self.scanned += 1
                    chunk.append(doc)
                    if len(chunk) >= SCAN_CHUNK:
                        if not put(chunk):
                            return
                        chunk = []
                if put(chunk):
                    put(None)
            except BaseException as exc:  # handed to the building thread, which raises it
                put(exc)

        reader = threading.Thread(target=read, name="segments-mirror-scan", daemon=True)
        reader.start()
        try:
            while True:
                item = chunks.get()
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                if self._stop.is_set():
                    raise _Stopped()
                yield item
        finally:
            abandoned.set()
            reader.join(5)


    # ------------------------------------------------------------------------------- the sync thread

    def _run(self) -> None:
        need_build = not self._complete
        backoff = 0.5
        while not self._stop.is_set():
            try:
                if self._rebuild_requested.is_set():
                    self._rebuild_requested.clear()
                    need_build = True
                if need_build:
                    self._build()
                    need_build = False
                self._follow()
                backoff = 0.5
            except _Stopped:
                break
            except ResumeLost as exc:
                log.warning("mirror: full rebuild needed: %s", exc)
                self._error = f"full rebuild: {exc}"
                need_build = True
                self._state = "building"
            except _FileLost:
                log.warning("mirror: the file %s disappeared; rebuilding", self._file.path)
                self._error = "the mirror file disappeared; rebuilding"
                self._reopen()
                need_build = True
            except (ConnectionFailure, OperationFailure) as exc:
                # The database is away (restarting, network): resume from the stored token once it is back.
                self._error = f"waiting for the database: {exc}"
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
            except duckdb.Error as exc:
                log.warning("mirror: the file failed (%s); reopening", exc)
                self._error = f"the mirror file failed: {exc}"
                self._reopen()
                need_build = not self._complete
            except Exception as exc:  # the thread must outlive any single failure
                log.exception("mirror: unexpected failure")
                self._state = "failed"
                self._error = f"{type(exc).__name__}: {exc}"
                need_build = True
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def _reopen(self) -> None:
        with self._lock:
            self._complete = self._file.open()
            self._oversized = self._file.oversized() if self._complete else frozenset()
            self._events_oversized = self._file.events_oversized() if self._complete else frozenset()
            self._state = "ready" if self._complete else "building"
            self._as_of = None

    def _follow(self) -> None:
        token_text = self._file.meta("token")
        if token_text is None:
            raise ResumeLost("the mirror holds no change-stream position")
        try:
            stream = self._db.watch(
                PIPELINE,
                full_document="updateLookup",
                resume_after=json_util.loads(token_text),
                max_await_time_ms=max(1, int(self.poll_seconds * 1000)),
            )
        except OperationFailure as exc:
            if is_resumable(exc):
                raise
            raise ResumeLost(f"the database no longer has the stored position: {exc}") from exc
        self._resumes += 1
        saved_token, saved_at = token_text, time.monotonic()
        with stream:
            self._state = "ready"
            while not self._stop.is_set() and not self._rebuild_requested.is_set():
                if not self._file.exists():
                    raise _FileLost()
                batch = read_batch(stream, max_seconds=self.poll_seconds)
                token = json_util.dumps(stream.resume_token)
                idle_save = token != saved_token and time.monotonic() - saved_at > IDLE_TOKEN_SAVE_SECONDS
                if batch.events or idle_save:
                    keys = list(batch.final)
                    rows = self._schema.to_arrow(d for d in batch.final.values() if d is not None)
                    over = self._file.apply(keys, rows, token, self.max_users, self._event_changes(batch),
                                            self.max_events)
                    with self._lock:
                        self._oversized = over
                        self._events_oversized = self._file.events_oversized()
                        self._applied += batch.events
                    saved_token, saved_at = token, time.monotonic()
                self._error = None
                self._advance(batch.drained_at or batch.last_wall_time)

    def _event_changes(self, batch: Any) -> EventChanges | None:
        if not batch.event_final:
            return None
        table, odd = self._event_schema.to_arrow(d for d in batch.event_final.values() if d is not None)
        moved = [event_key(k) for k in batch.event_final if k not in batch.inserted]
        added = [event_key(k) for k in batch.inserted]
        return EventChanges(table, moved, added, odd)

    def _advance(self, moment: datetime | None) -> None:
        if moment is None:
            return
        moment = min(moment, datetime.now(UTC))
        with self._lock:
            if self._as_of is None or moment > self._as_of:
                self._as_of = moment

    # ------------------------------------------------------------------------------- freshness

    @property
    def as_of(self) -> datetime | None:
        return self._as_of

    def lag_seconds(self) -> float | None:
        as_of = self._as_of
        return None if as_of is None else max(0.0, (datetime.now(UTC) - as_of).total_seconds())

    def _unavailable_reason(self, team_id: str) -> str | None:
        if not isinstance(team_id, str) or not team_id:
            return "No workspace was given."
        if self._state == "building":
            return "The audience mirror is being built; sizes come from MongoDB meanwhile."
        if self._state != "ready":
            return f"The audience mirror is {self._state}; sizes come from MongoDB."
        if team_id in self._oversized:
            return (
                f"This workspace has more than {self.max_users:,} users, above the mirror's memory budget; "
                "sizes come from MongoDB."
            )
        lag = self.lag_seconds()
        if lag is None or lag > self.max_lag:
            return "The audience mirror is behind MongoDB; sizes come from MongoDB until it catches up."
        return None

    def fresh_for(self, team_id: str) -> bool:
        return self._unavailable_reason(team_id) is None

    def _ready(self, team_id: str) -> datetime:
        with self._lock:
            reason = self._unavailable_reason(team_id)
            as_of = self._as_of
        if reason is not None or as_of is None:
            raise MirrorUnavailable(reason or "The audience mirror is not ready.")
        return as_of

    def _query(self, team_id: str, rules: list[Rule], sql: str, params: list[Any],
               also: frozenset[str] = frozenset(), fetch: Callable[[Any], Any] | None = None) -> Any:
        fields = {c.field for rule in rules for c in conditions(rule)} | also
        leaves = [leaf for rule in rules for leaf in event_conditions(rule)]
        properties: frozenset[tuple[str, str]] = frozenset()
        if leaves:
            self._check_events(team_id, leaves)
            # Event conditions match users by user_id: one of another type must be counted by MongoDB.
            fields |= _USER_ID
            properties = frozenset((leaf.event, w.property) for leaf in leaves for w in leaf.where)
        try:
            rows, wrong = self._file.read(team_id, fields, sql, params, properties, fetch)
        except duckdb.Error as exc:
            raise MirrorUnavailable(f"The audience mirror could not answer ({exc}); sizes come from MongoDB.") from exc
        if wrong:
            raise MirrorUnavailable(
                f"Some users hold values of an unexpected type in {', '.join(wrong)}; this size comes from MongoDB."
            )
        return rows

    def _check_events(self, team_id: str, leaves: list[Any]) -> None:
        if team_id in self._events_oversized:
            raise MirrorUnavailable(
                f"This workspace has more than {self.max_events:,} events, above the mirror's events budget; "
                "sizes of segments on what people did come from MongoDB."
            )
        for leaf in leaves:
            event = self.catalog.event(leaf.event)
            for cond in leaf.where:
                prop = event.property(cond.property)
                if not self._event_schema.holds(event.name, prop.name, prop.type):
                    raise MirrorUnavailable(
                        f"The property {prop.name} of {event.name} has a type of its own in the catalog; "
                        "this size comes from MongoDB."
                    )

    # ------------------------------------------------------------------------------- counting

    def count(self, team_id: str, rule: Rule, now: datetime) -> MirrorCount:
        """The number of the workspace's users the (validated) rule selects at ``now``."""
        as_of = self._ready(team_id)
        started = time.perf_counter()
        where, params = to_sql(rule, self.catalog, now, team_id)
        rows = self._query(team_id, [rule], f"SELECT count(*) FROM users WHERE team_id = ? AND {where}",
                           [team_id, *params])
        return MirrorCount(int(rows[0][0]), as_of, (time.perf_counter() - started) * 1000)

    def workspace_size(self, team_id: str) -> MirrorCount:
        """Everyone in the workspace (the admin's health page: MongoDB counts it by reading every person)."""
        as_of = self._ready(team_id)
        started = time.perf_counter()
        rows = self._query(team_id, [], "SELECT count(*) FROM users WHERE team_id = ?", [team_id])
        return MirrorCount(int(rows[0][0]), as_of, (time.perf_counter() - started) * 1000)

    def sizes_at(self, team_id: str, rules: Mapping[str, Rule], now: datetime) -> MirrorSizes:
        """Every rule's size in one pass over the workspace (``count(*) FILTER (WHERE ...)``)."""
        names = list(rules)
        as_of = self._ready(team_id)
        started = time.perf_counter()
        if not names:
            return MirrorSizes({}, as_of, 0.0)
        parts, params = [], []
        for name in names:
            where, p = to_sql(rules[name], self.catalog, now, team_id)
            parts.append(f"count(*) FILTER (WHERE {where})")
            params.extend(p)
        rows = self._query(team_id, [rules[n] for n in names],
                           f"SELECT {', '.join(parts)} FROM users WHERE team_id = ?", [*params, team_id])
        sizes = {name: int(value) for name, value in zip(names, rows[0], strict=True)}
        return MirrorSizes(sizes, as_of, (time.perf_counter() - started) * 1000)

    def sizes(self, team_id: str, rules: Mapping[str, Rule], now: datetime) -> dict[str, int]:
        return self.sizes_at(team_id, rules, now).sizes

    def answer(self, team_id: str, rules: list[Rule], sql: str, params: list[Any]) -> tuple[list[tuple[Any, ...]], datetime]:
        """The rows of a read-only ``sql`` reading the fields and events of ``rules``, and as of when.

        For questions that are not one count (a what-if curve): the same freshness and type checks as a count.
        """
        as_of = self._ready(team_id)
        return self._query(team_id, rules, sql, params), as_of

    def overlap(self, team_id: str, a: Rule, b: Rule, now: datetime) -> tuple[int, int, int]:
        """Sizes of ``a``, of ``b`` and of both at once, in one query."""
        self._ready(team_id)
        where_a, params_a = to_sql(a, self.catalog, now, team_id)
        where_b, params_b = to_sql(b, self.catalog, now, team_id)
        rows = self._query(
            team_id,
            [a, b],
            f"SELECT count(*) FILTER (WHERE {where_a}), count(*) FILTER (WHERE {where_b}), "
            f"count(*) FILTER (WHERE {where_a} AND {where_b}) FROM users WHERE team_id = ?",
            [*params_a, *params_b, *params_a, *params_b, team_id],
        )
        first, second, both = rows[0]
        return int(first), int(second), int(both)

    def member_ids(self, team_id: str, rule: Rule, now: datetime) -> list[str]:
        """The selected users' ids in order (for checks; listings themselves read MongoDB)."""
        self._ready(team_id)
        where, params = to_sql(rule, self.catalog, now, team_id)
        rows = self._query(
            team_id,
            [rule],
            f"SELECT user_id FROM users WHERE team_id = ? AND {where} ORDER BY user_id", [team_id, *params]
        )
        return [row[0] for row in rows]

    def people(self, team_id: str, rule: Rule, leaves: Sequence[Rule], now: datetime) -> tuple[dict[str, Any], datetime]:
        """Everyone's person number, whether the rule selects them (``member``) and whether each leaf does
        (``c0``, ``c1``, ...), as numpy arrays, in one pass; and the moment the mirror held it all."""
        as_of = self._ready(team_id)
        parts, params = [], []
        for name, part in [("member", rule), *((f"c{i}", leaf) for i, leaf in enumerate(leaves))]:
            where, p = to_sql(part, self.catalog, now, team_id)
            parts.append(f"coalesce({where}, false) AS {name}")
            params.extend(p)
        table = self._query(team_id, [rule], f"SELECT person_no, {', '.join(parts)} FROM users WHERE team_id = ?",
                            [*params, team_id], also=frozenset({"person_no"}), fetch=lambda cur: cur.fetchnumpy())
        return table, as_of

    def sample_ids(self, team_id: str, rule: Rule, now: datetime, n: int) -> list[str]:
        """Up to ``n`` of the selected users' ids, picked at random."""
        return self._user_ids(team_id, rule, now, "ORDER BY random() LIMIT ?", [int(n)])

    def page_ids(self, team_id: str, rule: Rule, now: datetime, after: str | None, limit: int) -> list[str]:
        """Up to ``limit`` of the selected users' ids after ``after``, in ``user_id`` order (MongoDB's order
        for strings too: both compare bytes)."""
        if after is None:
            return self._user_ids(team_id, rule, now, "ORDER BY user_id LIMIT ?", [int(limit)])
        return self._user_ids(team_id, rule, now, "AND user_id > ? ORDER BY user_id LIMIT ?", [str(after), int(limit)])

    def _user_ids(self, team_id: str, rule: Rule, now: datetime, tail: str, tail_params: list[Any]) -> list[str]:
        self._ready(team_id)
        where, params = to_sql(rule, self.catalog, now, team_id)
        rows = self._query(
            team_id, [rule],
            f"SELECT user_id FROM users WHERE team_id = ? AND {where} AND user_id IS NOT NULL {tail}",
            [team_id, *params, *tail_params], also=_USER_ID,
        )
        return [row[0] for row in rows]

    # ------------------------------------------------------------------------------- status

    def rows(self) -> int:
        try:
            return int(self._file.query("SELECT count(*) FROM users", [])[0][0])
        except (duckdb.Error, IndexError):
            return 0

    def event_rows(self) -> int:
        try:
            return int(self._file.query("SELECT count(*) FROM events", [])[0][0])
        except (duckdb.Error, IndexError):
            return 0

    def status(self) -> dict[str, Any]:
        as_of = self._as_of
        lag = self.lag_seconds()
        return {
            "state": self._state,
            "fresh": self._state == "ready" and lag is not None and lag <= self.max_lag,
            "lag_seconds": None if lag is None else round(lag, 3),
            "as_of": None if as_of is None else as_of.isoformat().replace("+00:00", "Z"),
            "rows": self.rows() if self._complete and self._state == "ready" else 0,
            "teams_over_budget": sorted(self._oversized),
            "teams_over_events_budget": sorted(self._events_oversized),
            "events": self.event_rows() if self._complete and self._state == "ready" else 0,
            "rebuilds": self._rebuilds,
            "resumes": self._resumes,
            "changes_applied": self._applied,
            "error": self._error,
            "path": str(self._file.path),
        }

