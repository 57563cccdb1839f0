"""The ``users`` collection: typed by the field catalog, upserted by (team_id, user_id).

``coerce_user`` is the one place a raw record (a JSON object, a CSV row, a generated demo user) becomes
a document: every catalog field gets its catalog type, known values their canonical spelling, and a value
that does not fit is refused with the field's name and what is allowed.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import queue
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import bson
from bson import ObjectId
from bson.decimal128 import Decimal128
from bson.raw_bson import RawBSONDocument
from pymongo import InsertOne, UpdateOne, WriteConcern
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, OperationFailure

from segcore.catalog import Field, FieldCatalog
from segcore.errors import RuleError
from segcore.rules import to_millisecond
from segcore.storage import person_numbers
from segcore.storage.errors import Outage

log = logging.getLogger(__name__)

MAX_TEXT = 1000  # characters in one text value of a user record
MAX_USER_ID = 200
BATCH = 1000  # documents in one bulk write
WRITER_IDLE = 10.0  # seconds a writer's thread waits for the next batch before it ends
_LIST_SPLIT = re.compile(r"[;|]")
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}
RESERVED = ("_id", "team_id")
UNIQUE_INDEX = "team_user"  # the index that makes every write an upsert by user_id
UNIQUE_KEYS: list[tuple[str, int]] = [("team_id", 1), ("user_id", 1)]
_DUPLICATE_KEY = 11000


class InvalidUserData(RuleError):
    """A user record has a value that does not fit the catalog (``field`` names the field)."""


@dataclass(frozen=True)
class UpsertReport:
    inserted: int = 0  # new users
    updated: int = 0  # known users whose record changed
    unchanged: int = 0  # known users whose record was already the same (nothing written)

    def __add__(self, other: UpsertReport) -> UpsertReport:
        return UpsertReport(
            self.inserted + other.inserted, self.updated + other.updated, self.unchanged + other.unchanged
        )


def unknown_fields(doc: Mapping[str, Any], catalog: FieldCatalog) -> list[str]:
    """Keys of ``doc`` that are not catalog fields (they are not stored)."""
    return [k for k in doc if k not in catalog and k not in RESERVED]


def coerce_user(doc: Mapping[str, Any], catalog: FieldCatalog) -> dict[str, Any]:
    """A typed user document with the catalog fields of ``doc``.

    Keys outside the catalog (and ``_id``/``team_id``, which we set ourselves) are left out. A value of
    ``None`` or empty text means "not recorded": it is kept as ``None`` so an upsert removes the field
    (someone with no recorded visit has no ``last_visit_at``). Raises ``InvalidUserData``.
    """
    if not isinstance(doc, Mapping):
        raise InvalidUserData(f"A user must be an object with fields, got {type(doc).__name__}.")
    user: dict[str, Any] = {"user_id": _user_id(doc.get("user_id"))}
    for key, raw in doc.items():
        field = catalog.get(key) if isinstance(key, str) else None
        if field is None or field.name == "user_id":
            continue
        user[field.name] = _coerce(field, raw)
    return user


def _user_id(raw: Any) -> str:
    if isinstance(raw, bool) or raw is None:
        raise InvalidUserData("user_id is missing: every user needs a user_id (text).", field="user_id")
    if isinstance(raw, int):
        raw = str(raw)
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidUserData(f"user_id must be non-empty text, got {raw!r}.", field="user_id")
    text = raw.strip()
    if len(text) > MAX_USER_ID:
        raise InvalidUserData(f"user_id can be at most {MAX_USER_ID} characters.", field="user_id")
    return text


def _fail(field: Field, raw: Any, allowed: str) -> InvalidUserData:
    shown = repr(raw)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return InvalidUserData(f"{field.name}: {shown} is not valid; {allowed}.", field=field.name)


def _coerce(field: Field, raw: Any) -> Any:
    if field.type == "array" and isinstance(raw, str) and not raw.strip():
        return []  # an empty CSV cell: no tags
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    kind = field.type
    if kind == "string":
        return _text(field, raw)
    if kind == "int":
        return _int(field, raw)
    if kind == "number":
        return _number(field, raw)
    if kind == "bool":
        return _bool(field, raw)
    if kind == "datetime":
        return _datetime(field, raw)
    return _list(field, raw)


def _text(field: Field, raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise _fail(field, raw, "expected text")
    text = " ".join(str(raw).split())
    if len(text) > MAX_TEXT:
        raise _fail(field, raw, f"text can be at most {MAX_TEXT} characters")
    known = field.canonical_value(text)
    if known is not None:
        return known
    if field.closed:
        raise _fail(field, raw, f"allowed values: {', '.join(field.values)}")
    if field.name == "country" and len(text) == 2 and text.isalpha():
        return text.upper()
    return text


def _number(field: Field, raw: Any) -> int | float:
    if isinstance(raw, Decimal128):
        raw = raw.to_decimal()
    if isinstance(raw, Decimal):
        raw = float(raw)
    if isinstance(raw, str):
        cleaned = raw.strip().replace(",", "").replace("_", "")
        for mark in ("₹", "Rs.", "Rs", "INR"):
            cleaned = cleaned.replace(mark, "")
        try:
            raw = float(Decimal(cleaned.strip()))
        except (InvalidOperation, ValueError):
            raise _fail(field, raw, "expected a number such as 1250 or 1250.50") from None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise _fail(field, raw, "expected a number such as 1250 or 1250.50")
    if abs(raw) > 1e15:
        raise _fail(field, raw, "numbers must be within ±10^15")
    if isinstance(raw, float) and field.type == "number":
        return raw
    return int(raw) if float(raw).is_integer() else raw


def _int(field: Field, raw: Any) -> int:
    value = _number(field, raw)
    if isinstance(value, float):
        if not value.is_integer():
            raise _fail(field, raw, "expected a whole number")
        value = int(value)
    return int(value)


def _bool(field: Field, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        key = raw.strip().lower()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
    raise _fail(field, raw, "expected true or false (also yes/no, 1/0)")


def _datetime(field: Field, raw: Any) -> datetime:
    moment: datetime
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, date):
        moment = datetime(raw.year, raw.month, raw.day)
    elif isinstance(raw, str):
        text = raw.strip().replace("Z", "+00:00").replace("z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise _fail(field, raw, "expected an ISO 8601 date such as 2025-03-01 or 2025-03-01T10:30:00Z") from None
    else:
        raise _fail(field, raw, "expected an ISO 8601 date such as 2025-03-01 or 2025-03-01T10:30:00Z")
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if not 1900 <= moment.year <= 2200:
        raise _fail(field, raw, "dates must fall between the years 1900 and 2200")
    return to_millisecond(moment)


def _list(field: Field, raw: Any) -> list[str]:
    if isinstance(raw, str):
        items: list[Any] = [p for p in _LIST_SPLIT.split(raw) if p.strip()]
    elif isinstance(raw, list | tuple):
        items = list(raw)
    else:
        raise _fail(field, raw, "expected a list of text values (in CSV: separated by ; or |)")
    values: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int) or not str(item).strip():
            raise _fail(field, raw, "expected a list of text values (in CSV: separated by ; or |)")
        text = " ".join(str(item).split())
        canonical = field.canonical_value(text) or text
        if canonical not in values:
            values.append(canonical)
    return values


def _update(user: Mapping[str, Any]) -> dict[str, Any]:
    sets = {k: v for k, v in user.items() if v is not None and k != "user_id"}
    unsets = {k: "" for k, v in user.items() if v is None}
    update: dict[str, Any] = {"$set": sets} if sets else {"$setOnInsert": {"user_id": user["user_id"]}}
    if unsets:
        update["$unset"] = unsets
    return update


def _upsert(team_id: str, user: Mapping[str, Any], person_no: int) -> UpdateOne:
    update = _update(user)
    update["$setOnInsert"] = {**update.get("$setOnInsert", {}), person_numbers.FIELD: person_no}
    return UpdateOne({"team_id": team_id, "user_id": user["user_id"]}, update, upsert=True)


def _changes(stored: Mapping[str, Any], user: Mapping[str, Any]) -> dict[str, Any]:
    """The update that turns ``stored`` into ``stored`` overwritten by ``user``: only the fields that differ.

    On the embedded server an update costs the indexes of the fields it names; a re-import where one field
    changed pays for one field, not for all of them.
    """
    sets: dict[str, Any] = {}
    unsets: dict[str, str] = {}
    for key, value in user.items():
        if value is None:
            if key in stored:
                unsets[key] = ""
        elif key not in stored or stored[key] != value or type(stored[key]) is not type(value):
            sets[key] = value
    update: dict[str, Any] = {}
    if sets:
        update["$set"] = sets
    if unsets:
        update["$unset"] = unsets
    return update


@dataclass
class _Writes:
    """One batch made ready to send."""

    ops: list[InsertOne[Any] | UpdateOne] = dataclasses.field(default_factory=list)
    inserted: dict[int, tuple[Mapping[str, Any], int]] = dataclasses.field(default_factory=dict)  # user, number per insert
    unchanged: int = 0


class BulkUserWriter:
    """Writes a stream of coerced user records to one workspace at the database's pace.

    - Batches go unordered: the database may apply them in any order, which a batch never depends on
      because a user appears in a batch at most once (a repeat closes the batch first, so the later row wins).
    - A workspace empty when the writer starts (a first import) is not read back at all: nobody in the file
      can be known yet, except a user already written by this same run. Otherwise the batch's users are read
      in chunks of 200 by ``user_id`` (FACTS: long ``$in`` lists are slow) and only what changed is written.
    - A user that another writer inserted meanwhile meets the unique (team_id, user_id) index: that write is
      retried as an upsert, so the result is the same as if it had been one from the start.
    - ``close()`` writes the last batch with ``j=True``: the journal is sequential, so when it returns every
      write of the run is on disk.
    """

    def __init__(self, repo: UserRepository, team_id: str, batch: int = BATCH) -> None:
        self.repo = repo
        self.team_id = team_id
        self.batch_size = batch
        self.report = UpsertReport()
        self._pending: dict[str, Mapping[str, Any]] = {}
        with repo.outage.guard():
            # The workspace's counter first: at a million people the query alone took 43 s on the embedded
            # server, and every API upsert of one person starts a writer.
            self._fresh = (person_numbers.highest(repo.collection.database, team_id) == 0
                           and repo.collection.find_one({"team_id": team_id}, {"_id": 1}) is None)
            # A first load into an empty installation may run without the unique index (see bulk_load).
            self._unguarded = self._fresh and UNIQUE_INDEX not in repo.collection.index_information()
        self._written: set[str] = set()  # only kept while the workspace started empty
        self._repeats: list[Mapping[str, Any]] = []  # rows for users already written, while unguarded
        self._journaled = True
        # One batch is written by a thread of its own while the caller reads and checks the next one: the
        # database and the caller's parsing then share the two cores instead of taking turns.
        self._jobs: queue.Queue[tuple[list[Mapping[str, Any]], list[str], bool, _Writes | None] | None] = (
            queue.Queue(maxsize=1))
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._failure: BaseException | None = None

    def add(self, user: Mapping[str, Any]) -> None:
        if user["user_id"] in self._pending:
            self._flush()
        self._pending[user["user_id"]] = user
        if len(self._pending) >= self.batch_size:
            self._flush()

    def close(self) -> UpsertReport:
        """Write what is left; returns what the whole run did."""
        try:
            self._flush(final=True)
            self._wait()
            if self._repeats:
                # Users listed more than once in an unguarded load: their later rows are upserts by user_id,
                # which need the unique index back first (without it, each lookup would read everyone).
                restore_unique_index(self.repo.collection, self.repo.outage)
                self._fresh = self._unguarded = False
                repeats, self._repeats = self._repeats, []
                for user in repeats:
                    self.add(user)
                self._flush(final=True)
                self._wait()
        finally:
            self._stop_writing()
        return self.report

    @property
    def journaled(self) -> bool:
        """False when writes of this run may still be only in memory (the last batch changed nothing): a
        journaled write after it (the import's audit entry) makes them durable."""
        return self._journaled

    def _flush(self, final: bool = False) -> None:
        if not self._pending:
            return
        batch = list(self._pending.values())
        self._pending = {}
        if self._unguarded:
            # Nothing may be inserted twice while no unique index guards the load: a user written earlier
            # in this run waits for close(), in file order, so the later row still wins.
            later = [u for u in batch if u["user_id"] in self._written]
            if later:
                self._repeats.extend(later)
                batch = [u for u in batch if u["user_id"] not in self._written]
            if not batch:
                return
        if self._fresh:
            maybe = [u["user_id"] for u in batch if u["user_id"] in self._written]
            self._written.update(u["user_id"] for u in batch)
        else:
            maybe = [u["user_id"] for u in batch]
        self._send(batch, maybe, final and not self._repeats)

    def _send(self, batch: list[Mapping[str, Any]], maybe: list[str], final: bool) -> None:
        self._raise_failure()
        with self._lock:
            if self._thread is None:
                if final:  # a run of one batch (an API call) is written right here
                    self.report += self._write(batch, maybe, final)
                    return
                self._thread = threading.Thread(target=self._writing, name="segments-user-writer", daemon=True)
                self._thread.start()
        # A batch of people nobody needs to read back first (all new) is made ready here, while the
        # writer thread waits on the database with the one before.
        prepared = None
        if not maybe:
            with self.repo.outage.guard():
                prepared = self._prepare(batch, {})
        self._jobs.put((batch, maybe, final, prepared))

    def _writing(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=WRITER_IDLE)
            except queue.Empty:
                # A caller that stopped without close() (its own error) must not leave a thread behind.
                with self._lock:
                    if self._jobs.empty():
                        self._thread = None
                        return
                continue
            try:
                if job is None:
                    return
                if self._failure is None:
                    self.report += self._write(*job)
            except BaseException as exc:  # handed to the caller at its next batch or at close()
                self._failure = exc
            finally:
                self._jobs.task_done()

    def _stop_writing(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._jobs.put(None)
        if thread is not None:
            thread.join()

    def _wait(self) -> None:
        self._jobs.join()
        self._raise_failure()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            self._stop_writing()
            failure, self._failure = self._failure, None
            raise failure

    def _prepare(self, batch: list[Mapping[str, Any]], known: Mapping[str, Mapping[str, Any]]) -> _Writes:
        """The batch's writes: new people inserted with their numbers, known ones changed where they differ."""
        team_id = self.team_id
        writes = _Writes()
        new = sum(1 for user in batch if user["user_id"] not in known)
        # One counter call per batch: the new people's numbers, in the order they come.
        number = person_numbers.reserve(self.repo.collection.database, team_id, new, workspace_was_empty=self._fresh)
        options = self.repo.collection.codec_options
        for user in batch:
            stored = known.get(user["user_id"])
            if stored is None:
                writes.inserted[len(writes.ops)] = (user, number)
                doc = {"_id": ObjectId(), "team_id": team_id, **{k: v for k, v in user.items() if v is not None},
                       person_numbers.FIELD: number}
                # Encoded here, by the thread that prepares: the one that sends then holds the interpreter
                # only for moments, and the database never waits for it (measured: the writer thread spent
                # 40% of a first import encoding while the server sat idle).
                writes.ops.append(InsertOne(RawBSONDocument(bson.encode(doc, codec_options=options))))
                number += 1
                continue
            update = _changes(stored, user)
            if not update:
                # Re-importing the same file writes nothing (each write costs every index).
                writes.unchanged += 1
                continue
            writes.ops.append(UpdateOne({"team_id": team_id, "user_id": user["user_id"]}, update, upsert=True))
        return writes

    def _write(self, batch: list[Mapping[str, Any]], maybe: list[str], final: bool,
               prepared: _Writes | None = None) -> UpsertReport:
        repo = self.repo
        with repo.outage.guard():
            writes = prepared or self._prepare(batch, repo._existing(self.team_id, maybe) if maybe else {})
            if not writes.ops:
                return UpsertReport(unchanged=writes.unchanged)
            collection = repo.collection
            if final:
                collection = collection.with_options(write_concern=WriteConcern(j=True))
            self._journaled = final
            try:
                result = collection.bulk_write(writes.ops, ordered=False)
            except BulkWriteError as exc:
                return self._after_clash(exc, writes.inserted, writes.unchanged, collection)
        return UpsertReport(result.inserted_count + result.upserted_count, result.matched_count, writes.unchanged)

    def _after_clash(
        self, exc: BulkWriteError, inserted: dict[int, tuple[Mapping[str, Any], int]], unchanged: int,
        collection: Collection[dict[str, Any]],
    ) -> UpsertReport:
        """Inserts refused because someone else added the user meanwhile go again as upserts."""
        errors = exc.details.get("writeErrors", [])
        if not errors or any(e.get("code") != 11000 or e.get("index") not in inserted for e in errors):
            raise exc
        done = UpsertReport(exc.details.get("nInserted", 0) + exc.details.get("nUpserted", 0),
                            exc.details.get("nMatched", 0), unchanged)
        # The other writer numbered the person already; ours is set only on insert, so theirs stays.
        retry = [_upsert(self.team_id, *inserted[error["index"]]) for error in errors]
        again = collection.bulk_write(retry, ordered=False)
        return done + UpsertReport(again.upserted_count, again.matched_count)


def restore_unique_index(collection: Collection[dict[str, Any]], outage: Outage) -> int:
    """Build the unique (team_id, user_id) index; returns the duplicate documents removed to make it possible.

    Duplicates can exist only if another writer added a person during a load that ran without the index
    (a first load into an empty installation): the earliest document of each person is kept.
    """
    with outage.guard():
        try:
            collection.create_index(UNIQUE_KEYS, unique=True, name=UNIQUE_INDEX)
            return 0
        except OperationFailure as exc:
            if exc.code != _DUPLICATE_KEY and "duplicate" not in str(exc).lower():
                raise
        removed = 0
        pipeline: list[dict[str, Any]] = [
            {"$group": {"_id": {"t": "$team_id", "u": "$user_id"}, "ids": {"$push": "$_id"}, "n": {"$sum": 1}}},
            {"$match": {"n": {"$gt": 1}}},
        ]
        for group in list(collection.aggregate(pipeline, allowDiskUse=True)):
            extra = sorted(group["ids"])[1:]
            removed += collection.delete_many({"_id": {"$in": extra}}).deleted_count
        log.warning("removed %d duplicate people written while the unique index was being rebuilt", removed)
        collection.create_index(UNIQUE_KEYS, unique=True, name=UNIQUE_INDEX)
        return removed


class UserRepository:
    def __init__(
        self, collection: Collection[dict[str, Any]], catalog: FieldCatalog, outage: Outage | None = None
    ) -> None:
        self.collection = collection
        self.catalog = catalog
        self.outage = outage or Outage()

    def upsert_many(self, team_id: str, docs: Iterable[Mapping[str, Any]]) -> UpsertReport:
        """Insert or update users by (team_id, user_id). All records are checked before any is written."""
        users = [coerce_user(doc, self.catalog) for doc in docs]
        return self.upsert_coerced(team_id, users)

    def writer(self, team_id: str, batch: int = BATCH) -> BulkUserWriter:
        """A writer for a stream of coerced records (imports, seeding): ``add`` each, then ``close``."""
        return BulkUserWriter(self, team_id, batch)

    def upsert_coerced(self, team_id: str, users: Iterable[Mapping[str, Any]]) -> UpsertReport:
        """Write records that already went through ``coerce_user``, in bulk batches.

        Each record is one atomic write of one document, so a user is never half written; running the
        same upsert twice leaves the same documents.
        """
        writer = self.writer(team_id)
        for user in users:
            writer.add(user)
        return writer.close()

    def _existing(self, team_id: str, user_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The stored users among ``user_ids``, by user_id."""
        found: dict[str, dict[str, Any]] = {}
        # Large $in lists are slow on the embedded server (FACTS): ask in chunks.
        for start in range(0, len(user_ids), 200):
            chunk = user_ids[start : start + 200]
            query = {"team_id": team_id, "user_id": {"$in": chunk}}
            found.update((d["user_id"], d) for d in self.collection.find(query, {"_id": 0}))
        return found

    def get(self, team_id: str, user_id: str) -> dict[str, Any] | None:
        with self.outage.guard():
            # The person number is the product's own key, not something the person's record says.
            return self.collection.find_one({"team_id": team_id, "user_id": user_id},
                                            {"_id": 0, person_numbers.FIELD: 0})

    def count(self, team_id: str) -> int:
        with self.outage.guard():
            return self.collection.count_documents({"team_id": team_id})

    def delete(self, team_id: str, user_id: str) -> bool:
        with self.outage.guard():
            return self.collection.delete_one({"team_id": team_id, "user_id": user_id}).deleted_count == 1
