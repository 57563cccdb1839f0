"""Listeners grouped by kind, as in Bolt's starter template; each group has ``register(app)``."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, commands, events, views


def register_listeners(app: App) -> None:
    commands.register(app)
    events.register(app)
    actions.register(app)
    views.register(app)
