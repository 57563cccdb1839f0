"""The mirror's ``events`` table: one row per event of a catalog event, properties as typed columns.

Columns: ``_key`` (a 64-bit hash of the MongoDB ``_id``, so a delete, which carries only the ``_id``, finds
its row without holding a 25-character text per event), ``team_id``, ``user_id`` (NULL while the event
is anonymous or when it is not text: such events are never counted, as in MongoDB), ``person`` (the
person's number, ``schema.person_key``: event conditions group and join on it), ``event``, ``ts`` and
one column per catalog property, named ``properties.NAME``. The table is kept ordered by (team_id, event,
ts), so a count over one event in a time window reads only the row groups whose min/max can hold it.

Events whose name the catalog does not know are not kept: no rule can ask about them. A property value
the column's type cannot hold exactly (text in a number, a list in a text property, or ``properties``
that is a list) is stored as NULL and its (workspace, event, property) is recorded, so a rule reading it
in that workspace is counted by MongoDB instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from segcore.catalog import FieldCatalog
from segcore.compile_sql import property_column
from segcore.mirror.schema import _ARROW, _EXPECTED, _SQL, _WRONG, _array, _convert, doc_key, person_key


def event_key(value: Any) -> int:
    """A MongoDB ``_id`` as a signed 64-bit number (two ids in 20 million share one with odds of 1 in 10^5)."""
    digest = hashlib.blake2b(doc_key(value).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True)
class EventSchema:
    """The ``events`` table for one catalog: the events kept and a typed column per property name."""

    events: tuple[str, ...]
    properties: tuple[tuple[str, str], ...]  # (name, type): the first type the catalog gives a name

    @classmethod
    def for_catalog(cls, catalog: FieldCatalog) -> EventSchema:
        props: dict[str, str] = {}
        for event in catalog.events:
            for prop in event.properties:
                props.setdefault(prop.name, prop.type)
        return cls(tuple(e.name for e in catalog.events), tuple(props.items()))

    def holds(self, event: str, prop: str, ptype: str) -> bool:
        """Whether the column of ``prop`` has the type ``event`` gives it (else MongoDB counts)."""
        return event in self.events and dict(self.properties).get(prop) == ptype

    @property
    def signature(self) -> list[Any]:
        return [list(self.events), [list(p) for p in self.properties]]

    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [("_key", pa.int64()), ("team_id", pa.string()), ("user_id", pa.string()), ("person", pa.int64()),
             ("event", pa.string()),
             ("ts", pa.timestamp("us", tz="UTC"))]
            + [(f"properties.{name}", _ARROW[ptype]) for name, ptype in self.properties]
        )

    def create_table(self, table: str) -> str:
        columns = "".join(f", {property_column(name)} {_SQL[ptype]}" for name, ptype in self.properties)
        return (f"CREATE TABLE {table} (_key BIGINT NOT NULL, team_id VARCHAR NOT NULL, user_id VARCHAR, person BIGINT, "
                f"event VARCHAR NOT NULL, ts TIMESTAMPTZ{columns})")

    def to_arrow(self, docs: Iterable[Mapping[str, Any]]) -> tuple[pa.Table, set[tuple[str, str, str]]]:
        """Rows for the catalog's events among ``docs``, and the (team, event, property) holding odd values."""
        known = set(self.events)
        rows = [d for d in docs if type(d.get("team_id")) is str and d.get("event") in known]
        data: dict[str, list[Any]] = {
            "_key": [event_key(d["_id"]) for d in rows],
            "team_id": [d["team_id"] for d in rows],
            "user_id": [d.get("user_id") if type(d.get("user_id")) is str else None for d in rows],
            "person": [person_key(d["team_id"], d.get("user_id")) for d in rows],
            "event": [d["event"] for d in rows],
            "ts": [_timestamp(d.get("timestamp")) for d in rows],
        }
        odd: set[tuple[str, str, str]] = set()
        for name, ptype in self.properties:
            expected = _EXPECTED[ptype]
            values: list[Any] = []
            for d in rows:
                props = d.get("properties")
                if isinstance(props, list):
                    # MongoDB looks inside each element of a list for "properties.NAME".
                    odd.add((d["team_id"], d["event"], name))
                    values.append(None)
                    continue
                value = props.get(name) if isinstance(props, Mapping) else None
                if ptype == "array" and value is not None:
                    value = _array(value)  # as for users: only text elements are ever compared
                elif value is not None and type(value) not in expected:
                    value = _convert(ptype, value)
                    if value is _WRONG:
                        odd.add((d["team_id"], d["event"], name))
                        value = None
                values.append(value)
            data[f"properties.{name}"] = values
        return pa.table(data, schema=self.arrow_schema()), odd


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    # Not a date: MongoDB's time comparisons never match it, and neither does NULL.
    return None


def signature_json(users: str, events: EventSchema) -> str:
    return json.dumps({"version": 3, "users": json.loads(users), "events": events.signature})
