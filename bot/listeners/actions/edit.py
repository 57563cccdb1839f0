"""Buttons on the preview of an edit to a saved segment: Save changes, Keep as it was."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot import edit_flow
from bot.listeners.actions.common import action_value, on_click
from bot.listeners.support import services_of, team_of
from bot.replies import Reply


@on_click("saving the changed rules", replace=True)
def confirm(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    reply.send(edit_flow.confirm_edit(services_of(context), team_of(context, body), action_value(body),
                                      body["user"]["id"]))


@on_click("keeping the segment as it was", replace=True)
def cancel(body: dict[str, Any], context: Any, client: WebClient, reply: Reply) -> None:
    reply.send(edit_flow.cancel_edit(services_of(context), team_of(context, body), action_value(body)))
