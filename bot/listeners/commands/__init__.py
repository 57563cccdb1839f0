from __future__ import annotations

from slack_bolt import App

from bot.listeners.commands.campaign import campaign_command
from bot.listeners.commands.segment import segment_command

# The slash commands the app answers; manifest.yml declares exactly these (a test checks).
COMMANDS = {"/segment": segment_command, "/campaign": campaign_command}


def register(app: App) -> None:
    for name, handler in COMMANDS.items():
        app.command(name)(handler)
