"""Where scheduled messages go. The composition root gives a Slack one (``slack_notifier.SlackNotifier``)."""

from __future__ import annotations

from typing import Any, Protocol


class Notifier(Protocol):
    def post(self, team_id: str, channel: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """Post a message; ``text`` is the notification fallback for ``blocks``."""
        ...
