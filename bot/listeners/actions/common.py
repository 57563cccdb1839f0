"""Where a click's answer goes, the shape every button listener shares, and opening the rule builder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.blocks.modals import rule_builder_view
from bot.builder import state_from_rule
from bot.listeners.support import guarded
from bot.replies import MessageReply, Reply, ResponseUrlReply
from segcore.catalog import FieldCatalog
from segcore.rules import Rule


def reply_for(body: dict[str, Any], client: WebClient, replace: bool = True) -> Reply:
    """Answer on the message the click came from; from App Home (no message) answer in the app's DM."""
    url = body.get("response_url")
    if url:
        return ResponseUrlReply(url, replace_first=replace)
    return MessageReply(client, body["user"]["id"])


ClickWork = Callable[[dict[str, Any], Any, WebClient, Reply], None]
ClickListener = Callable[[Ack, dict[str, Any], Any, WebClient], None]


def on_click(doing: str, *, replace: bool) -> Callable[[ClickWork], ClickListener]:
    """Turn ``work(body, context, client, reply)`` into a button listener: ack at once, answer where the click
    came from (``replace``: the first answer replaces the message clicked), and run the work after the ack
    through ``guarded``, so a failure reaches the clicker as a short message about ``doing``."""
    def decorate(work: ClickWork) -> ClickListener:
        def listener(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
            ack()
            reply = reply_for(body, client, replace=replace)
            guarded(context, reply, doing, lambda: work(body, context, client, reply), body)

        # Not functools.wraps: Bolt injects arguments by the names of inspect.unwrap(listener), which would
        # then be the work's (reply is not one Bolt knows).
        listener.__name__, listener.__qualname__ = work.__name__, work.__qualname__
        listener.__module__, listener.__doc__ = work.__module__, work.__doc__
        return listener

    return decorate


def open_builder(client: WebClient, trigger_id: str, catalog: FieldCatalog, rule: Rule | None,
                 origin: dict[str, Any]) -> None:
    state, complete = state_from_rule(rule, origin, catalog)
    note = None if complete else ("These rules have nested groups the builder cannot show; "
                                  "start again here or type them with /segment.")
    client.views_open(trigger_id=trigger_id, view=rule_builder_view(state, catalog, note=note))


def origin_of(body: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Where a modal opened from a click answers: that message's response_url, and whether it is ephemeral."""
    container = body.get("container") or {}
    return {"u": body.get("response_url"), "e": bool(container.get("is_ephemeral")), **extra}


def action_value(body: dict[str, Any]) -> str:
    return str((body.get("actions") or [{}])[0].get("value") or "")
