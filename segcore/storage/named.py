"""What segments and campaigns share: documents of one workspace, found by id or by name."""

from __future__ import annotations

from typing import Any, Generic, Protocol, TypeVar

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from segcore.storage.errors import DuplicateName, Outage
from segcore.storage.ids import object_id
from segcore.storage.naming import name_key


class FromDoc(Protocol):
    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Any: ...


T = TypeVar("T", bound=FromDoc)


class NamedRepository(Generic[T]):
    """Reads shared by repositories of named, workspace-scoped documents (``team_id`` always filters)."""

    model: type[T]
    collection: Collection[dict[str, Any]]
    outage: Outage

    def _duplicate(self, name: str) -> DuplicateName:
        raise NotImplementedError

    def insert_new(self, doc: dict[str, Any]) -> T:
        """Insert a new named document; a taken name raises the repository's ``DuplicateName``.

        The id is chosen here, before the write, so that a write that landed but whose answer was lost (the
        database restarted; the driver retried and hit the name index with our own document) is recognised
        as done instead of being reported as a name clash.
        """
        doc = {**doc, "_id": ObjectId()}
        with self.outage.guard():
            try:
                self.collection.insert_one(doc)
            except DuplicateKeyError:
                if self.collection.find_one({"_id": doc["_id"]}, {"_id": 1}) is None:
                    raise self._duplicate(str(doc.get("name", ""))) from None
        return self.model.from_doc(doc)

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
