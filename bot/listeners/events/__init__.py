from __future__ import annotations

from slack_bolt import App

from bot.listeners.events.app_home_opened import app_home_opened
from bot.listeners.events.conversation import app_mention, direct_message
from bot.listeners.events.lifecycle import app_uninstalled, tokens_revoked

# The events the app handles; manifest.yml subscribes to exactly these (a test checks).
EVENTS = {"app_mention": app_mention, "message": direct_message, "app_home_opened": app_home_opened,
          "app_uninstalled": app_uninstalled, "tokens_revoked": tokens_revoked}
# The manifest's bot_events for them ("message" is subscribed for DMs only).
BOT_EVENTS = ("app_home_opened", "app_mention", "message.im", "app_uninstalled", "tokens_revoked")


def register(app: App) -> None:
    for name, handler in EVENTS.items():
        app.event(name)(handler)
