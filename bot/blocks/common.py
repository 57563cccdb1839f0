"""Small Block Kit helpers shared by the builders: escaping, trimming to Slack's limits, element makers.

Every builder is a pure function from data to Block Kit dicts; none of them calls Slack or the database.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from segcore.rendering import indian_grouping

# Slack's Block Kit limits (https://docs.slack.dev/reference/block-kit): the builders trim to these.
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
OPTION_TEXT = 75
OPTIONS = 100
MODAL_TITLE = 24
PRIVATE_METADATA = 3000

Block = dict[str, Any]


def escape(text: str) -> str:
    """Text a user typed, made safe for mrkdwn: no accidental links, mentions or formatting of <, >, &."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def trim(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def plain(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": trim(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": trim(text, limit) or " "}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_TEXT)}


def section(text: str, block_id: str | None = None, accessory: dict[str, Any] | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def fields_section(fields: list[str]) -> Block:
    return {"type": "section", "fields": [mrkdwn(f, FIELD_TEXT) for f in fields[:10]]}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:CONTEXT_ELEMENTS]]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str | None = None,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text, BUTTON_TEXT), "action_id": action_id}
    if value is not None:
        if len(value) > BUTTON_VALUE:
            raise ValueError(f"button value for {action_id} is {len(value)} characters (limit {BUTTON_VALUE})")
        element["value"] = value
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def actions(block_id: str, *elements: dict[str, Any]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements[:ACTIONS_ELEMENTS])}


def confirm_dialog(title: str, text: str, confirm: str, deny: str = "Cancel", danger: bool = False) -> dict[str, Any]:
    dialog: dict[str, Any] = {
        "title": plain(title, 100),
        "text": mrkdwn(text, 300),
        "confirm": plain(confirm, 30),
        "deny": plain(deny, 30),
    }
    if danger:
        dialog["style"] = "danger"
    return dialog


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, OPTION_TEXT), "value": value}


def number(n: int) -> str:
    """Counts in the Indian grouping marketers here read: 1,23,456."""
    return indian_grouping(n)


def people(n: int) -> str:
    return f"{number(n)} {'person' if n == 1 else 'people'}"


def when(moment: datetime | None, now: datetime | None = None) -> str:
    """A short UTC time: "today 14:05 UTC", or "2026-11-20 09:00 UTC"."""
    if moment is None:
        return "never"
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    if now is not None and moment.date() == now.astimezone(UTC).date():
        return f"today {moment:%H:%M} UTC"
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def compact_json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def message(blocks: list[Block], text: str) -> dict[str, Any]:
    """A message payload: ``text`` is the notification and screen-reader fallback."""
    return {"blocks": blocks[:MAX_MESSAGE_BLOCKS], "text": trim(text, 3000)}


SOURCE_WORDS = {
    "grammar": "Read by the grammar parser (exact, offline).",
    "cohere": "Read by Cohere; the grammar could not read it.",
    "both": "Read by the grammar parser and Cohere, which agreed.",
    "user": "Rules as you set them.",
}


def source_words(source: str) -> str:
    return SOURCE_WORDS.get(source, f"Read by {source}.")
