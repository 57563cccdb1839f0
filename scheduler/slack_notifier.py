"""The Slack notifier: ``chat.postMessage`` through slack_sdk's WebClient (base URL configurable for tests)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from segcore.errors import SegmentError


class NotifyError(SegmentError):
    """Slack refused or could not be reached; the message says which."""


class SlackNotifier:
    def __init__(self, token: str, base_url: str | None = None, timeout: int = 10) -> None:
        kwargs: dict[str, Any] = {"token": token, "timeout": timeout}
        if base_url:
            kwargs["base_url"] = base_url if base_url.endswith("/") else base_url + "/"
        self.client = WebClient(**kwargs)

    def post(self, team_id: str, channel: str, text: str, blocks: list[dict[str, Any]]) -> None:
        try:
            self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown_error") if exc.response is not None else "unknown_error"
            hint = " Invite the app to the channel." if error in ("not_in_channel", "channel_not_found") else ""
            raise NotifyError(f"Slack refused the message to {channel}: {error}.{hint}") from None
        except OSError as exc:
            raise NotifyError(f"Slack could not be reached to post to {channel}: {exc}.") from None
