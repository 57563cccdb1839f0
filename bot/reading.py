"""How the app reads a request: rule JSON pasted as is, anything else through the configured reader."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from segcore import limits
from segcore.catalog import FieldCatalog
from segcore.errors import ParseRefusal
from segcore.interpret import interpret
from segcore.reading import Reading
from segcore.validation import validate_json


def read_request(text: str, team_id: str, catalog: FieldCatalog,
                 interpret_text: Callable[[str, str], Reading]) -> Reading:
    """Rules copied from the admin API (``{"all": [...]}``) are validated and used as they are (source
    "user"); any other text goes to ``interpret_text`` (``BotServices.interpret``)."""
    stripped = text.strip()
    if stripped.startswith("{") and len(stripped) <= limits.MAX_TEXT_LENGTH:
        try:
            data = json.loads(stripped)
        except ValueError:
            raise ParseRefusal("That looks like rule JSON but is not valid JSON; check the brackets and "
                               "quotes, or describe the people in words.") from None
        return Reading(validate_json(data, catalog), (), "user")
    return interpret_text(text, team_id)


def make_interpret(catalog: FieldCatalog, now: Callable[[], datetime], engine: str = "auto",
                   **options: Any) -> Callable[[str, str], Reading]:
    """A plain ``interpret(text, team_id)`` for ``BotServices`` over ``segcore.interpret`` (tests, tools);
    ``options`` are passed on to it (the Cohere reader and the on-data comparison, where configured)."""

    def read(text: str, team_id: str) -> Reading:
        return interpret(text, catalog, now(), engine=engine, **options)

    return read
