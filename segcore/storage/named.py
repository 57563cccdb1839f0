"""What segments and campaigns share: documents of one workspace, found by id or by name, renamed, removed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from segcore.rules import to_millisecond
from segcore.storage.audit import AuditLog
from segcore.storage.errors import DuplicateName, NotFound, Outage, StorageError
from segcore.storage.ids import object_id
from segcore.storage.naming import clean_name, name_key


class FromDoc(Protocol):
    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Any: ...


T = TypeVar("T", bound=FromDoc)


def stored_now() -> datetime:
    return to_millisecond(datetime.now(UTC))


class NamedRepository(Generic[T]):
    """Named, workspace-scoped documents (``team_id`` always filters): reads, name checks, changes, removal.

    A repository states what differs: its ``model``, what a record is called in messages (``what``), the
    errors it raises and the advice that follows a taken name.
    """

    model: type[T]
    what: str
    not_found_error: type[NotFound]
    duplicate_error: type[DuplicateName]
    duplicate_advice: str

    def __init__(self, collection: Collection[dict[str, Any]], audit: AuditLog, outage: Outage | None) -> None:
        self.collection = collection
        self.audit = audit
        self.outage = outage or Outage()

    def _duplicate(self, name: str) -> DuplicateName:
        return self.duplicate_error(
            f"A {self.what} named {name!r} already exists in this workspace (names ignore case). "
            f"{self.duplicate_advice}"
        )

    def not_found(self, item_id: str) -> NotFound:
        return self.not_found_error(f"There is no {self.what} with id {item_id!r} in this workspace.")

    def _name_fields(self, name: object) -> dict[str, str]:
        """The cleaned name and the form it is compared in (checked here, before anything is written)."""
        cleaned = clean_name(name, self.what)
        return {"name": cleaned, "name_lower": name_key(cleaned)}

    def insert_new(self, doc: dict[str, Any], item_id: str | None, actor: str, action: str,
                   details: dict[str, Any]) -> T:
        """Insert a new named document and audit it; a taken name raises the repository's ``DuplicateName``.

        The id is chosen before the write (``item_id``, chosen by the caller so that a replayed request
        names the same document, or a new one), so that a write that already landed is recognised as done
        instead of being reported as a name clash: the database restarted and the driver's retry met our own
        document, or a journaled Slack submission is replayed after its first run saved it. Then the stored
        document is returned, and the audit entry is written only if it is not there yet.
        """
        oid = object_id(item_id) if item_id is not None else ObjectId()
        if oid is None:
            raise ValueError(f"not a {self.what} id: {item_id!r}")
        doc = {**doc, "_id": oid}
        stored: dict[str, Any] | None = None
        with self.outage.guard():
            try:
                self.collection.insert_one(doc)
            except DuplicateKeyError:
                stored = self.collection.find_one({"_id": oid, "team_id": doc["team_id"]})
                if stored is None:
                    raise self._duplicate(str(doc.get("name", ""))) from None
        try:
            recorded = stored is not None and self.audit.has(doc["team_id"], action, str(oid))
        except StorageError:
            recorded = False  # a second entry is better than none
        if not recorded:
            self.audit.record(doc["team_id"], actor, action, str(oid), details)
        return self.model.from_doc(stored or doc)

    def _change(self, team_id: str, item_id: str, update: dict[str, Any], name: str | None = None) -> T:
        """Apply ``update`` and return the item as it now is; ``name`` is the new name, when it changes."""
        oid = object_id(item_id)
        doc = None
        if oid is not None:
            with self.outage.guard():
                try:
                    doc = self.collection.find_one_and_update(
                        {"_id": oid, "team_id": team_id}, update, return_document=ReturnDocument.AFTER
                    )
                except DuplicateKeyError:
                    raise self._duplicate(name or "") from None
        if doc is None:
            raise self.not_found(item_id)
        return self.model.from_doc(doc)

    def _remove(self, team_id: str, item_id: str, only_if: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """Delete the item (while it matches ``only_if``, when given) and return the document it was (None
        when nothing was deleted)."""
        oid = object_id(item_id)
        if oid is None:
            return None
        with self.outage.guard():
            return self.collection.find_one_and_delete({**(only_if or {}), "_id": oid, "team_id": team_id})

    def get(self, team_id: str, item_id: str) -> T | None:
        oid = object_id(item_id)
        if oid is None:
            return None
        with self.outage.guard():
            doc = self.collection.find_one({"_id": oid, "team_id": team_id})
        return self.model.from_doc(doc) if doc else None

    def get_by_name(self, team_id: str, name: str) -> T | None:
        if not isinstance(name, str):
            return None
        with self.outage.guard():
            doc = self.collection.find_one({"team_id": team_id, "name_lower": name_key(name)})
        return self.model.from_doc(doc) if doc else None

    def recent(self, team_id: str, limit: int) -> list[T]:
        """The ``limit`` most recently changed items, newest first (the App Home shows a few, not all)."""
        with self.outage.guard():
            docs = list(self.collection.find({"team_id": team_id}).sort("updated_at", DESCENDING).limit(max(1, limit)))
        return [self.model.from_doc(d) for d in docs]

    def list(self, team_id: str) -> list[T]:
        """Every item of the workspace, by name."""
        with self.outage.guard():
            docs = list(self.collection.find({"team_id": team_id}).sort("name_lower", ASCENDING))
        return [self.model.from_doc(d) for d in docs]
