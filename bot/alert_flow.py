"""/segment alert NAME below|above N [in #channel] | NAME off | NAME: a size alert the scheduler posts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.blocks.launch import alert_off_message, alert_set_message, alert_shown_message
from bot.library_flow import find
from bot.services import BotServices
from segcore.errors import SegmentError

USAGE = ("Write it as `/segment alert NAME below 1000` (or `above`), optionally `in #channel`; "
         "`/segment alert NAME off` turns it off.")
MAX_THRESHOLD = 10**12
_SET = re.compile(r"^(?P<name>.+)\s+(?P<direction>below|above|under|over)\s+(?P<n>.+?)"
                  r"(?:\s+in\s+(?P<channel>\S+))?$", re.IGNORECASE)
_CHANNEL = re.compile(r"^<#(?P<id>[CG][A-Z0-9]+)(?:\|[^>]*)?>$|^(?P<bare>[CG][A-Z0-9]{6,})$")
_NUMBER = re.compile(r"^(?P<digits>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>k|thousand|l|lakh|lakhs|m|million|cr|crore)?$",
                     re.IGNORECASE)
UNITS = {"k": 1_000, "thousand": 1_000, "l": 100_000, "lakh": 100_000, "lakhs": 100_000, "m": 1_000_000,
         "million": 1_000_000, "cr": 10_000_000, "crore": 10_000_000}


@dataclass(frozen=True)
class AlertRequest:
    name: str
    action: str  # "set" | "off" | "show"
    direction: str = ""
    threshold: int = 0
    channel: str | None = None  # None: the channel the command was typed in


def parse_threshold(text: str) -> int:
    found = _NUMBER.match(text.strip())
    if found is None:
        raise SegmentError(f"“{text.strip()[:40]}” is not a number of people. Give a whole number such as "
                           f"1000, 1,000 or 5k. {USAGE}")
    value = float(found.group("digits").replace(",", "")) * UNITS.get((found.group("unit") or "").lower(), 1)
    if value != int(value) or not 0 <= value <= MAX_THRESHOLD:
        raise SegmentError(f"{text.strip()} is not a whole number of people from 0 to {MAX_THRESHOLD:,}.")
    return int(value)


def parse_channel(text: str) -> str:
    found = _CHANNEL.match(text.strip())
    if found is None:
        raise SegmentError(f"I can't tell which channel “{text.strip()[:40]}” is. Pick it from Slack's list as you "
                           "type # (so I get its id), or leave `in #channel` out to use this channel.")
    return found.group("id") or found.group("bare")


def parse_alert(text: str) -> AlertRequest:
    text = text.strip()
    if not text:
        raise SegmentError(f"Which segment? {USAGE}")
    lowered = text.lower()
    if lowered.endswith(" off"):
        return AlertRequest(_unquote(text[:-4]), "off")
    found = _SET.match(text)
    if found is None:
        if re.search(r"\s(below|above|under|over)$", lowered):
            raise SegmentError(f"Below or above how many people? {USAGE}")
        return AlertRequest(_unquote(text), "show")
    direction = {"under": "below", "over": "above"}.get(found.group("direction").lower(),
                                                        found.group("direction").lower())
    channel = parse_channel(found.group("channel")) if found.group("channel") else None
    return AlertRequest(_unquote(found.group("name")), "set", direction, parse_threshold(found.group("n")), channel)


def _unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] in "\"'“" and name[-1] in "\"'”":
        return name[1:-1].strip()
    return name


def alert(services: BotServices, team_id: str, text: str, user: str, here: str) -> dict[str, Any]:
    """Set, turn off or show a segment's alert; ``here`` is the channel the command came from."""
    request = parse_alert(text)
    segment = find(services, team_id, request.name)
    if request.action == "show":
        return alert_shown_message(segment.name, segment.alert)
    if request.action == "off":
        services.store.segments.set_alert(team_id, segment.id, None, by=user)
        return alert_off_message(segment.name, bool(segment.alert))
    channel = request.channel or here
    services.store.segments.set_alert(
        team_id, segment.id, {"direction": request.direction, "threshold": request.threshold, "channel": channel},
        by=user)
    return alert_set_message(segment.name, request.direction, request.threshold, channel, segment.last_size)
