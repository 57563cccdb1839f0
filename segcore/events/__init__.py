"""What people did: Segment-spec messages in, events stored, identities linked (SPEC "Behaviour")."""

from segcore.events.indexes import ensure_event_indexes
from segcore.events.messages import (
    AliasMessage,
    EventMessage,
    IdentifyMessage,
    InvalidMessage,
    Message,
    ParsedBatch,
    parse_batch,
    parse_message,
)
from segcore.events.store import EventStore, IngestReport

__all__ = [
    "AliasMessage",
    "EventMessage",
    "EventStore",
    "IdentifyMessage",
    "IngestReport",
    "InvalidMessage",
    "Message",
    "ParsedBatch",
    "ensure_event_indexes",
    "parse_batch",
    "parse_message",
]
