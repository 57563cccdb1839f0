"""Writing what people did: the ``events`` collection, identity links and the people identify names.

One document per event (BRIEF's settled shape); its ``_id`` is made from the workspace and the message id
(``indexes.event_id``), so a message sent again (a client's retry, a file imported twice) is stored once:
events are inserted unordered and the duplicate-key errors of exactly those messages are ignored.

Writes that answer an HTTP call use ``j=True`` (FACTS: with the default write concern the embedded server
can lose the last acknowledged writes when killed), so a 200 means the events are on disk.

Identity: ``identities`` maps an anonymous id to the user id that identify or alias linked it to (the
first link holds). An event sent with only an anonymous id is stored with the linked user id when there is
one; otherwise its ``_id`` is also listed in ``unlinked_events`` (written before the event itself), and a
link later gives the user id to the events listed for that anonymous id.

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
from pymongo.errors import BulkWriteError

from segcore.events.indexes import EVENTS, IDENTITIES, MARKS, UNLINKED, event_id, mark_events_written
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
        self.unlinked: Collection[dict[str, Any]] = db.get_collection(UNLINKED, write_concern=concern)
        self.identities: Collection[dict[str, Any]] = db.get_collection(IDENTITIES, write_concern=concern)
        self.users: Collection[dict[str, Any]] = db.get_collection("users", write_concern=concern)
        self.marks: Collection[dict[str, Any]] = db.get_collection(MARKS, write_concern=concern)
        self.outage = outage or Outage()
        self._marked = False  # once per store: the installation has events (see indexes.MARKS)

    def ingest(self, team_id: str, messages: Sequence[tuple[int, Message]],
               received_at: datetime | None = None) -> IngestReport:
        """Store a batch: people and links first (so events later in it find their person), then events."""
        received_at = received_at or datetime.now(UTC)
        report = IngestReport()
        with self.outage.guard():
            identifies = [(i, m) for i, m in messages if isinstance(m, IdentifyMessage)]
            if identifies:
                self._identify(team_id, identifies, report)
            links = [(where, m.previous_id, m.user_id) if isinstance(m, AliasMessage) else (where, m.anonymous_id, m.user_id)
                     for where, m in messages
                     if isinstance(m, AliasMessage) or (isinstance(m, IdentifyMessage) and m.anonymous_id is not None)]
            if links:
                self._link(team_id, links, report)  # type: ignore[arg-type]  # anonymous_id is not None here
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

    def _link(self, team_id: str, links: list[tuple[int, str, str]], report: IngestReport) -> None:
        """Link anonymous ids to user ids, (position, anonymous id, user id) in message order: the first link
        of an anonymous id holds; a later different one is noted. A few writes per batch, not per message."""
        now = datetime.now(UTC)
        first: dict[str, str] = {}
        for _, anonymous_id, user_id in links:
            first.setdefault(anonymous_id, user_id)
        docs: list[dict[str, Any]] = [{"team_id": team_id, "anonymous_id": a, "user_id": u, "linked_at": now}
                                      for a, u in first.items()]
        taken: set[str] = set()
        try:
            self.identities.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            taken = {str(docs[int(e["index"])]["anonymous_id"]) for e in errors}
        report.linked += len(docs) - len(taken)
        earlier = self._linked(team_id, taken) if taken else {}
        final = {a: earlier.get(a, u) for a, u in first.items()}
        for where, anonymous_id, user_id in links:
            if final[anonymous_id] != user_id:
                report.note(where, f"anonymousId {anonymous_id!r} is already linked to user "
                                   f"{final[anonymous_id]!r}; that link is kept.")
        # Also when already linked: an event stored meanwhile without its user id is caught up here.
        self._backfill(team_id, final)

    def _backfill(self, team_id: str, links: dict[str, str]) -> None:
        """Give each linked anonymous id's waiting events (``unlinked_events``) their user id."""
        anonymous = sorted(links)
        listed: dict[str, list[Any]] = {}
        for start in range(0, len(anonymous), CHUNK):
            query = {"team_id": team_id, "anonymous_id": {"$in": anonymous[start : start + CHUNK]}}
            for doc in self.unlinked.find(query, {"_id": 1, "anonymous_id": 1}):
                listed.setdefault(doc["anonymous_id"], []).append(doc["_id"])
        by_user: dict[str, list[Any]] = {}
        for anonymous_id, ids in listed.items():
            by_user.setdefault(links[anonymous_id], []).extend(ids)
        for user_id, ids in by_user.items():
            for start in range(0, len(ids), CHUNK):
                found = self._claim(team_id, user_id, ids[start : start + CHUNK])
                # Only those whose event exists: one listed but not yet inserted is claimed by its writer.
                if found:
                    self.unlinked.delete_many({"_id": {"$in": found}})

    def _claim(self, team_id: str, user_id: str, ids: list[Any]) -> list[Any]:
        """Set ``user_id`` on those of these events that still have none; the ids of the events found."""
        found: list[Any] = []
        claimed: list[datetime] = []
        for doc in self.events.find({"_id": {"$in": ids}}, {"_id": 1, "user_id": 1, "event": 1, "timestamp": 1}):
            found.append(doc["_id"])
            if doc.get("user_id") is not None:
                continue
            # Orders one claim each: the claim that sets the user id is the one that counts it, so two links
            # racing for the same events never count an order twice.
            if doc.get("event") == ORDER_EVENT:
                won = self.events.update_one({"_id": doc["_id"], "user_id": None}, {"$set": {"user_id": user_id}})
                if won.modified_count:
                    claimed.append(doc["timestamp"])
        if found:
            self.events.update_many({"_id": {"$in": found}, "user_id": None}, {"$set": {"user_id": user_id}})
        if claimed:
            self.add_orders(team_id, {user_id: claimed})
        return found

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
        anonymous = {m.anonymous_id for _, m in messages if m.user_id is None and m.anonymous_id is not None}
        links = self._linked(team_id, anonymous) if anonymous else {}
        docs = []
        for where, message in messages:
            for text in message.notes:
                report.note(where, text)
            doc = {"_id": event_id(team_id, message.message_id), **message.document(team_id, received_at)}
            if doc["user_id"] is None and doc["anonymous_id"] in links:
                doc["user_id"] = links[doc["anonymous_id"]]
            docs.append(doc)
        waiting = [d for d in docs if d["user_id"] is None]
        if waiting:
            # Listed before the events are written: a link made at any moment from here on finds them.
            self._insert([{"_id": d["_id"], "team_id": team_id, "anonymous_id": d["anonymous_id"]}
                          for d in waiting], self.unlinked)
        if not self._marked:
            mark_events_written(self.marks, received_at)
            self._marked = True
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
        # An identify that linked one of these anonymous ids while they were being written may have read
        # the list before the events existed: look again and claim our own events, so none stays without
        # its person.
        left = [d for d in new if d["user_id"] is None]
        if left:
            late = self._linked(team_id, {d["anonymous_id"] for d in left})
            by_user: dict[str, list[Any]] = {}
            for d in left:
                if d["anonymous_id"] in late:
                    by_user.setdefault(late[d["anonymous_id"]], []).append(d["_id"])
            for user_id, ids in by_user.items():
                for start in range(0, len(ids), CHUNK):
                    found = self._claim(team_id, user_id, ids[start : start + CHUNK])
                    self.unlinked.delete_many({"_id": {"$in": found}})

    def _insert(self, docs: list[dict[str, Any]], collection: Collection[dict[str, Any]] | None = None) -> set[int]:
        """Insert unordered; the positions of the documents that were already stored (by message id)."""
        if not docs:
            return set()
        for doc in docs:
            if "_id" not in doc:
                doc["_id"] = event_id(doc["team_id"], doc["message_id"])
        try:
            (self.events if collection is None else collection).insert_many(docs, ordered=False)
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
