"""Writing what people did: the ``events`` collection, identity links and the people identify names.

One document per event (BRIEF's settled shape); ``(team_id, message_id)`` is unique, so a message sent
again (a client's retry, a file imported twice) is stored once: events are inserted unordered and the
duplicate-key errors of exactly those messages are ignored.

Writes that answer an HTTP call use ``j=True`` (FACTS: with the default write concern the embedded server
can lose the last acknowledged writes when killed), so a 200 means the events are on disk.

Identity: ``identities`` maps an anonymous id to the user id that identify or alias linked it to (the
first link holds). An event sent with only an anonymous id is stored with the linked user id when there is
one; linking back-fills the user id on the earlier events of that anonymous id.

Orders (docs/events.md): ``orders`` and ``last_order_at`` are computed traits of the person: each NEW
``Order Completed`` event stored for them adds one to ``orders`` (``$inc``) and moves ``last_order_at`` to
its time when later (``$max``). A repeated message is not new, so it never counts twice; an anonymous order
counts for the person when a link gives it its user id (each event claimed once, atomically).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo import WriteConcern
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from segcore.events.indexes import EVENTS, IDENTITIES
from segcore.events.messages import AliasMessage, EventMessage, IdentifyMessage, Message
from segcore.storage.errors import Outage
from segcore.storage.person_numbers import numbered_upserts, upserted_none

ORDER_EVENT = "Order Completed"
CHUNK = 200  # values in one $in (FACTS: large $in lists are slow on the embedded server)
DUPLICATE_KEY = 11000
MAX_NOTES = 1000


@dataclass
class IngestReport:
    """What a request or a file did: events stored, repeats ignored, people identified, links made."""

    stored: int = 0
    duplicates: int = 0
    identified: int = 0
    linked: int = 0
    notes: list[tuple[int, str]] = field(default_factory=list)  # (position, what was left out) per message

    def note(self, where: int, text: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append((where, text))


class EventStore:
    """Events, identity links and the people they name, for every workspace (each call names one)."""

    def __init__(self, db: Database[dict[str, Any]], outage: Outage | None = None, durable: bool = True) -> None:
        concern = WriteConcern(j=True) if durable else WriteConcern()
        self.events: Collection[dict[str, Any]] = db.get_collection(EVENTS, write_concern=concern)
        self.identities: Collection[dict[str, Any]] = db.get_collection(IDENTITIES, write_concern=concern)
        self.users: Collection[dict[str, Any]] = db.get_collection("users", write_concern=concern)
        self.outage = outage or Outage()

    def ingest(self, team_id: str, messages: Sequence[tuple[int, Message]],
               received_at: datetime | None = None) -> IngestReport:
        """Store a batch: people and links first (so events later in it find their person), then events."""
        received_at = received_at or datetime.now(UTC)
        report = IngestReport()
        with self.outage.guard():
            identifies = [(i, m) for i, m in messages if isinstance(m, IdentifyMessage)]
            if identifies:
                self._identify(team_id, identifies, report)
            for where, message in messages:
                if isinstance(message, AliasMessage):
                    self._link(team_id, message.previous_id, message.user_id, where, report)
                elif isinstance(message, IdentifyMessage) and message.anonymous_id is not None:
                    self._link(team_id, message.anonymous_id, message.user_id, where, report)
            events = [(i, m) for i, m in messages if isinstance(m, EventMessage)]
            if events:
                self._store_events(team_id, events, received_at, report)
        return report

    # -- people -------------------------------------------------------------------------------------------

    def _identify(self, team_id: str, messages: list[tuple[int, IdentifyMessage]], report: IngestReport) -> None:
        writes = []
        for where, message in messages:
            for text in message.notes:
                report.note(where, text)
            sets = {k: v for k, v in message.traits.items() if v is not None}
            unsets = {k: "" for k, v in message.traits.items() if v is None}
            update: dict[str, Any] = {"$set": sets} if sets else {"$setOnInsert": {"user_id": message.user_id}}
            if unsets:
                update["$unset"] = unsets
            writes.append(({"team_id": team_id, "user_id": message.user_id}, update))
        ops, reserved = numbered_upserts(self.users.database, team_id, writes)
        try:
            upserted_none(self.users.database, team_id, reserved, self.users.bulk_write(ops, ordered=True).upserted_count)
        except BulkWriteError as exc:
            # Two first identifies of one person at once: the loser's upsert meets the winner's insert.
            if any(e.get("code") != DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
                raise
            done = exc.details["writeErrors"][0]["index"]
            self.users.bulk_write(ops[done:], ordered=True)
        report.identified += len(ops)

    def _link(self, team_id: str, anonymous_id: str, user_id: str, where: int, report: IngestReport) -> None:
        now = datetime.now(UTC)
        linked = user_id
        try:
            self.identities.insert_one(
                {"team_id": team_id, "anonymous_id": anonymous_id, "user_id": user_id, "linked_at": now}
            )
            report.linked += 1
        except DuplicateKeyError:
            found = self.identities.find_one({"team_id": team_id, "anonymous_id": anonymous_id})
            linked = found["user_id"] if found else user_id
            if linked != user_id:
                report.note(where, f"anonymousId {anonymous_id!r} is already linked to user {linked!r}; "
                                   "that link is kept.")
        # Also when already linked: an event stored meanwhile without its user id is caught up here.
        self._backfill(team_id, {anonymous_id: linked})

    def _backfill(self, team_id: str, links: dict[str, str]) -> None:
        for anonymous_id, user_id in links.items():
            waiting = {"team_id": team_id, "anonymous_id": {"$eq": anonymous_id, "$type": "string"}, "user_id": None}
            # Orders first, one claim each: the claim that sets the user id is the one that counts it, so two
            # links racing for the same events never count an order twice.
            claimed: list[datetime] = []
            for doc in self.events.find({**waiting, "event": ORDER_EVENT}, {"_id": 1, "timestamp": 1}):
                won = self.events.update_one({"_id": doc["_id"], "user_id": None}, {"$set": {"user_id": user_id}})
                if won.modified_count:
                    claimed.append(doc["timestamp"])
            self.events.update_many(waiting, {"$set": {"user_id": user_id}})
            if claimed:
                self.add_orders(team_id, {user_id: claimed})

    def _linked(self, team_id: str, anonymous_ids: Iterable[str]) -> dict[str, str]:
        ids = sorted(set(anonymous_ids))
        found: dict[str, str] = {}
        for start in range(0, len(ids), CHUNK):
            query = {"team_id": team_id, "anonymous_id": {"$in": ids[start : start + CHUNK]}}
            found.update((d["anonymous_id"], d["user_id"]) for d in self.identities.find(query))
        return found

    # -- events -------------------------------------------------------------------------------------------

    def _store_events(self, team_id: str, messages: list[tuple[int, EventMessage]], received_at: datetime,
                      report: IngestReport) -> None:
        anonymous = [m.anonymous_id for _, m in messages if m.user_id is None and m.anonymous_id is not None]
        links = self._linked(team_id, anonymous) if anonymous else {}
        docs = []
        for where, message in messages:
            for text in message.notes:
                report.note(where, text)
            doc = message.document(team_id, received_at)
            if doc["user_id"] is None and doc["anonymous_id"] in links:
                doc["user_id"] = links[doc["anonymous_id"]]
            docs.append(doc)
        repeated = self._insert(docs)
        new = [d for i, d in enumerate(docs) if i not in repeated]
        report.stored += len(new)
        report.duplicates += len(repeated)
        orders: dict[str, list[datetime]] = {}
        for doc in new:
            if doc["event"] == ORDER_EVENT and doc["user_id"] is not None:
                orders.setdefault(doc["user_id"], []).append(doc["timestamp"])
        if orders:
            self.add_orders(team_id, orders)
        # An identify that linked one of these anonymous ids between our look-up and our insert back-filled
        # before the insert: look again, so no event stays without its person.
        waiting = {d["anonymous_id"] for d in new if d["user_id"] is None}
        if waiting:
            late = self._linked(team_id, waiting)
            if late:
                self._backfill(team_id, late)

    def _insert(self, docs: list[dict[str, Any]]) -> set[int]:
        """Insert unordered; the positions of the documents that were already stored (by message id)."""
        if not docs:
            return set()
        try:
            self.events.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            repeated = {int(e["index"]) for e in errors}
            # A message id twice in one batch is one event too; the first is stored.
            return repeated
        return set()

    def insert_plain(self, docs: list[dict[str, Any]]) -> tuple[int, int]:
        """Insert ready event documents with no person updates (demo data); (stored, already there)."""
        with self.outage.guard():
            repeated = self._insert(docs)
        return len(docs) - len(repeated), len(repeated)

    # -- orders -------------------------------------------------------------------------------------------

    def add_orders(self, team_id: str, orders: dict[str, list[datetime]]) -> None:
        """Count new ``Order Completed`` events on their people: ``orders`` up by their number,
        ``last_order_at`` to the latest when later. A person not yet known is created with them."""
        ops, reserved = numbered_upserts(self.users.database, team_id, [
            ({"team_id": team_id, "user_id": user_id}, {"$inc": {"orders": len(times)}, "$max": {"last_order_at": max(times)}})
            for user_id, times in orders.items()
        ])
        try:
            upserted_none(self.users.database, team_id, reserved, self.users.bulk_write(ops, ordered=True).upserted_count)
        except BulkWriteError as exc:
            # Two first writes for one new person at once: the loser's upsert meets the winner's insert;
            # from there on, the rest go again (now as updates).
            if any(e.get("code") != DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
                raise
            self.users.bulk_write(ops[exc.details["writeErrors"][0]["index"] :], ordered=True)

    def count(self, team_id: str, query: dict[str, Any] | None = None) -> int:
        with self.outage.guard():
            return self.events.count_documents({"team_id": team_id, **(query or {})})


__all__ = ["ORDER_EVENT", "EventStore", "IngestReport"]
