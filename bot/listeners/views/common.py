"""Modal submissions: where the answer goes, metadata, and quick checks that must fit in the ack."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pymongo
from slack_sdk import WebClient

from bot.listeners.support import reported
from bot.pending import PendingSubmission, PendingSubmissions
from bot.replies import MessageReply, Reply, ResponseUrlReply
from bot.services import BotServices
from segcore.storage.errors import StorageSlow

T = TypeVar("T")
log = logging.getLogger("segments.bot")
# A check made before the ack holds a request thread and the modal; Slack waits 3 s, but every other
# request queued behind this thread waits too. When the deadline passes, the check is left to the write
# (names are unique in the database), and a clash is told in a message instead of in the modal.
QUICK_CHECK_SECONDS = 0.2
# Less than this left of the deadline: the journal write is not tried (it would time out anyway).
MIN_JOURNAL_SECONDS = 0.02


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


# The work of a journaled submission, run after the ack and again by a replay: it builds everything from
# the record (never from the request), and raises to report a failure to the user.
Work = Callable[[BotServices, WebClient, PendingSubmission], None]


@dataclass(frozen=True)
class Journaled:
    """A kind of modal submission that is written down before its ack (see bot/pending.py)."""

    kind: str
    doing: str  # for failure messages: "saving a segment"
    work: Work


def journal_before_ack(services: BotServices, job: Journaled, team_id: str, user: str,
                       payload: dict[str, Any], started: float) -> PendingSubmission:
    """Write the submission down before the ack, within what is left of the name checks' deadline
    (``QUICK_CHECK_SECONDS`` from ``started``, a ``time.monotonic()``): the ack waits no longer than before.

    A database too busy to take it in time does not hold the ack: the submission then goes on in memory
    only, as all other acked Slack work does (waiting for the write in the ack cut throughput at 8
    concurrent requests from 201 to 76 requests/s on the embedded server, p99 161 -> 517 ms). A database
    that is down still raises, and the modal says so.
    """
    journal = PendingSubmissions(services.store.db)
    record = journal.new(job.kind, team_id, user, payload)
    left = QUICK_CHECK_SECONDS - (time.monotonic() - started)
    if left >= MIN_JOURNAL_SECONDS:  # else the name checks used the deadline up
        try:
            with pymongo.timeout(left), services.store.outage.guard():
                journal.write(record)
            return record
        except StorageSlow:
            pass
    log.warning("%s %s not journaled: the database did not take it within %.1f s; it goes on in memory",
                job.kind, record.id, QUICK_CHECK_SECONDS)
    return record


def kept_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """What a journaled submission keeps of its modal's metadata: the card's draft (d) and where to answer
    (u, e); nothing else a payload might carry reaches the database."""
    kept: dict[str, Any] = {}
    for key, kind in (("u", str), ("e", bool), ("d", str)):
        if metadata.get(key) is not None:
            kept[key] = kind(metadata[key])
    return kept


def submission_reply(record: PendingSubmission, client: WebClient) -> Reply:
    return reply_after_submit(record.payload.get("metadata") or {}, client, record.user)


def settle(services: BotServices, client: WebClient, record: PendingSubmission, job: Journaled) -> None:
    """Run the work of ``record``; it is done (removed from the journal) once the work finished or the user
    was told why it could not be done. When even telling failed, the record stays and is replayed."""
    if reported(submission_reply(record, client), job.doing, lambda: job.work(services, client, record)):
        PendingSubmissions(services.store.db).done(record.id)
