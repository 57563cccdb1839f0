"""The ``users`` collection: typed by the field catalog, upserted by (team_id, user_id).

``coerce_user`` is the one place a raw record (a JSON object, a CSV row, a generated demo user) becomes
a document: every catalog field gets its catalog type, known values their canonical spelling, and a value
that does not fit is refused with the field's name and what is allowed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bson.decimal128 import Decimal128
from pymongo import InsertOne, UpdateOne
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError

from segcore.catalog import Field, FieldCatalog
from segcore.errors import RuleError
from segcore.rules import to_millisecond
from segcore.storage.errors import Outage

MAX_TEXT = 1000  # characters in one text value of a user record
MAX_USER_ID = 200
BATCH = 1000  # documents in one bulk write
_LIST_SPLIT = re.compile(r"[;|]")
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}
RESERVED = ("_id", "team_id")


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


def _applied(stored: Mapping[str, Any], user: Mapping[str, Any]) -> dict[str, Any]:
    """The document after writing ``user`` over ``stored``."""
    doc = dict(stored)
    for key, value in user.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def _same(stored: Mapping[str, Any], user: Mapping[str, Any]) -> bool:
    """True when writing ``user`` would leave ``stored`` as it is."""
    for key, value in user.items():
        if value is None:
            if key in stored:
                return False
        elif key not in stored or stored[key] != value or type(stored[key]) is not type(value):
            return False
    return True


def _upsert(team_id: str, user: Mapping[str, Any]) -> UpdateOne:
    return UpdateOne({"team_id": team_id, "user_id": user["user_id"]}, _update(user), upsert=True)


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

    def upsert_coerced(self, team_id: str, users: Iterable[Mapping[str, Any]]) -> UpsertReport:
        """Write records that already went through ``coerce_user``, in bulk batches.

        Each record is one atomic write of one document, so a user is never half written; running the
        same upsert twice leaves the same documents.
        """
        report = UpsertReport()
        batch: list[Mapping[str, Any]] = []
        for user in users:
            batch.append(user)
            if len(batch) >= BATCH:
                report += self._write(team_id, batch)
                batch = []
        if batch:
            report += self._write(team_id, batch)
        return report

    def _existing(self, team_id: str, user_ids: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        # Large $in lists are slow on the embedded server (FACTS): ask in chunks.
        for start in range(0, len(user_ids), 200):
            chunk = user_ids[start : start + 200]
            query = {"team_id": team_id, "user_id": {"$in": chunk}}
            found.update((d["user_id"], d) for d in self.collection.find(query, {"_id": 0}))
        return found

    def _write(self, team_id: str, batch: list[Mapping[str, Any]]) -> UpsertReport:
        """New users are inserted (about 2.4x faster than an upsert on the embedded server), known ones
        updated. A user inserted meanwhile by someone else makes the rest of the batch go as upserts."""
        with self.outage.guard():
            existing = self._existing(team_id, list({u["user_id"] for u in batch}))
            ops: list[InsertOne[dict[str, Any]] | UpdateOne] = []
            writes: list[Mapping[str, Any]] = []  # the user behind each op, for the retry below
            unchanged = 0
            for user in batch:
                stored = existing.get(user["user_id"])
                if stored is not None and _same(stored, user):
                    # Re-importing the same file writes nothing (each write costs every index).
                    unchanged += 1
                    continue
                if stored is not None:
                    ops.append(_upsert(team_id, user))
                else:
                    doc = {k: v for k, v in user.items() if v is not None}
                    ops.append(InsertOne({"team_id": team_id, **doc}))
                # A second row for the same user in this batch updates it.
                existing[user["user_id"]] = _applied(stored or {"team_id": team_id}, user)
                writes.append(user)
            if not ops:
                return UpsertReport(unchanged=unchanged)
            try:
                result = self.collection.bulk_write(ops, ordered=True)
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors", [])
                if not errors or any(e.get("code") != 11000 for e in errors):
                    raise
                done = UpsertReport(exc.details.get("nInserted", 0) + exc.details.get("nUpserted", 0),
                                    exc.details.get("nMatched", 0), unchanged)
                retry = [_upsert(team_id, user) for user in writes[errors[0]["index"] :]]
                again = self.collection.bulk_write(retry, ordered=True)
                return done + UpsertReport(again.upserted_count, again.matched_count)
        return UpsertReport(
            inserted=result.inserted_count + result.upserted_count, updated=result.matched_count, unchanged=unchanged
        )

    def get(self, team_id: str, user_id: str) -> dict[str, Any] | None:
        with self.outage.guard():
            return self.collection.find_one({"team_id": team_id, "user_id": user_id}, {"_id": 0})

    def count(self, team_id: str) -> int:
        with self.outage.guard():
            return self.collection.count_documents({"team_id": team_id})

    def delete(self, team_id: str, user_id: str) -> bool:
        with self.outage.guard():
            return self.collection.delete_one({"team_id": team_id, "user_id": user_id}).deleted_count == 1
