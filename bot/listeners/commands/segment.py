"""/segment: a description in plain words or rules, or list | show | users | rename | delete | overlap | help."""

from __future__ import annotations

import difflib
from typing import Any

from slack_bolt import Ack

from bot import alert_flow, library_flow, why_flow
from bot.blocks.library import help_message
from bot.blocks.segment_card import counting_message, notice_message
from bot.listeners.support import command_text, config_of, guarded, services_of, team_of
from bot.replies import Reply, ResponseUrlReply
from bot.segment_flow import read, read_and_answer
from segcore.errors import ParseRefusal, RuleError

SUBCOMMANDS = ("list", "show", "users", "rename", "delete", "overlap", "alert", "why", "help")
USAGE = {
    "show": "`/segment show NAME`",
    "users": "`/segment users NAME`",
    "rename": "`/segment rename OLD to NEW`",
    "delete": "`/segment delete NAME`",
    "overlap": "`/segment overlap A B`",
    "alert": "`/segment alert NAME below 1000`",
    "why": "`/segment why NAME [24h|7d|2026-11-20]`",
}


def segment_command(ack: Ack, command: dict[str, Any], body: dict[str, Any], context: Any) -> None:
    ack()  # first, always: Slack wants an answer within 3 seconds whatever the database is doing
    reply = ResponseUrlReply(command["response_url"])
    text = command_text(command)
    guarded(context, reply, "answering /segment",
            lambda: run(context, reply, text, command.get("user_id", ""), body, command.get("channel_id", "")),
            body)


def run(context: Any, reply: Reply, text: str, user: str, body: dict[str, Any], channel: str = "") -> None:
    services = services_of(context)
    team = team_of(context, body)
    pii_viewers = config_of(context).pii_viewers
    word, _, rest = text.partition(" ")
    word, rest = word.lower(), rest.strip()
    if not text:
        reply.send(help_message())
        return
    if word == "help" and not rest:
        reply.send(help_message())
        return
    if word == "list" and not rest:
        reply.send(library_flow.list_message(services, team))
        return
    if word in USAGE and not rest:
        reply.send(notice_message(f"Which segment? Write it as {USAGE[word]}."))
        return
    if word in ("show", "users"):
        segment = services.store.segments.get_by_name(team, rest)
        if segment is not None:
            reply.send(library_flow.show_message(services, segment) if word == "show"
                       else library_flow.members_page(services, segment, viewer=user, pii_viewers=pii_viewers))
            return
        # "show me people who…", "users who spent over 5k": a description rather than a name.
        try:
            read(services, text, team)
        except (ParseRefusal, RuleError):
            library_flow.find(services, team, rest)  # raises "no saved segment named …"
    elif word == "rename":
        reply.send(library_flow.rename(services, team, rest, user))
        return
    elif word == "delete":
        reply.send(library_flow.confirm_delete(services, team, rest))
        return
    elif word == "alert":
        reply.send(alert_flow.alert(services, team, rest, user, channel))
        return
    elif word == "why":
        reply.send(why_flow.why_command(services, team, rest))
        return
    elif word == "overlap":
        reply.send(counting_message(text))
        reply.send(library_flow.overlap(services, team, rest))
        return
    near = difflib.get_close_matches(word, SUBCOMMANDS, n=1, cutoff=0.75) if word not in SUBCOMMANDS else []
    if near and len(text.split()) <= 3:
        # "/segment lst": a typo of a subcommand, unless it reads as a description.
        try:
            read(services, text, team)
        except (ParseRefusal, RuleError):
            reply.send(notice_message(f"I don't know `/segment {text[:60]}`. Did you mean `/segment {near[0]}`? "
                                      "`/segment help` lists everything."))
            return
    reply.send(counting_message(text))
    reply.send(read_and_answer(services, team, text, user=user, ephemeral=True, pii_viewers=pii_viewers).payload)
