"""Segment-spec messages (track, page, identify, alias) read into what the product stores.

The wire is the Segment Spec, spoken by Segment's and RudderStack's libraries: camelCase names
(``userId``, ``anonymousId``, ``messageId``); storage uses snake_case. A message that cannot be stored
raises ``InvalidMessage`` with a reason a developer can act on; the caller skips it and keeps the rest.

Decisions (docs/events.md):
- ``page`` is stored as the event ``Page Viewed``; its ``name`` and ``category`` join its properties.
- identify's traits are ``traits``, or ``context.traits`` when there is none (RudderStack's libraries).
- A message without ``timestamp`` (or ``originalTimestamp``) happened when it was received. The client's
  clock is trusted as sent: no correction by ``sentAt`` (server-side libraries run on synced clocks).
- A message without ``messageId`` gets one derived from its content when it has a timestamp (so a file
  imported twice, or a retry, still counts once), else a random one.
- An event name the catalog knows is stored in the catalog's spelling ("order completed" is
  ``Order Completed``); properties the catalog describes are typed like an import's fields, and a value
  that does not fit is left out and reported, the event kept.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from segcore.catalog import FieldCatalog
from segcore.errors import SegmentError
from segcore.rules import to_millisecond
from segcore.storage.users import InvalidUserData
from segcore.storage.users import _coerce as coerce_value  # the import's per-field conversion

PAGE_EVENT = "Page Viewed"
TYPES = ("track", "page", "identify", "alias")
MAX_ID = 200  # characters of a user id, anonymous id or message id
MAX_EVENT_NAME = 200
# Traits and properties become document keys: names a query language could mistake for operators or
# paths are refused.
_SAFE_TRAIT = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
# Segment's reserved traits whose meaning a catalog field already has under another name.
TRAIT_NAMES = {"createdAt": "signup_date", "created_at": "signup_date"}
RESERVED_TRAITS = ("user_id", "team_id", "id")
MAX_DEPTH = 5


class InvalidMessage(SegmentError):
    """A message that cannot be stored; the text says why."""


@dataclass(frozen=True)
class EventMessage:
    """A track or page call: one event."""

    message_id: str
    user_id: str | None
    anonymous_id: str | None
    event: str
    timestamp: datetime
    properties: dict[str, Any]
    notes: tuple[str, ...] = ()  # properties left out, and why

    def document(self, team_id: str, received_at: datetime) -> dict[str, Any]:
        return {
            "team_id": team_id,
            "message_id": self.message_id,
            "user_id": self.user_id,
            "anonymous_id": self.anonymous_id,
            "event": self.event,
            "timestamp": self.timestamp,
            "properties": self.properties,
            "received_at": received_at,
        }


@dataclass(frozen=True)
class IdentifyMessage:
    """An identify call: who the person is, their traits, and perhaps the anonymous id they had."""

    message_id: str
    user_id: str
    anonymous_id: str | None
    timestamp: datetime
    traits: dict[str, Any]  # typed catalog fields and kept other traits, by stored name
    notes: tuple[str, ...] = ()  # traits not kept, and why


@dataclass(frozen=True)
class AliasMessage:
    """An alias call: ``previous_id`` (an anonymous id) is the same person as ``user_id``."""

    message_id: str
    user_id: str
    previous_id: str
    timestamp: datetime


Message = EventMessage | IdentifyMessage | AliasMessage


@dataclass
class ParsedBatch:
    """The messages of a request or file that can be stored, and those that cannot, by position."""

    messages: list[tuple[int, Message]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def parse_message(raw: Any, catalog: FieldCatalog, received_at: datetime, kind: str | None = None) -> Message:
    """One message read and checked; ``kind`` is the type an endpoint implies (``/v1/track``)."""
    if not isinstance(raw, Mapping):
        raise InvalidMessage("a message must be a JSON object.")
    given = raw.get("type")
    if kind is not None and given not in (None, kind):
        raise InvalidMessage(f"type {given!r} was sent to the {kind} endpoint.")
    kind = kind or given
    if kind not in TYPES:
        shown = "missing" if kind is None else repr(kind)[:40]
        raise InvalidMessage(f"type is {shown}; the types stored are {', '.join(TYPES)}.")
    timestamp = _timestamp(raw, received_at)
    message_id = _message_id(raw, timestamp is not None)
    moment = timestamp or to_millisecond(received_at)
    if kind == "alias":
        user = _id(raw, "userId")
        previous = _id(raw, "previousId")
        if user is None or previous is None:
            raise InvalidMessage("an alias needs both userId and previousId.")
        return AliasMessage(message_id, user, previous, moment)
    user_id, anonymous_id = _id(raw, "userId"), _id(raw, "anonymousId")
    if kind == "identify":
        if user_id is None:
            raise InvalidMessage("an identify needs a userId (an anonymousId alone names nobody to update).")
        traits, notes = read_traits(_identify_traits(raw), catalog)
        return IdentifyMessage(message_id, user_id, anonymous_id, moment, traits, tuple(notes))
    if user_id is None and anonymous_id is None:
        raise InvalidMessage("neither userId nor anonymousId is given.")
    if kind == "page":
        name, properties = PAGE_EVENT, _page_properties(raw)
    else:
        name, properties = _event_name(raw.get("event"), catalog), _object(raw.get("properties"), "properties")
    properties, notes = _typed_properties(name, properties, catalog)
    return EventMessage(message_id, user_id, anonymous_id, name, moment, properties, tuple(notes))


def parse_batch(items: Any, catalog: FieldCatalog, received_at: datetime) -> ParsedBatch:
    """Every message of a ``batch`` list; an invalid one is skipped and named by its index."""
    if not isinstance(items, list):
        raise InvalidMessage("batch must be a list of messages.")
    parsed = ParsedBatch()
    for index, raw in enumerate(items):
        try:
            parsed.messages.append((index, parse_message(raw, catalog, received_at)))
        except InvalidMessage as exc:
            parsed.skipped.append((index, str(exc)))
    return parsed


def parse_time(raw: Any) -> datetime | None:
    """An ISO 8601 moment in UTC (milliseconds), or None when ``raw`` is not one."""
    if not isinstance(raw, str) or not 8 <= len(raw) <= 40:
        return None
    text = raw.strip()
    if text[-1:] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if not 1900 <= moment.year <= 2200:
        return None
    return to_millisecond(moment)


def _timestamp(raw: Mapping[str, Any], received_at: datetime) -> datetime | None:
    for key in ("timestamp", "originalTimestamp"):
        value = raw.get(key)
        if value is None:
            continue
        moment = parse_time(value)
        if moment is None:
            raise InvalidMessage(f"{key} {repr(value)[:60]} is not an ISO 8601 time such as 2026-11-24T12:00:00Z.")
        return moment
    return None


def _id(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidMessage(f"{key} must be text, got {type(value).__name__}.")
    text = str(value).strip()
    if len(text) > MAX_ID:
        raise InvalidMessage(f"{key} can be at most {MAX_ID} characters.")
    return text


def _identify_traits(raw: Mapping[str, Any]) -> Any:
    """``traits``, or ``context.traits`` where RudderStack's libraries put them."""
    if raw.get("traits") is not None:
        return raw.get("traits")
    context = raw.get("context")
    return context.get("traits") if isinstance(context, Mapping) else None


