"""Socket Mode: the app connects out to Slack (no public URL needed), in a background thread."""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler


def start_socket_mode(app: App, app_token: str) -> SocketModeHandler:
    """Connect with an app-level token (xapp-…, scope connections:write); returns the handler, whose
    ``close()`` disconnects. The connection runs in the SDK's own threads, so this returns at once."""
    if not app_token.startswith("xapp-"):
        raise ValueError("SLACK_APP_TOKEN must be an app-level token (starts with xapp-) for Socket Mode.")
    handler = SocketModeHandler(app, app_token, trace_enabled=False)
    handler.connect()
    return handler
