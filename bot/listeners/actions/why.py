"""The App Home's "Why?" button: why a saved segment changed since yesterday."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot import why_flow
from bot.listeners.actions.common import on_click
from bot.listeners.actions.library import _segment
from bot.listeners.support import services_of
from bot.replies import Reply


@on_click("explaining a change", replace=False)
def why(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    reply.send(why_flow.why_for(services_of(context), _segment(context, body)))
