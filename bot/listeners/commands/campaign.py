"""/campaign new | list | show NAME | attach CAMPAIGN SEGMENT | launch NAME [holdout N] | export NAME."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot import campaign_flow, launch_flow
from bot.blocks.common import compact_json
from bot.blocks.modals import new_campaign_view
from bot.blocks.segment_card import notice_message
from bot.listeners.export import upload_audience
from bot.listeners.support import command_text, config_of, guarded, services_of, team_of
from bot.replies import Reply, ResponseUrlReply

USAGE = ("I know `/campaign new`, `/campaign list`, `/campaign show NAME`, `/campaign attach CAMPAIGN SEGMENT`, "
         "`/campaign launch NAME [holdout 10]` and `/campaign export NAME`.")
NOT_ALLOWED = "Only campaign managers can create or change campaigns here. Ask your Segments admin."


def campaign_command(ack: Ack, command: dict[str, Any], body: dict[str, Any], context: Any,
                     client: WebClient) -> None:
    ack()
    reply = ResponseUrlReply(command["response_url"])
    text = command_text(command)
    guarded(context, reply, "answering /campaign",
            lambda: run(context, reply, client, text, command, body), body)


def run(context: Any, reply: Reply, client: WebClient, text: str, command: dict[str, Any],
        body: dict[str, Any]) -> None:
    services = services_of(context)
    team = team_of(context, body)
    user = command.get("user_id", "")
    word, _, rest = text.partition(" ")
    word, rest = word.lower(), rest.strip()
    config = config_of(context)
    managers = config.campaign_managers
    if word == "list" and not rest:
        reply.send(campaign_flow.list_message(services, team))
    elif word == "show" and rest:
        reply.send(campaign_flow.show_message(services, team, rest))
    elif word == "launch" and rest:
        reply.send(notice_message("Counting the audience, consent and overlaps before launch…"))
        reply.send(launch_flow.checklist_by_name(services, config, team, rest, user))
    elif word == "export" and rest:
        campaign = campaign_flow.find_campaign(services, team, launch_flow.unquote(rest))
        upload_audience(services, client, reply, team, campaign, str(command.get("channel_id") or ""), user,
                        config.pii_viewers)
    elif word in ("launch", "export", "show", "attach") and not rest:
        reply.send(notice_message(f"Which campaign? Write it as `/campaign {word} NAME`."))
    elif word == "attach":
        if not campaign_flow.may_manage(services, managers, user):
            reply.send(notice_message(NOT_ALLOWED))
            return
        reply.send(campaign_flow.attach(services, team, rest, user))
    elif word == "new":
        if not campaign_flow.may_manage(services, managers, user):
            reply.send(notice_message(NOT_ALLOWED))
            return
        segments = [(s.id, s.name) for s in services.store.segments.list(team)]
        metadata = compact_json({"u": command.get("response_url")})
        client.views_open(trigger_id=command["trigger_id"],
                          view=new_campaign_view(segments, metadata, name=rest[:80]))
    elif not text or word == "help":
        reply.send(notice_message(USAGE))
    else:
        reply.send(notice_message(f"I don't know `/campaign {text[:60]}`. {USAGE}"))
