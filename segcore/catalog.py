"""The field catalog: which fields a segment may use, their types, and the words people use for them.

The catalog is data. The default one ships as ``catalog_default.json``; a workspace can extend it with
fields of its own (``FieldCatalog.with_fields`` or ``load_catalog`` with a JSON file named by ``SEGMENTS_CATALOG_PATH``)
without a release. The grammar, the Cohere prompt, the modal, the validator and both compilers all read
the same catalog.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from segcore.errors import CatalogError

FIELD_TYPES = ("string", "int", "number", "array", "bool", "datetime")

# Operators allowed per field type (SPEC "Rules"). `int` is a number that happens to be whole.
OPERATORS: Mapping[str, tuple[str, ...]] = {
    "number": ("gt", "gte", "lt", "lte", "eq", "ne", "between", "exists"),
    "int": ("gt", "gte", "lt", "lte", "eq", "ne", "between", "exists"),
    "string": ("eq", "ne", "in", "not_in", "contains", "exists"),
    "array": ("has", "has_any", "has_all", "has_none", "exists"),
    "bool": ("is",),
    "datetime": (
        "before",
        "after",
        "on",
        "between",
        "within_last",
        "not_within_last",
        "more_than_ago",
        "exists",
    ),
}

_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Field:
    """One field of the ``users`` collection as marketers talk about it."""

    name: str
    type: str
    label: str
    synonyms: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    pii: bool = False
    queryable: bool = True
    closed: bool = False
    unit: str | None = None
    money: bool = False
    verb: str | None = None
    true_phrase: str | None = None
    false_phrase: str | None = None
    consent_channel: str | None = None
    missing_note: str | None = None

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS[self.type]

    @property
    def is_numeric(self) -> bool:
        return self.type in ("int", "number")

    def canonical_value(self, text: str) -> str | None:
        """The catalog's canonical spelling of a known value or alias, or None when it is not known."""
        key = " ".join(text.strip().lower().split())
        for value in self.values:
            if value.lower() == key:
                return value
        return self.aliases.get(key)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "type": self.type, "label": self.label}
        for key in ("synonyms", "values"):
            if getattr(self, key):
                data[key] = list(getattr(self, key))
        if self.aliases:
            data["aliases"] = dict(self.aliases)
        for key in ("pii", "money", "closed"):
            if getattr(self, key):
                data[key] = True
        if not self.queryable:
            data["queryable"] = False
        for key in ("unit", "verb", "true_phrase", "false_phrase", "consent_channel", "missing_note"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Field:
        if not isinstance(data, Mapping):
            raise CatalogError("A field must be a JSON object.")
        allowed = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - allowed
        if unknown:
            raise CatalogError(f"Unknown key(s) in field definition: {', '.join(sorted(unknown))}.")
        name = data.get("name")
        if not isinstance(name, str) or not _FIELD_NAME.match(name):
            raise CatalogError(
                f"Field name {name!r} is not allowed: use lowercase letters, digits and underscores, "
                "starting with a letter (at most 64 characters)."
            )
        ftype = data.get("type")
        if ftype not in FIELD_TYPES:
            raise CatalogError(f"Field {name!r} has type {ftype!r}; allowed types: {', '.join(FIELD_TYPES)}.")
        aliases = data.get("aliases") or {}
        if not isinstance(aliases, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()
        ):
            raise CatalogError(f"Field {name!r}: aliases must map text to a known value.")
        values = tuple(str(v) for v in data.get("values") or ())
        for alias, target in aliases.items():
            if values and target not in values:
                raise CatalogError(f"Field {name!r}: alias {alias!r} points to {target!r}, which is not a value.")
        return cls(
            name=name,
            type=ftype,
            label=str(data.get("label") or name.replace("_", " ")),
            synonyms=tuple(str(s).lower() for s in data.get("synonyms") or ()),
            values=values,
            aliases={" ".join(k.lower().split()): v for k, v in aliases.items()},
            pii=bool(data.get("pii", False)),
            queryable=bool(data.get("queryable", True)),
            closed=bool(data.get("closed", False)),
            unit=data.get("unit"),
            money=bool(data.get("money", False)),
            verb=data.get("verb"),
            true_phrase=data.get("true_phrase"),
            false_phrase=data.get("false_phrase"),
            consent_channel=data.get("consent_channel"),
            missing_note=data.get("missing_note"),
        )


_EVENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _.:/-]{0,99}$")


