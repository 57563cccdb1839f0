"""From a marketer's text to a validated reading: the one entry point every handler calls.

The grammar always runs. The Cohere path (when configured) is a second reader; see
``segcore.cohere_reader``. Hand-typed rules and natural language go through the same door.
"""

from __future__ import annotations

from datetime import datetime

from segcore import grammar, limits
from segcore.catalog import FieldCatalog
from segcore.errors import ParseRefusal
from segcore.reading import Reading
from segcore.validation import validate

ENGINES = ("auto", "grammar", "cohere")


def interpret(text: str, catalog: FieldCatalog, now: datetime, engine: str = "auto") -> Reading:
    """Read ``text`` into a validated rule, or raise ``ParseRefusal`` / ``RuleError`` saying why not."""
    if not isinstance(text, str) or not text.strip():
        raise ParseRefusal("There is nothing to read: describe the people you want, e.g. 'spent over 5k'.")
    if len(text) > limits.MAX_TEXT_LENGTH:
        raise ParseRefusal(
            f"That text is {len(text):,} characters long; a segment description can be at most "
            f"{limits.MAX_TEXT_LENGTH:,}."
        )
    reading = grammar.parse(text, catalog, now)
    return Reading(validate(reading.rule, catalog), reading.assumptions, reading.source)