def _message_id(raw: Mapping[str, Any], has_time: bool) -> str:
    given = _id(raw, "messageId")
    if given is not None:
        return given
    if not has_time:
        return f"gen-{uuid.uuid4().hex}"
    # The same message without an id, sent or imported again, gets the same id (so it counts once).
    content = {k: v for k, v in raw.items() if k not in ("messageId", "sentAt", "receivedAt", "writeKey")}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
    return f"sha-{digest[:40]}"


def _event_name(raw: Any, catalog: FieldCatalog) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidMessage("a track needs an event name (event), e.g. \"Order Completed\".")
    name = " ".join(raw.split())
    if len(name) > MAX_EVENT_NAME:
        raise InvalidMessage(f"event names can be at most {MAX_EVENT_NAME} characters.")
    known = catalog.get_event(name)
    return known.name if known is not None else name


def _object(raw: Any, what: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InvalidMessage(f"{what} must be an object, got {type(raw).__name__}.")
    problem = _unsafe_keys(raw, 0)
    if problem:
        raise InvalidMessage(f"{what}: {problem}")
    return dict(raw)


def _unsafe_keys(value: Any, depth: int) -> str | None:
    """Why ``value`` cannot be stored as a document (keys MongoDB would read as operators or paths)."""
    if depth > MAX_DEPTH:
        return f"nested more than {MAX_DEPTH} levels deep."
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if not isinstance(key, str) or key.startswith("$") or "." in key or "\x00" in key or not key:
                return f"the name {str(key)[:40]!r} is not allowed (no leading $, no dots)."
            problem = _unsafe_keys(inner, depth + 1)
            if problem:
                return problem
    elif isinstance(value, list):
        for inner in value:
            problem = _unsafe_keys(inner, depth + 1)
            if problem:
                return problem
    return None


def _page_properties(raw: Mapping[str, Any]) -> dict[str, Any]:
    properties = _object(raw.get("properties"), "properties")
    for key in ("name", "category"):
        value = raw.get(key)
        if isinstance(value, str) and value.strip():
            properties.setdefault(key, value.strip())
    return properties


def _typed_properties(
    event: str, properties: dict[str, Any], catalog: FieldCatalog
) -> tuple[dict[str, Any], list[str]]:
    known = catalog.get_event(event)
    if known is None:
        return properties, []
    notes: list[str] = []
    typed = dict(properties)
    for prop in known.properties:
        if prop.name not in properties or properties[prop.name] is None:
            continue
        try:
            typed[prop.name] = coerce_value(prop, properties[prop.name])
        except InvalidUserData as exc:
            del typed[prop.name]
            notes.append(f"property {exc} It was left out; the event is kept.")
    return typed, notes


def stored_trait_name(name: str, catalog: FieldCatalog) -> str:
    """The name a trait is kept under: the catalog field it names, else its snake_case form."""
    if name in TRAIT_NAMES:
        return TRAIT_NAMES[name]
    if name in catalog:
        return name
    return _CAMEL.sub(r"_\1", name).lower().replace("-", "_").replace(" ", "_")


def read_traits(raw: Any, catalog: FieldCatalog) -> tuple[dict[str, Any], list[str]]:
    """Traits typed like an import: a catalog field's value that does not fit is reported and left out;
    other traits are kept as sent (queryable once the catalog names them)."""
    if raw is None:
        return {}, []
    if not isinstance(raw, Mapping):
        raise InvalidMessage(f"traits must be an object, got {type(raw).__name__}.")
    traits: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in raw.items():
        name = stored_trait_name(str(key), catalog)
        known = catalog.get(name)
        if known is not None and name != "user_id":
            try:
                traits[name] = coerce_value(known, value)
            except InvalidUserData as exc:
                notes.append(f"trait {exc} It was left out; the other traits are kept.")
            continue
        if not _SAFE_TRAIT.match(name) or name in RESERVED_TRAITS:
            notes.append(f"trait {str(key)[:40]!r} was not kept: trait names are letters, digits and _ "
                         "(up to 64), starting with a letter.")
            continue
        problem = _unsafe_keys(value, 1)
        if problem:
            notes.append(f"trait {name!r} was not kept: {problem}")
            continue
        traits[name] = value
    return traits, notes


__all__ = [
    "PAGE_EVENT",
    "AliasMessage",
    "EventMessage",
    "IdentifyMessage",
    "InvalidMessage",
    "Message",
    "ParsedBatch",
    "parse_batch",
    "parse_message",
    "parse_time",
    "read_traits",
    "stored_trait_name",
]
