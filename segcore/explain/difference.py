"""What an edit does to the audience: before, after, how many people enter and how many leave, exact.

Counted as an overlap (``AudienceEngine.overlap``): the mirror answers in one query
(``count(*) FILTER (WHERE A)``, ``... (WHERE B)``, ``... (WHERE A AND B)``), MongoDB in one ``$facet``
pass (or from the events, for rules on what people did). Entered is ``after - both`` and left is
``before - both``: subtracting keeps SQL's three-valued logic out of it (``A AND NOT B`` would drop a
person whose B is unknown, while "not in B" must count them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from segcore.audience import AudienceEngine
from segcore.explain.changes import changes
from segcore.rules import Rule
from segcore.validation import validate


@dataclass(frozen=True)
class AudienceChange:
    before: int
    after: int
    entered: int
    left: int


@dataclass(frozen=True)
class Diff:
    """An edit in words and in people."""

    before: int
    after: int
    entered: int
    left: int
    changes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after, "entered": self.entered, "left": self.left,
                "changes": list(self.changes)}

    @property
    def unchanged(self) -> bool:
        return not self.changes


def audience_change(engine: AudienceEngine, team_id: str, before: Rule, after: Rule, now: datetime) -> AudienceChange:
    overlap = engine.overlap(team_id, before, after, now)
    return AudienceChange(overlap.a, overlap.b, overlap.b - overlap.both, overlap.a - overlap.both)


def diff(engine: AudienceEngine, team_id: str, before: Rule, after: Rule, now: datetime) -> Diff:
    """The edit from ``before`` to ``after`` (rules as written or validated) in workspace ``team_id``."""
    catalog = engine.catalog
    old, new = validate(before, catalog), validate(after, catalog)
    said = changes(old, new, catalog, engine.clock(team_id, now))
    if not said:
        # The same rule selects the same people: one count, no overlap needed.
        size = engine.count(team_id, old, now).size
        return Diff(size, size, 0, 0, ())
    moved = audience_change(engine, team_id, old, new, now)
    return Diff(moved.before, moved.after, moved.entered, moved.left, tuple(said))


def summary(found: Diff) -> str:
    """One line for a confirmation or a preview: what changed, then what it does to the audience."""
    if found.unchanged:
        return f"Nothing changed: still {found.before:,} {_people(found.before)}."
    said = '; '.join(found.changes)
    return f"{said[:1].upper()}{said[1:]}. {audience_line(found)}"


def audience_line(found: Diff) -> str:
    return (f"Audience {found.before:,} → {found.after:,}: {found.entered:,} {_people(found.entered)} enter, "
            f"{found.left:,} leave.")


def _people(n: int) -> str:
    return "person" if n == 1 else "people"
