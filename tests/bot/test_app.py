"""The app factory: configuration checks, the workspace check at start-up, Socket Mode's token check."""

from __future__ import annotations

import logging

import pytest

from bot import BotConfig, WorkspaceMismatch, check_workspace, create_app, default_client_factory
from bot.services import BotServices
from bot.socket import start_socket_mode
from segcore.storage.database import Store
from tests.bot.conftest import SECRET, TEAM, make_services
from tests.bot.slack_standin import SlackStandIn


def test_configuration_is_checked() -> None:
    with pytest.raises(ValueError, match="/api/"):
        BotConfig(bot_token="xoxb-1", signing_secret=SECRET, api_url="http://127.0.0.1:9/")
    with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
        BotConfig(bot_token="xoxb-1", signing_secret="")
    with pytest.raises(ValueError, match="SLACK_BOT_TOKEN"):
        BotConfig(bot_token=None, signing_secret=SECRET)


@pytest.mark.usefixtures("stored_users")
def test_the_workspace_is_checked_and_named_at_start_up(standin: SlackStandIn, store: Store,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    client = default_client_factory(standin.base_url)("xoxb-test")
    assert check_workspace(client, TEAM) == (
        f"Serving Slack workspace Acme Marketing ({TEAM}) with the data of team {TEAM}.")
    with pytest.raises(WorkspaceMismatch, match=r"T0ELSEWHERE.*Acme Marketing"):
        check_workspace(client, "T0ELSEWHERE")
    assert "with the data of team local" in check_workspace(client, "local")

    services: BotServices = make_services(store, standin)
    with caplog.at_level(logging.INFO, logger="segments.bot"):
        create_app(services, BotConfig(bot_token="xoxb-test", signing_secret=SECRET, team_id=TEAM,
                                       api_url=standin.base_url))
    assert "Serving Slack workspace Acme Marketing" in caplog.text
    with pytest.raises(WorkspaceMismatch):
        create_app(services, BotConfig(bot_token="xoxb-test", signing_secret=SECRET, team_id="T0ELSEWHERE",
                                       api_url=standin.base_url))
    standin.failures["auth.test"] = "invalid_auth"
    with pytest.raises(WorkspaceMismatch, match="invalid_auth"):
        check_workspace(client, TEAM)


@pytest.mark.usefixtures("stored_users")
def test_socket_mode_wants_an_app_level_token(standin: SlackStandIn, store: Store) -> None:
    app = create_app(make_services(store, standin), BotConfig(
        bot_token="xoxb-test", signing_secret=SECRET, team_id=TEAM, api_url=standin.base_url))
    with pytest.raises(ValueError, match="xapp-"):
        start_socket_mode(app, "xoxb-not-an-app-token")


@pytest.mark.usefixtures("stored_users")
def test_socket_mode_answers_a_command_over_the_websocket(standin: SlackStandIn, store: Store) -> None:
    from tests.bot.socket_standin import SocketStandIn

    socket_server = SocketStandIn().start()
    standin.socket_url = socket_server.url
    app = create_app(make_services(store, standin), BotConfig(
        bot_token="xoxb-test", signing_secret=SECRET, team_id=TEAM, api_url=standin.base_url))
    handler = start_socket_mode(app, "xapp-1-A0-test")
    try:
        socket_server.wait_connected()
        opened = standin.wait_for(lambda c: c.method == "apps.connections.open")
        assert opened.headers["authorization"] == "Bearer xapp-1-A0-test"
        socket_server.send({"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
                            "payload": {"team_id": TEAM, "user_id": "U0MARKETER", "channel_id": "C0GENERAL",
                                        "command": "/segment", "text": "help", "trigger_id": "trig.socket",
                                        "response_url": standin.response_url("socket1")}})
        socket_server.wait_for_ack("env-1")
        standin.wait_for(lambda c: c.path.endswith("/socket1") and "/segment list" in c.text())
    finally:
        handler.close()
        socket_server.stop()
