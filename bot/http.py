"""HTTP mode: one endpoint for events, commands and interactivity, mounted on the admin Flask app."""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint, Response, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler

EVENTS_PATH = "/slack/events"

log = logging.getLogger("segments.bot")


def slack_blueprint(app: App) -> Blueprint:
    """``POST /slack/events`` (and the OAuth install and redirect pages when OAuth is configured)."""
    handler = SlackRequestHandler(app)
    blueprint = Blueprint("slack", __name__)

    @blueprint.post(EVENTS_PATH)
    def events() -> Response:
        if not request.headers.get("X-Slack-Signature", "").isascii():
            # Bolt's constant-time comparison raises on non-ASCII text; such a signature is simply wrong.
            return Response("invalid request signature", status=401, mimetype="text/plain")
        try:
            return handler.handle(request)
        except Exception as exc:
            # Bolt itself can fail on a payload Slack would never send (e.g. "actions": null reaches its
            # own error handler). Such a request is malformed, not our failure: 400, never a 500.
            ref = secrets.token_hex(4)
            log.warning("ref=%s a Slack request Bolt could not read: %r", ref, exc)
            return Response(f"Malformed Slack request (reference {ref}).", status=400, mimetype="text/plain")

    flow = app.oauth_flow
    if flow is not None:
        @blueprint.get(flow.install_path)
        def install() -> Response:
            return handler.handle(request)

        @blueprint.get(flow.redirect_uri_path)
        def oauth_redirect() -> Response:
            return handler.handle(request)

    return blueprint
