"""The Slack notifier: ``chat.postMessage`` through slack_sdk's WebClient (base URL configurable for tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from scheduler.notifier import NotInstalled
from segcore.errors import SegmentError


class NotifyError(SegmentError):
    """Slack refused or could not be reached; the message says which."""


class SlackNotifier:
    """Posts with one bot token (a single-workspace install), or with each workspace's own: ``token`` may be
    a function from a team id to its bot token (None when the app is not installed there)."""

    def __init__(self, token: str | Callable[[str], str | None], base_url: str | None = None,
                 timeout: int = 10) -> None:
        self.kwargs: dict[str, Any] = {"timeout": timeout}
        if base_url:
            self.kwargs["base_url"] = base_url if base_url.endswith("/") else base_url + "/"
        self.token_for = token if callable(token) else None
        self.client = WebClient(token=token if isinstance(token, str) else None, **self.kwargs)

    def _client(self, team_id: str) -> WebClient:
        if self.token_for is None:
            return self.client
        token = self.token_for(team_id)
        if not token:
            raise NotInstalled(f"The Slack app is not installed in workspace {team_id}.")
        return WebClient(token=token, **self.kwargs)

    def post(self, team_id: str, channel: str, text: str, blocks: list[dict[str, Any]]) -> None:
        client = self._client(team_id)
        try:
            client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown_error") if exc.response is not None else "unknown_error"
            hint = " Invite the app to the channel." if error in ("not_in_channel", "channel_not_found") else ""
            raise NotifyError(f"Slack refused the message to {channel}: {error}.{hint}") from None
        except OSError as exc:
            raise NotifyError(f"Slack could not be reached to post to {channel}: {exc}.") from None
