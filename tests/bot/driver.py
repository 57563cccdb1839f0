"""Drives the app over HTTP exactly as Slack does: signed form-encoded commands, signed JSON events,
block_actions and view_submission payloads (form field ``payload``)."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.bot.slack_standin import SlackStandIn

ACK_TIMEOUT = 3.0  # Slack gives up on an ack after 3 seconds; so do these requests


@dataclass
class Answer:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackDriver:
    def __init__(self, url: str, signing_secret: str, standin: SlackStandIn, team_id: str) -> None:
        self.url = url
        self.verifier = SignatureVerifier(signing_secret)
        self.standin = standin
        self.team_id = team_id
        self._ids = itertools.count(1)

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):05d}"

    def post(self, body: str, content_type: str, *, timestamp: int | None = None, signature: str | None = None,
             headers: dict[str, str] | None = None, path: str = "/slack/events") -> Answer:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = signature or self.verifier.generate_signature(timestamp=ts, body=body)
        request = urllib.request.Request(self.url + path, data=body.encode(), method="POST", headers={
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sig or "",
            **(headers or {}),
        })
        try:
            with urllib.request.urlopen(request, timeout=ACK_TIMEOUT) as response:
                return Answer(response.status, response.read().decode())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.read().decode())

    # ------------------------------------------------------------------ slash commands

    def command(self, command: str, text: str, *, user: str = "U0MARKETER", channel: str = "C0GENERAL",
                trigger_id: str | None = None, response_name: str | None = None, **kw: Any) -> tuple[Answer, str]:
        """Returns the HTTP answer and the response_url the app was given."""
        response_url = self.standin.response_url(response_name or self.next_id("cmd"))
        form = {
            "token": "legacy", "team_id": self.team_id, "team_domain": "acme", "channel_id": channel,
            "channel_name": "general", "user_id": user, "user_name": "meera", "command": command, "text": text,
            "api_app_id": "A0SEGMENTS", "is_enterprise_install": "false", "response_url": response_url,
            "trigger_id": trigger_id or self.next_id("trig."),
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded", **kw), response_url

    # ------------------------------------------------------------------ events

    def event(self, event: dict[str, Any], *, event_id: str | None = None, **kw: Any) -> Answer:
        body = {
            "token": "legacy", "team_id": self.team_id, "api_app_id": "A0SEGMENTS", "type": "event_callback",
            "event": event, "event_id": event_id or self.next_id("Ev"), "event_time": int(time.time()),
            "authorizations": [{"team_id": self.team_id, "user_id": "UBOT", "is_bot": True}],
        }
        return self.post(json.dumps(body), "application/json", **kw)

    def url_verification(self, challenge: str) -> Answer:
        return self.post(json.dumps({"token": "legacy", "challenge": challenge, "type": "url_verification"}),
                         "application/json")

    # ------------------------------------------------------------------ interactivity

    def interact(self, payload: dict[str, Any], **kw: Any) -> Answer:
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded", **kw)

    def click(self, action_id: str, value: str | None = None, *, user: str = "U0MARKETER",
              response_url: str | None = None, view: dict[str, Any] | None = None,
              selected: str | None = None, block_id: str = "b", channel: str = "C0GENERAL",
              ephemeral: bool = True) -> Answer:
        action: dict[str, Any] = {"action_id": action_id, "block_id": block_id, "action_ts": "1.2"}
        if selected is not None:
            action.update(type="static_select", selected_option={"value": selected, "text": {
                "type": "plain_text", "text": selected}})
        else:
            action.update(type="button", value=value, text={"type": "plain_text", "text": action_id})
        payload: dict[str, Any] = {
            "type": "block_actions", "team": {"id": self.team_id, "domain": "acme"},
            "user": {"id": user, "username": "meera", "team_id": self.team_id}, "api_app_id": "A0SEGMENTS",
            "token": "legacy", "trigger_id": self.next_id("trig."), "actions": [action],
        }
        if view is not None:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view.get("id", "V0VIEW")}
        else:
            payload["channel"] = {"id": channel, "name": "general"}
            payload["container"] = {"type": "message", "channel_id": channel, "is_ephemeral": ephemeral}
            if response_url:
                payload["response_url"] = response_url
        return self.interact(payload)

    def submit(self, view: dict[str, Any], values: dict[str, dict[str, Any]], *,
               user: str = "U0MARKETER") -> Answer:
        submitted = {**view, "id": view.get("id", "V0VIEW"), "state": {"values": values},
                     "team_id": self.team_id, "hash": "1.1"}
        payload = {
            "type": "view_submission", "team": {"id": self.team_id, "domain": "acme"},
            "user": {"id": user, "username": "meera", "team_id": self.team_id}, "api_app_id": "A0SEGMENTS",
            "token": "legacy", "trigger_id": self.next_id("trig."), "view": submitted,
        }
        return self.interact(payload)


def text_value(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def selected_value(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value, "text": {"type": "plain_text",
                                                                                   "text": value}}}
