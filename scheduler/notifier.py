"""Where scheduled messages go. The composition root gives a Slack one (``slack_notifier.SlackNotifier``)."""

from __future__ import annotations

from typing import Any, Protocol

from segcore.errors import SegmentError


class NotInstalled(SegmentError):
    """The app has no installation (no bot token) in that workspace: nothing can be posted there."""


class Notifier(Protocol):
    def post(self, team_id: str, channel: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """Post a message; ``text`` is the notification fallback for ``blocks``. Raises ``NotInstalled``
        when the workspace has no installation to post with."""
        ...
