"""Document ids travel as text (the hex of an ObjectId); malformed text simply finds nothing."""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId


def object_id(text: object) -> ObjectId | None:
    if isinstance(text, ObjectId):
        return text
    if not isinstance(text, str):
        return None
    try:
        return ObjectId(text)
    except (InvalidId, TypeError):
        return None
