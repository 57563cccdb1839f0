"""Every failure becomes a short message for the user; the details go to the log under a reference id."""

from __future__ import annotations

import logging
import secrets

from pymongo.errors import ConnectionFailure, PyMongoError

from segcore.errors import SegmentError
from segcore.storage.errors import StorageSlow, StorageUnavailable

log = logging.getLogger("segments.bot")

DATABASE_DOWN = (
    "The segments database is not answering right now, so I couldn't do that. "
    "Nothing was changed. Try again in a minute; if it keeps happening, tell your Segments admin."
)
SLACK_DOWN = "Slack did not accept my reply ({error}). Nothing was changed; please try again."
DATABASE_SLOW = (
    "The segments database is busy and did not answer in time, so I couldn't do that. "
    "Nothing was changed. Try again in a moment."
)
UNEXPECTED = "Something went wrong on my side and nothing was changed. Please try again."


def _is_database_down(exc: BaseException) -> bool:
    return isinstance(exc, ConnectionFailure | StorageUnavailable)


def describe_failure(exc: BaseException, doing: str = "") -> tuple[str, str | None]:
    """(message for the user, reference id or None). Logs the failure; never returns a stack trace."""
    where = f" while {doing}" if doing else ""
    if isinstance(exc, StorageSlow):
        ref = secrets.token_hex(4)
        log.warning("ref=%s database slow%s: %s", ref, where, exc)
        return DATABASE_SLOW, ref
    if _is_database_down(exc):
        ref = secrets.token_hex(4)
        log.error("ref=%s database unavailable%s: %s", ref, where, exc)
        return DATABASE_DOWN, ref
    if isinstance(exc, SegmentError):
        # Typed errors carry a message written for marketers.
        log.info("refused%s: %s", where, exc)
        return str(exc), None
    ref = secrets.token_hex(4)
    if isinstance(exc, PyMongoError):
        log.error("ref=%s database error%s: %r", ref, where, exc)
        return DATABASE_DOWN if "timed out" in str(exc).lower() else UNEXPECTED, ref
    log.exception("ref=%s unexpected error%s", ref, where, exc_info=exc)
    return UNEXPECTED, ref
