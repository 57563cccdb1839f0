"""Modal submissions: where the answer goes, metadata, and quick checks that must fit in the ack."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import pymongo
from slack_sdk import WebClient

from bot.replies import MessageReply, Reply, ResponseUrlReply
from segcore.storage.errors import StorageSlow

T = TypeVar("T")
# A check made before the ack holds a request thread and the modal; Slack waits 3 s, but every other
# request queued behind this thread waits too. When the deadline passes, the check is left to the write
# (names are unique in the database), and a clash is told in a message instead of in the modal.
QUICK_CHECK_SECONDS = 0.2


def metadata_of(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def reply_after_submit(metadata: dict[str, Any], client: WebClient, user: str) -> Reply:
    """Beside the message the modal was opened from, or in the app's DM."""
    url = metadata.get("u")
    if url:
        # An ephemeral card is updated in place; a public one (a thread, a shared card) is left alone.
        ephemeral = bool(metadata.get("e", True))
        return ResponseUrlReply(str(url), replace_first=ephemeral, append_only=not ephemeral,
                                fallback=MessageReply(client, user))
    return MessageReply(client, user)


def found_quickly(check: Callable[[], T | None]) -> T | None:
    """What ``check`` found, or None when it found nothing or the database was too slow to tell in time.

    The deadline keeps the ack from waiting on a slow database. Only for checks the write repeats (a unique
    name): a database that is down still raises.
    """
    try:
        with pymongo.timeout(QUICK_CHECK_SECONDS):
            return check()
    except StorageSlow:
        return None


def input_value(view: dict[str, Any], block_id: str, action_id: str) -> Any:
    element = ((view.get("state") or {}).get("values") or {}).get(block_id, {}).get(action_id) or {}
    if "selected_option" in element:
        return (element.get("selected_option") or {}).get("value")
    return element.get("value")
