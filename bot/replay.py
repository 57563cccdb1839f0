"""Replays acked modal submissions whose process died before their work finished (see bot/pending.py).

Every process of the Slack app runs one ``Replayer``: a daemon thread that, shortly after start and then
every 30 s, claims the journal's records whose lease has run out and runs their work again, with the same
work function the listener used. After ``MAX_ATTEMPTS`` a record is given up: logged at ERROR and kept,
marked failed, as the evidence of a lost submission.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from bot.listeners.views.common import Journaled, settle
from bot.pending import MAX_ATTEMPTS, PendingSubmission, PendingSubmissions
from bot.services import BotServices

log = logging.getLogger("segments.bot")

EVERY_SECONDS = 30.0
FIRST_AFTER_SECONDS = 3.0  # soon after a restart: the submissions of the process that died wait on it

ClientFor = Callable[[str], WebClient]  # team_id -> a client with that workspace's bot token


def loggable(record: PendingSubmission) -> dict[str, Any]:
    """The record for the error log, without the response_url (a credential to answer in the user's
    conversation for 30 minutes)."""
    payload = dict(record.payload)
    metadata = dict(payload.get("metadata") or {})
    if metadata.get("u"):
        metadata["u"] = "(response_url)"
    payload["metadata"] = metadata
    return {"id": record.id, "kind": record.kind, "team_id": record.team_id, "user": record.user,
            "attempts": record.attempts, "payload": payload}


class Replayer:
    def __init__(self, services: BotServices, jobs: Mapping[str, Journaled], client_for: ClientFor,
                 journal: PendingSubmissions | None = None, every: float = EVERY_SECONDS,
                 first_after: float = FIRST_AFTER_SECONDS) -> None:
        self.services = services
        self.jobs = jobs
        self.client_for = client_for
        self.journal = journal or PendingSubmissions(services.store.db)
        self.every = every
        self.first_after = first_after
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def replay_once(self, now: datetime | None = None) -> int:
        """Claim the stale records and replay each (or give it up); how many were claimed."""
        claimed = self.journal.claim_stale(now or self.journal.clock())
        for record in claimed:
            try:
                self._replay(record)
            except Exception as exc:  # its lease runs out again and the next round retries it
                log.error("replaying %s %s failed: %r", record.kind, record.id, exc)
        return len(claimed)

    def _replay(self, record: PendingSubmission) -> None:
        job = self.jobs.get(record.kind)
        if job is None or record.attempts > MAX_ATTEMPTS:
            reason = "unknown kind" if job is None else f"not finished after {MAX_ATTEMPTS} attempts"
            log.error("gave up on an acked Slack submission (%s): %r", reason, loggable(record))
            self.journal.fail(record.id, reason)
            return
        log.warning("replaying an acked Slack submission whose process stopped (attempt %d): %s %s",
                    record.attempts, record.kind, record.id)
        try:
            client = self.client_for(record.team_id)
        except Exception as exc:  # no installation for the workspace (yet), database down: try again later
            log.error("cannot answer workspace %s to replay %s: %r", record.team_id, record.id, exc)
            return
        settle(self.services, client, record, job)

    def start(self) -> Replayer:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="segments-replay", daemon=True)
            self.thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def _run(self) -> None:
        wait = self.first_after
        while not self.stopping.wait(wait):
            try:
                self.replay_once()
            except Exception as exc:  # the database is down now; the records wait for the next round
                log.warning("could not replay acked Slack submissions: %r", exc)
            wait = self.every
