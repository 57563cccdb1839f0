"""Typed errors whose messages a marketer can read.

Every message says what was wrong and what is allowed. Handlers show ``str(error)`` to the user as is.
"""

from __future__ import annotations


class SegmentError(Exception):
    """Base class of every error segcore raises on purpose."""


class CatalogError(SegmentError):
    """A field definition or a field name is not valid."""


class RuleError(SegmentError):
    """A rule tree is malformed or does not fit the catalog.

    ``path`` points at the offending node (e.g. ``all[1].value``) so forms can show the error beside the
    right input.
    """

    def __init__(self, message: str, path: str = "", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.field = field


class ParseRefusal(SegmentError):
    """The text could not be read completely; nothing was guessed.

    ``understood`` is what was read (in words), ``not_understood`` the words that were not.
    """

    def __init__(self, message: str, understood: list[str] | None = None,
                 not_understood: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.understood = understood or []
        self.not_understood = not_understood or []
