"""Saved segments: a rule tree (relative dates stay relative), the text it came from, and its last size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.collection import Collection

from segcore.catalog import FieldCatalog
from segcore.errors import SegmentError
from segcore.reading import SOURCES
from segcore.rules import Rule, rule_from_json, rule_to_json
from segcore.storage.audit import AuditLog
from segcore.storage.errors import DuplicateSegmentName, NotFound, Outage
from segcore.storage.ids import object_id
from segcore.storage.named import NamedRepository, stored_now
from segcore.validation import validate

MAX_TEXT = 2000


class SegmentNotFound(NotFound):
    """No segment with that id in this workspace."""


@dataclass(frozen=True)
class Segment:
    id: str
    team_id: str
    name: str
    rule: Rule
    text: str
    source: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    last_size: int | None = None
    last_counted_at: datetime | None = None
    alert: dict[str, Any] | None = None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Segment:
        return cls(
            id=str(doc["_id"]),
            team_id=doc["team_id"],
            name=doc["name"],
            rule=rule_from_json(doc["rule"]),
            text=doc.get("text", ""),
            source=doc.get("source", "user"),
            created_by=doc.get("created_by", ""),
            created_at=doc["created_at"],
            updated_at=doc["updated_at"],
            last_size=doc.get("last_size"),
            last_counted_at=doc.get("last_counted_at"),
            alert=doc.get("alert"),
        )


def _source(source: str) -> str:
    if source not in SOURCES:
        raise SegmentError(f"Unknown rule source {source!r}; allowed: {', '.join(SOURCES)}.")
    return source


class SegmentRepository(NamedRepository[Segment]):
    model = Segment
    what = "segment"
    not_found_error = SegmentNotFound
    duplicate_error = DuplicateSegmentName
    duplicate_advice = "Choose another name, or update the existing segment."

    def __init__(
        self,
        collection: Collection[dict[str, Any]],
        catalog: FieldCatalog,
        audit: AuditLog,
        outage: Outage | None = None,
    ) -> None:
        super().__init__(collection, audit, outage)
        self.catalog = catalog

    def create(
        self, team_id: str, name: str, rule: Rule, text: str, source: str, created_by: str, *,
        segment_id: str | None = None,
    ) -> Segment:
        """Save a new segment; the rule is validated first, so nothing is written for a bad rule.

        ``segment_id`` is chosen by a caller that may repeat the call (a replayed Slack submission): a
        second call with the same id returns the segment the first one saved instead of saving another.
        """
        named = self._name_fields(name)
        checked = validate(rule, self.catalog)
        now = stored_now()
        doc: dict[str, Any] = {
            "team_id": team_id,
            **named,
            "rule": rule_to_json(checked),
            "text": str(text or "")[:MAX_TEXT],
            "source": _source(source),
            "created_by": created_by,
            "created_at": now,
            "updated_at": now,
            "last_size": None,
            "last_counted_at": None,
            "alert": None,
        }
        return self.insert_new(doc, segment_id, created_by, "segment.create",
                               {"name": named["name"], "rule": doc["rule"]})

    def _update(self, team_id: str, segment_id: str, changes: dict[str, Any]) -> Segment:
        return self._change(team_id, segment_id, {"$set": changes}, changes.get("name"))

    def rename(self, team_id: str, segment_id: str, new_name: str, by: str) -> Segment:
        named = self._name_fields(new_name)
        segment = self._update(team_id, segment_id, {**named, "updated_at": stored_now()})
        self.audit.record(team_id, by, "segment.rename", segment.id, {"name": named["name"]})
        return segment

    def update_rule(
        self, team_id: str, segment_id: str, rule: Rule, text: str, source: str, by: str
    ) -> Segment:
        checked = validate(rule, self.catalog)
        rule_json = rule_to_json(checked)
        segment = self._update(
            team_id,
            segment_id,
            {
                "rule": rule_json,
                "text": str(text or "")[:MAX_TEXT],
                "source": _source(source),
                "updated_at": stored_now(),
                # The old size described the old rule.
                "last_size": None,
                "last_counted_at": None,
            },
        )
        self.audit.record(team_id, by, "segment.update_rule", segment.id, {"rule": rule_json, "text": text})
        return segment

    def set_alert(self, team_id: str, segment_id: str, alert: dict[str, Any] | None, by: str) -> Segment:
        segment = self._update(team_id, segment_id, {"alert": alert, "updated_at": stored_now()})
        self.audit.record(team_id, by, "segment.set_alert", segment.id, {"alert": alert})
        return segment

    def delete(self, team_id: str, segment_id: str, by: str) -> bool:
        doc = self._remove(team_id, segment_id)
        if doc is None:
            return False
        self.audit.record(team_id, by, "segment.delete", segment_id, {"name": doc["name"]})
        return True

    def record_size(self, team_id: str, segment_id: str, size: int, at: datetime) -> bool:
        """Remember the last counted size (a measurement, not a change by a person: not audited)."""
        oid = object_id(segment_id)
        if oid is None:
            return False
        with self.outage.guard():
            result = self.collection.update_one(
                {"_id": oid, "team_id": team_id}, {"$set": {"last_size": int(size), "last_counted_at": at}}
            )
        return result.matched_count == 1

