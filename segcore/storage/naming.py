"""Names of segments and campaigns: trimmed, unique per workspace regardless of case."""

from __future__ import annotations

from segcore.errors import SegmentError

MAX_NAME = 80


class InvalidName(SegmentError):
    """A name is empty or too long."""


def clean_name(name: object, what: str = "segment") -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidName(f"Give the {what} a name (1 to {MAX_NAME} characters).")
    text = " ".join(name.split())
    if len(text) > MAX_NAME:
        raise InvalidName(f"A {what} name can be at most {MAX_NAME} characters; this one has {len(text)}.")
    return text


def name_key(name: str) -> str:
    """The form names are compared in: "VIP  Buyers" and "vip buyers" are the same name."""
    return " ".join(name.split()).casefold()
