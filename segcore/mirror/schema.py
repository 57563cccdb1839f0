"""The mirror's table: one column per queryable catalog field, and how a MongoDB document becomes a row.

A value of the wrong type for its field (text in ``age``, ``NaN`` in ``total_spend``, 30.5 in an int
field) cannot be held exactly in a typed column. It is stored as NULL and its field name is listed in the
row's ``_mistyped`` column, so the mirror can decline (and MongoDB count) any rule on that field in that
workspace instead of giving a number that differs from MongoDB's. Arrays need no such care: MongoDB's
array operators only ever compare text elements, so other elements are dropped and a lone text value
becomes a one-element list (as MongoDB matches ``{"tags": "vip"}`` against ``"tags": "vip"``).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
from bson import decode_all, json_util
from bson.codec_options import CodecOptions
from bson.decimal128 import Decimal128
from bson.objectid import ObjectId

from segcore.catalog import FieldCatalog
from segcore.compile_sql import quote

_ARROW = {
    "string": pa.string(),
    "int": pa.int64(),
    "number": pa.float64(),
    "bool": pa.bool_(),
    "datetime": pa.timestamp("us", tz="UTC"),
    "array": pa.list_(pa.string()),
}
_SQL = {
    "string": "VARCHAR",
    "int": "BIGINT",
    "number": "DOUBLE",
    "bool": "BOOLEAN",
    "datetime": "TIMESTAMPTZ",
    "array": "VARCHAR[]",
}
_MISSING = object()
# Python types a column takes without conversion (bool is not an int here, as in MongoDB).
_EXPECTED: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "int": (int,),
    "number": (float, int),
    "bool": (bool,),
    "datetime": (datetime,),
    "array": (list,),
}
_INT64 = 2**63
PERSON_NO = "person_no"  # segcore.storage.person_numbers.FIELD


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a catalog field type


@dataclass(frozen=True)
class MirrorSchema:
    """The columns of the ``users`` table for one catalog."""

    fields: tuple[Column, ...]

    @classmethod
    def for_catalog(cls, catalog: FieldCatalog) -> MirrorSchema:
        fields = [Column(f.name, f.type) for f in catalog.queryable() if f.name != "team_id"]
        if not any(c.name == "user_id" for c in fields):
            fields.insert(0, Column("user_id", "string"))
        # Not a catalog field (nobody queries it): the person's number, the key snapshots and events use.
        fields.insert(1, Column(PERSON_NO, "int"))
        return cls(tuple(fields))

    @property
    def signature(self) -> str:
        """Changes whenever the table would: a different signature on disk means a rebuild."""
        return json.dumps({"version": 3, "fields": [[c.name, c.type] for c in self.fields]})

    @property
    def projection(self) -> dict[str, int]:
        return {"team_id": 1, **{c.name: 1 for c in self.fields}}

    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [("_id", pa.string()), ("team_id", pa.string())]
            + [(c.name, _ARROW[c.type]) for c in self.fields]
            + [("_mistyped", pa.list_(pa.string())), ("_person", pa.int64())]
        )

    def create_table(self, table: str) -> str:
        columns = ", ".join(f"{quote(c.name)} {_SQL[c.type]}" for c in self.fields)
        return f"CREATE TABLE {table} (_id VARCHAR NOT NULL, team_id VARCHAR NOT NULL, {columns}, _mistyped VARCHAR[], _person BIGINT)"

    def to_arrow(self, docs: Iterable[Mapping[str, Any]]) -> pa.Table:
        """Rows for the documents that belong to a workspace (others are never counted by MongoDB either).

        Column by column: a column whose values all have the expected type (the usual case) goes to Arrow
        as is; only the values of an unexpected type are converted one by one.
        """
        rows = [d for d in docs if type(d.get("team_id")) is str]
        data: dict[str, list[Any]] = {
            "_id": [doc_key(d["_id"]) for d in rows],
            "team_id": [d["team_id"] for d in rows],
        }
        mistyped: list[list[str] | None] = [None] * len(rows)
        for col in self.fields:
            values = [d.get(col.name) for d in rows]
            expected = _EXPECTED[col.type]
            for i, value in enumerate(values):
                if value is None or type(value) in expected:
                    continue
                converted = _convert(col.type, value)
                if converted is _WRONG:
                    mistyped[i] = [*(mistyped[i] or []), col.name]
                    converted = None
                values[i] = converted
            if col.type == "array":
                values = [_array(v) if type(v) is list and not all(type(x) is str for x in v) else v for v in values]
            data[col.name] = values
        data["_mistyped"] = mistyped
        data["_person"] = [person_key(d["team_id"], d.get("user_id")) for d in rows]
        return pa.table(data, schema=self.arrow_schema())


def arrow_from_bson(schema: MirrorSchema, raw: bytes, tz_aware: bool) -> pa.Table:
    """``schema.to_arrow`` of a raw batch of BSON documents: what a worker process of a large build runs."""
    return schema.to_arrow(decode_all(raw, CodecOptions(tz_aware=tz_aware, tzinfo=UTC if tz_aware else None)))


def person_key(team_id: str, user_id: Any) -> int | None:
    """A person of a workspace as a signed 64-bit number: the key event conditions join people and events on
    (grouping and joining by a number measured 1.7x faster than by the text ``user_id``). Computed from the
    (workspace, ``user_id``) alone, so an event counts for its person whichever of the two reached the mirror
    first. Only a text ``user_id`` has one, as only those are matched by MongoDB. Two people of one workspace
    share a number with odds of about 1 in 4 * 10^7 at a million people."""
    if type(user_id) is not str:
        return None
    digest = hashlib.blake2b(f"{team_id}\x00{user_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def doc_key(value: Any) -> str:
    """A MongoDB ``_id`` as text, so a delete (which carries only the ``_id``) finds its row."""
    if isinstance(value, ObjectId):
        return "o" + str(value)
    if isinstance(value, str):
        return "s" + value
    return "j" + json_util.dumps(value, json_options=json_util.CANONICAL_JSON_OPTIONS)


class _Wrong:
    """A present value that the column's type cannot hold."""


_WRONG: Any = _Wrong()


def _convert(ftype: str, value: Any) -> Any:
    if value is _MISSING or value is None:
        return None
    if ftype == "array":
        return _array(value)
    if isinstance(value, Decimal128):
        value = value.to_decimal()
    if ftype == "string":
        return value if isinstance(value, str) else _WRONG
    if ftype == "bool":
        return value if isinstance(value, bool) else _WRONG
    if ftype == "datetime":
        if isinstance(value, datetime):
            return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return _WRONG
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return _WRONG
    if isinstance(value, Decimal):
        if not value.is_finite():
            return _WRONG
        value = int(value) if value == value.to_integral_value() else float(value)
    if ftype == "int":
        if isinstance(value, float):
            if not value.is_integer():
                return _WRONG
            value = int(value)
        return value if -_INT64 <= value < _INT64 else _WRONG
    # number: NaN sorts above every number in DuckDB but matches no comparison in MongoDB.
    value = float(value)
    return _WRONG if math.isnan(value) else value


def _array(value: Any) -> list[str | None]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        # None stays: MongoDB's {"tags": null} matches an array holding null.
        return [v for v in value if v is None or isinstance(v, str)]
    return []
