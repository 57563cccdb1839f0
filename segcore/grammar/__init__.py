"""The grammar parser: natural language and hand-typed rules into a rule tree, with no network or model.

``parse(text, catalog, now)`` returns a ``Reading`` or raises ``ParseRefusal`` naming the words it did not
understand. It never silently drops a condition.
"""

from __future__ import annotations

from datetime import datetime

from segcore.catalog import FieldCatalog
from segcore.errors import ParseRefusal
from segcore.reading import Reading


def parse(text: str, catalog: FieldCatalog, now: datetime) -> Reading:
    raise ParseRefusal(f"I could not read {text!r} yet.", not_understood=text.split())
