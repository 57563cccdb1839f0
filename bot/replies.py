"""Where an answer goes: the first ``send`` posts, later ones replace that message in place.

This is how a request shows "counting…" right after the ack and then the result, whether the request
came from a slash command (response_url), a mention or a DM (a thread), or App Home (a DM).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

log = logging.getLogger("segments.bot")

Payload = dict[str, Any]


def _webhook(url: str) -> WebhookClient:
    from bot.services import retry_handlers

    return WebhookClient(url, timeout=10, retry_handlers=retry_handlers())


class Reply:
    def send(self, payload: Payload) -> None:
        raise NotImplementedError

    def send_new(self, payload: Payload) -> None:
        """A new message beside the current one (e.g. a confirmation), not replacing it."""
        self.send(payload)


class ResponseUrlReply(Reply):
    """Ephemeral replies through a response_url (slash commands, buttons on messages)."""

    def __init__(self, response_url: str, replace_first: bool = False, fallback: Reply | None = None,
                 append_only: bool = False,
                 webhook_factory: Callable[[str], WebhookClient] | None = None) -> None:
        """``replace_first``: the first send replaces the message the click came from (an ephemeral card
        updated in place). ``append_only``: never replace anything (the original is a public message)."""
        self.url = response_url
        self.sent = replace_first
        self.fallback = fallback
        self.append_only = append_only
        self.webhook = (webhook_factory or _webhook)(response_url)

    def send(self, payload: Payload) -> None:
        if self.append_only:
            self.send_new(payload)
            return
        body = dict(payload)
        if self.sent:
            body["replace_original"] = True
        else:
            body.setdefault("response_type", "ephemeral")
        self._post(body, payload)
        self.sent = True

    def send_new(self, payload: Payload) -> None:
        body = dict(payload)
        body.setdefault("response_type", "ephemeral")
        body["replace_original"] = False
        self._post(body, payload)

    def _post(self, body: Payload, payload: Payload) -> None:
        result = self.webhook.send_dict(body)
        if result.status_code < 300:
            return
        # A response_url lasts 30 minutes (a modal left open longer): answer in the app's DM instead.
        log.warning("response_url answered %s: %s", result.status_code, result.body)
        if self.fallback is None:
            raise RuntimeError(f"Slack refused the reply (HTTP {result.status_code})")
        self.fallback.send_new(payload)


class MessageReply(Reply):
    """A message posted with chat.postMessage (in a thread, or a DM) and then updated with chat.update."""

    def __init__(self, client: WebClient, channel: str, thread_ts: str | None = None) -> None:
        self.client = client
        self.channel = channel
        self.thread_ts = thread_ts
        self.ts: str | None = None

    def send(self, payload: Payload) -> None:
        if self.ts is None:
            result = self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, **payload)
            self.ts = result.get("ts")
            self.channel = result.get("channel") or self.channel
        else:
            self.client.chat_update(channel=self.channel, ts=self.ts, **payload)

    def send_new(self, payload: Payload) -> None:
        self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, **payload)


class EphemeralReply(Reply):
    """chat.postEphemeral for a user in a channel (no response_url): ephemeral messages cannot be updated."""

    def __init__(self, client: WebClient, channel: str, user: str) -> None:
        self.client = client
        self.channel = channel
        self.user = user

    def send(self, payload: Payload) -> None:
        self.client.chat_postEphemeral(channel=self.channel, user=self.user, **payload)
