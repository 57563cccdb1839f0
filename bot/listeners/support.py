"""What every listener shares: the services, the workspace, dedupe of retries, and the error boundary."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from bot.blocks.segment_card import error_message
from bot.errors import describe_failure
from bot.replies import Reply
from bot.services import BotConfig, BotServices
from bot.stores import DeliveryLog

log = logging.getLogger("segments.bot")


def services_of(context: Any) -> BotServices:
    services: BotServices = context["segments_services"]
    return services


def config_of(context: Any) -> BotConfig:
    config: BotConfig = context["segments_config"]
    return config


def team_of(context: Any, body: dict[str, Any] | None = None) -> str:
    """The workspace whose data a request reads: SLACK_TEAM_ID for a single-workspace install, else the
    workspace the request came from."""
    config = config_of(context)
    if config.oauth is None:
        return config.team_id
    team = context.get("team_id") or ((body or {}).get("team") or {}).get("id") or (body or {}).get("team_id")
    if not team:
        raise RuntimeError("request without a workspace id")
    return str(team)


# Slack's markup for a link it made of typed text: <mailto:a@b.com|a@b.com>, <http://b.com|b.com>, <http://b.com>.
_LINK = re.compile(r"<((?:mailto:|tel:|https?://)[^|>]*)(?:\|([^>]*))?>")


def plain_text(raw: str) -> str:
    """Text as the person typed it, from a message's or an escaped command's text.

    Slack always sends &, < and > as &amp;, &lt; and &gt; ("visits > 50" arrives as "visits &gt; 50") and
    turns a typed email address or domain into a link ("email is a@b.com" arrives as
    "email is <mailto:a@b.com|a@b.com>"); read as sent, both would be misread or refused. Channel
    references (<#C123|name>) stay as they are: /segment alert reads them.
    """
    text = _LINK.sub(lambda m: m.group(2) or m.group(1).removeprefix("mailto:").removeprefix("tel:"), raw)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())


def command_text(command: dict[str, Any]) -> str:
    """A slash command's text as the person typed it (see :func:`plain_text`)."""
    return plain_text(str(command.get("text") or ""))


def delivery_key(body: dict[str, Any]) -> str | None:
    """What makes a delivery unique, for the deliveries Slack retries: the event id of an event.

    Slack retries only Events API deliveries (X-Slack-Retry-Num); a slash command, a click or a modal
    submission that is not acked in 3 s fails in front of the user instead, who may try again on purpose.
    Recording those too cost a database write on every request (the largest share of the database's work
    under load) and protected against nothing.
    """
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    return None


def later(context: Any, doing: str, work: Callable[[], None]) -> None:
    """Run ``work`` on the app's own worker threads.

    Bolt runs listeners on a small pool and waits for ``ack()`` from inside them; a listener that counted
    in place would keep the next request's ack waiting once the pool is busy. So listeners ack, hand the
    slow part over, and return at once.
    """
    def run() -> None:
        try:
            work()
        except Exception as exc:  # the work reports to the user itself; this is the last resort
            describe_failure(exc, doing)

    executor: Executor = context["segments_work"]
    executor.submit(run)


def guarded(context: Any, reply: Reply, doing: str, work: Callable[[], None],
            body: dict[str, Any] | None = None) -> None:
    """Run ``work`` after the ack, once per Slack delivery; any failure reaches the user as a short message."""
    later(context, doing, lambda: _guarded(context, reply, doing, work, body))


def _guarded(context: Any, reply: Reply, doing: str, work: Callable[[], None],
             body: dict[str, Any] | None) -> None:
    def once() -> None:
        indexes = context.get("segments_indexes")
        if indexes is not None:
            indexes.ensure()  # a no-op once done; retried here if the database was down at start-up
        key = delivery_key(body or {})
        if key is not None:
            services = services_of(context)
            if not DeliveryLog(services.store.db, services.now).first_time(key):
                log.info("skipping a repeated delivery %s (%s)", key, doing)
                return
        work()

    reported(reply, doing, once)


def reported(reply: Reply, doing: str, work: Callable[[], None]) -> bool:
    """Run ``work``; a failure reaches the user as a short message. True when the work finished or the user
    was told why not; False when even that failed (Slack unreachable)."""
    try:
        work()
        return True
    except Exception as exc:
        text, ref = describe_failure(exc, doing)
        try:
            reply.send(error_message(text, ref))
            return True
        except Exception as again:
            log.error("ref=%s could not tell the user about the failure: %r", ref, again)
            return False
