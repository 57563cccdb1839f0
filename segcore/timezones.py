"""The workspace's time zone: where calendar words (today, last month, 2025-03-01) start and end.

A zone is an IANA name ("Asia/Kolkata", "America/New_York", "UTC"). The zone travels on ``now``: a
tz-aware datetime in the workspace's ``ZoneInfo``, so every reader of calendar words (``rules.period_bounds``,
``rules.date_bounds``, the grammar's "bare month name") sees the same local calendar. Relative amounts
("in the last 30 days") are instants counted back from ``now`` and do not depend on it.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from segcore.errors import SegmentError
from segcore.rules import AbsoluteDate, CalendarPeriod, Rule, conditions, event_conditions

DEFAULT_ZONE = "UTC"
EXAMPLES = "'Asia/Kolkata', 'America/New_York', 'Europe/London' or 'UTC'"


class InvalidTimeZone(SegmentError):
    """A time zone name that is not an IANA zone."""


def time_zone(name: object) -> ZoneInfo:
    """The zone named ``name``; ``InvalidTimeZone`` says what is allowed when it is not one."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidTimeZone(f"A time zone is an IANA name such as {EXAMPLES}; got {name!r}.")
    text = name.strip()
    # ZoneInfo also accepts file-system-like keys ("../x") and bare abbreviations some systems ship ("EST");
    # only names in the IANA list are offered, so a saved name means the same on every server.
    if text not in _names():
        hint = _suggest(text)
        raise InvalidTimeZone(
            f"{text!r} is not a time zone. Use an IANA name such as {EXAMPLES}"
            + (f" (did you mean {hint!r}?)" if hint else "") + "."
        )
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidTimeZone(f"{text!r} is not a time zone this server knows. Use one such as {EXAMPLES}.") from None


def zone_name(zone: tzinfo | None) -> str:
    """The IANA name of a zone (``UTC`` for UTC or a missing zone)."""
    if zone is None or zone is UTC:
        return DEFAULT_ZONE
    key = getattr(zone, "key", None)
    return str(key) if key else str(zone)


def is_utc(zone: tzinfo | None) -> bool:
    return zone_name(zone) in ("UTC", "Etc/UTC", "Etc/Zulu", "Zulu", "Universal", "Etc/Universal", "UCT")


def in_zone(now: datetime, zone: tzinfo) -> datetime:
    """The instant ``now`` (naive means UTC) on the workspace's clock."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(zone)


def zone_note(now: datetime | None) -> str | None:
    """"Calendar words in Asia/Kolkata" when ``now`` is on a clock other than UTC; None for UTC."""
    if now is None or now.tzinfo is None or is_utc(now.tzinfo):
        return None
    return f"Calendar words in {zone_name(now.tzinfo)}"


def calendar_note(rule: Rule, now: datetime | None) -> str | None:
    """``zone_note`` for a rule that has calendar words (where the zone changes who is in); None otherwise."""
    return zone_note(now) if has_calendar_words(rule) else None


def has_calendar_words(rule: Rule) -> bool:
    """Whether a day, week, month, quarter, year or date in the rule starts at a midnight somewhere."""
    values: list[Any] = [c.value for c in conditions(rule)]
    values += [e.when.value for e in event_conditions(rule) if e.when is not None]
    return any(_calendar(v) for v in values)


def _calendar(value: Any) -> bool:
    if isinstance(value, tuple | list):
        return any(_calendar(v) for v in value)
    if isinstance(value, CalendarPeriod):
        return True
    return isinstance(value, AbsoluteDate) and value.granularity != "instant"


def all_zone_names() -> list[str]:
    """Every name ``time_zone`` accepts, sorted (for the admin page's choices)."""
    return sorted(_names())


_NAMES: frozenset[str] | None = None


def _names() -> frozenset[str]:
    global _NAMES
    if _NAMES is None:
        _NAMES = frozenset(available_timezones()) | {DEFAULT_ZONE}
    return _NAMES


def _suggest(text: str) -> str | None:
    """A zone whose name differs only in case or spacing ("asia/kolkata", "America/New York")."""
    folded = text.replace(" ", "_").casefold()
    for name in _names():
        if name.casefold() == folded:
            return name
    return None
