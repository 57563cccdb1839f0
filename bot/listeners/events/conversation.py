"""Mentions and direct messages: the same reading as /segment, answered in the thread.

A follow-up in the thread refines the rules the thread is about ("only in Mumbai", "and exclude vip");
the rules are kept in MongoDB (``conversations``), so any instance can answer the next turn.
"""

from __future__ import annotations

import re
from typing import Any

from slack_sdk import WebClient

from bot.blocks.edit import with_refinement
from bot.blocks.library import help_message
from bot.blocks.segment_card import counting_message
from bot.listeners.support import config_of, guarded, plain_text, services_of, team_of
from bot.refine import refine
from bot.replies import MessageReply, Reply
from bot.segment_flow import Outcome, answer, read, read_and_answer, refusal
from bot.stores import ConversationStore
from segcore.errors import ParseRefusal, RuleError
from segcore.explain.difference import diff
from segcore.rules import Rule, rule_from_json, rule_to_json

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_GREETING = re.compile(r"^(?:hi|hello|hey|help|\?)[!.]*$", re.I)


def app_mention(event: dict[str, Any], body: dict[str, Any], context: Any, client: WebClient) -> None:
    _converse(event, body, context, client, "answering a mention")


def direct_message(event: dict[str, Any], body: dict[str, Any], context: Any, client: WebClient) -> None:
    # Only people writing to the app in its DM: not edits, joins or other bots.
    if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
        return
    _converse(event, body, context, client, "answering a direct message")


def _converse(event: dict[str, Any], body: dict[str, Any], context: Any, client: WebClient, doing: str) -> None:
    channel = event["channel"]
    root = event.get("thread_ts") or event["ts"]
    reply = MessageReply(client, channel, root)
    guarded(context, reply, doing, lambda: turn(context, reply, event, body, channel, root), body)


def turn(context: Any, reply: Reply, event: dict[str, Any], body: dict[str, Any], channel: str, root: str) -> None:
    services = services_of(context)
    team = team_of(context, body)
    text = plain_text(_MENTION.sub(" ", event.get("text") or ""))
    user = event.get("user", "")
    if not text or _GREETING.match(text):
        reply.send(help_message())
        return
    # A thread in a channel is read by everyone in it; only the app's DM is the asker's alone.
    private = event.get("channel_type") == "im"
    pii_viewers = config_of(context).pii_viewers
    conversations = ConversationStore(services.store.db, services.now)
    previous = conversations.get(team, channel, root) if event.get("thread_ts") else None
    reply.send(counting_message(text))
    if previous is None:
        outcome = read_and_answer(services, team, text, user=user, ephemeral=False, private=private,
                                  pii_viewers=pii_viewers)
    else:
        try:
            rule, reading = refine(rule_from_json(previous["rule"]), text,
                                   lambda t: read(services, t, team), services.catalog)
        except (ParseRefusal, RuleError) as exc:
            outcome = refusal(text, exc)
        else:
            outcome = answer(services, team, text, reading, user=user, ephemeral=False, rule=rule, private=private,
                             pii_viewers=pii_viewers)
            outcome = _with_change(services, team, rule_from_json(previous["rule"]), outcome)
    if outcome.rule is not None:
        # Stored before the answer shows, so a quick next turn already refines these rules.
        conversations.put(team, channel, root, rule_to_json(outcome.rule), text)
    reply.send(outcome.payload)


def _with_change(services: Any, team: str, before: Rule, outcome: Outcome) -> Outcome:
    """A refinement's card says what the follow-up changed and who entered and left."""
    if outcome.rule is None:
        return outcome
    try:
        change = diff(services.engine, team, before, outcome.rule, services.now())
    except RuleError:
        return outcome  # the thread's earlier rules no longer fit the catalog: the card alone is right
    return Outcome(with_refinement(outcome.payload, change), outcome.rule)
