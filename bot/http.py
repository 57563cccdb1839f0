"""HTTP mode: one endpoint for events, commands and interactivity, mounted on the admin Flask app."""

from __future__ import annotations

from flask import Blueprint, Response, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler

EVENTS_PATH = "/slack/events"


def slack_blueprint(app: App) -> Blueprint:
    """``POST /slack/events`` (and the OAuth install and redirect pages when OAuth is configured)."""
    handler = SlackRequestHandler(app)
    blueprint = Blueprint("slack", __name__)

    @blueprint.post(EVENTS_PATH)
    def events() -> Response:
        return handler.handle(request)

    flow = app.oauth_flow
    if flow is not None:
        @blueprint.get(flow.install_path)
        def install() -> Response:
            return handler.handle(request)

        @blueprint.get(flow.redirect_uri_path)
        def oauth_redirect() -> Response:
            return handler.handle(request)

    return blueprint
