"""The composition root maps the environment to the Slack app's configuration."""

from __future__ import annotations

from segments.config import Settings
from segments.serve import bot_config


def test_slack_configuration_from_the_environment() -> None:
    base = {"SLACK_SIGNING_SECRET": "s3cret", "SLACK_TEAM_ID": "T0ACME"}
    assert bot_config(Settings.from_env({})) is None
    assert bot_config(Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"})) is None
    single = bot_config(Settings.from_env({**base, "SLACK_BOT_TOKEN": "xoxb-1"}))
    assert single is not None and single.oauth is None and single.team_id == "T0ACME"
    assert single.api_url == "https://slack.com/api/"
    multi = bot_config(
        Settings.from_env(
            {**base, "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "x", "SLACK_API_URL": "http://127.0.0.1:9/api"}
        )
    )
    assert multi is not None and multi.oauth is not None and multi.bot_token is None
    assert "commands" in multi.oauth.scopes and multi.api_url == "http://127.0.0.1:9/api/"


def test_socket_mode_needs_no_signing_secret() -> None:
    config = bot_config(Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}))
    assert config is not None and config.bot_token == "xoxb-1"