@dataclass(frozen=True)
class Event:
    """One kind of event (SPEC "Behaviour") as marketers talk about it: ``Product Viewed``, "viewed".

    ``properties`` are described like fields (type, known values, aliases), so a property condition is
    typed and validated exactly as a field condition is.
    """

    name: str
    label: str
    synonyms: tuple[str, ...] = ()
    properties: tuple[Field, ...] = ()

    def get_property(self, name: str) -> Field | None:
        for prop in self.properties:
            if prop.name == name:
                return prop
        return None

    def property(self, name: str) -> Field:
        found = self.get_property(name)
        if found is None:
            known = ", ".join(p.name for p in self.properties) or "none"
            raise CatalogError(f"Event {self.name!r} has no property {name!r}. Its properties: {known}.")
        return found

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "label": self.label}
        if self.synonyms:
            data["synonyms"] = list(self.synonyms)
        if self.properties:
            data["properties"] = [p.to_json() for p in self.properties]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Event:
        if not isinstance(data, Mapping):
            raise CatalogError("An event must be a JSON object.")
        unknown = set(data) - {"name", "label", "synonyms", "properties"}
        if unknown:
            raise CatalogError(f"Unknown key(s) in event definition: {', '.join(sorted(unknown))}.")
        name = data.get("name")
        if not isinstance(name, str) or not _EVENT_NAME.match(name):
            raise CatalogError(
                f"Event name {name!r} is not allowed: start with a letter; letters, digits, spaces and _ . : / - "
                "(at most 100 characters)."
            )
        raw_properties = data.get("properties") or []
        if not isinstance(raw_properties, list):
            raise CatalogError(f"Event {name!r}: properties must be a list of field definitions.")
        properties = tuple(Field.from_json(p) for p in raw_properties)
        names = [p.name for p in properties]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise CatalogError(f"Event {name!r}: property(ies) defined twice: {', '.join(twice)}.")
        return cls(
            name=name,
            label=str(data.get("label") or name.lower()),
            synonyms=tuple(str(s).lower() for s in data.get("synonyms") or ()),
            properties=properties,
        )


@dataclass(frozen=True)
class FieldCatalog:
    """An ordered, immutable set of fields, looked up by name, and the events people can do."""

    fields: tuple[Field, ...]
    events: tuple[Event, ...] = ()

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise CatalogError(f"Field(s) defined twice: {', '.join(duplicates)}.")
        events = [e.name.lower() for e in self.events]
        twice = sorted({n for n in events if events.count(n) > 1})
        if twice:
            raise CatalogError(f"Event(s) defined twice: {', '.join(twice)}.")

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def __contains__(self, name: object) -> bool:
        return any(f.name == name for f in self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def get(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def field(self, name: str) -> Field:
        found = self.get(name)
        if found is None:
            raise CatalogError(f"Unknown field {name!r}. Known fields: {', '.join(self.names)}.")
        return found

    @property
    def event_names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.events)

    def get_event(self, name: str) -> Event | None:
        """The event of that name, whatever the case ("order completed" is ``Order Completed``)."""
        key = " ".join(name.split()).lower()
        for e in self.events:
            if e.name.lower() == key:
                return e
        return None

    def event(self, name: str) -> Event:
        found = self.get_event(name)
        if found is None:
            raise CatalogError(f"Unknown event {name!r}. Known events: {', '.join(self.event_names) or 'none'}.")
        return found

    def with_events(self, extra: Iterable[Event]) -> FieldCatalog:
        """A catalog with ``extra`` events added; an event of the same name replaces the existing one."""
        extra = tuple(extra)
        replaced = {e.name.lower() for e in extra}
        return FieldCatalog(self.fields, tuple(e for e in self.events if e.name.lower() not in replaced) + extra)

    def queryable(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.queryable)

    def with_fields(self, extra: Iterable[Field]) -> FieldCatalog:
        """A catalog with ``extra`` added; a field of the same name replaces the existing one."""
        extra = tuple(extra)
        replaced = {f.name for f in extra}
        return FieldCatalog(tuple(f for f in self.fields if f.name not in replaced) + extra, self.events)

    def without(self, *names: str) -> FieldCatalog:
        return FieldCatalog(tuple(f for f in self.fields if f.name not in names), self.events)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"fields": [f.to_json() for f in self.fields]}
        if self.events:
            data["events"] = [e.to_json() for e in self.events]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldCatalog:
        """``{"fields": [...], "events": [...]}``; a file of extra definitions may hold either list or both."""
        fields = data.get("fields", []) if isinstance(data, Mapping) else None
        events = data.get("events", []) if isinstance(data, Mapping) else None
        if not isinstance(fields, list) or not isinstance(events, list) or not (fields or events):
            raise CatalogError('A catalog must be a JSON object with a "fields" list and/or an "events" list.')
        return cls(tuple(Field.from_json(f) for f in fields), tuple(Event.from_json(e) for e in events))


@lru_cache(maxsize=1)
def default_catalog() -> FieldCatalog:
    """SPEC's default catalog, as shipped."""
    text = resources.files("segcore").joinpath("catalog_default.json").read_text(encoding="utf-8")
    return FieldCatalog.from_json(json.loads(text))


@lru_cache(maxsize=8)
def load_catalog(extra_path: str | None) -> FieldCatalog:
    """The default catalog extended by a JSON file of a workspace's own fields and events, when one is named.

    The path comes from configuration (``SEGMENTS_CATALOG_PATH``, read in ``segments.config``), never from
    here, so that a test or a second workspace can name another file in the same process.
    """
    catalog = default_catalog()
    if not extra_path:
        return catalog
    try:
        with open(extra_path, encoding="utf-8") as fh:
            extra = FieldCatalog.from_json(json.load(fh))
    except (OSError, ValueError) as exc:
        raise CatalogError(f"Cannot read custom fields from {extra_path}: {exc}") from exc
    return catalog.with_fields(extra.fields).with_events(extra.events)
