"""manifest.yml and the code agree: every command and event the app handles is declared, and vice versa."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.http import EVENTS_PATH
from bot.listeners.commands import COMMANDS
from bot.listeners.events import BOT_EVENTS, EVENTS
from tests.bot.driver import SlackDriver

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
# What each subscription needs from Slack.
SCOPES_FOR_EVENT = {"app_mention": "app_mentions:read", "message.im": "im:history"}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return data


def test_commands_match(manifest: dict[str, Any]) -> None:
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert declared == set(COMMANDS)
    for command in manifest["features"]["slash_commands"]:
        assert command["url"].endswith(EVENTS_PATH)
        assert len(command["description"]) <= 100 and len(command.get("usage_hint", "")) <= 100


def test_events_match(manifest: dict[str, Any]) -> None:
    subscribed = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert sorted(subscribed) == sorted(BOT_EVENTS)
    assert {e.split(".")[0] for e in subscribed} == set(EVENTS)
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    for event in subscribed:
        if event in SCOPES_FOR_EVENT:
            assert SCOPES_FOR_EVENT[event] in scopes
    assert "commands" in scopes and "chat:write" in scopes


def test_one_endpoint_for_events_commands_and_interactivity(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith(EVENTS_PATH)
    assert settings["event_subscriptions"]["request_url"].endswith(EVENTS_PATH)
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert "socket_mode_enabled" in settings
    assert all(url.endswith("/slack/oauth_redirect") for url in manifest["oauth_config"]["redirect_urls"])


def test_the_running_app_answers_exactly_the_declared_commands(slack: SlackDriver,
                                                               manifest: dict[str, Any]) -> None:
    for command in manifest["features"]["slash_commands"]:
        answer, _ = slack.command(command["command"], "help")
        assert answer.status == 200, command["command"]
    unknown, _ = slack.command("/not-declared", "help")
    assert unknown.status == 404  # Bolt answers 404 when no listener is registered


def test_the_running_app_handles_every_subscribed_event(slack: SlackDriver, manifest: dict[str, Any]) -> None:
    samples = {
        "app_home_opened": {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home",
                            "event_ts": "1.1"},
        "app_mention": {"type": "app_mention", "user": "U1", "text": "<@UBOT> help", "ts": "1.2",
                        "channel": "C1", "event_ts": "1.2"},
        "message.im": {"type": "message", "channel_type": "im", "user": "U1", "text": "help", "ts": "1.3",
                       "channel": "D1", "event_ts": "1.3"},
    }
    for name in manifest["settings"]["event_subscriptions"]["bot_events"]:
        assert slack.event(samples[name]).status == 200, name
    assert slack.event({"type": "reaction_added", "user": "U1", "event_ts": "1.4"}).status == 404


def test_oauth_asks_for_the_declared_scopes(manifest: dict[str, Any]) -> None:
    from bot.services import BOT_SCOPES

    assert sorted(BOT_SCOPES) == sorted(manifest["oauth_config"]["scopes"]["bot"])


def test_an_oauth_install_asks_for_the_manifest_scopes_by_default(manifest: dict[str, Any]) -> None:
    from bot import OAuthConfig

    assert sorted(OAuthConfig("1.2", "secret").scopes) == sorted(manifest["oauth_config"]["scopes"]["bot"])


def test_the_manifest_is_valid_for_slack(manifest: dict[str, Any]) -> None:
    """Against Slack's own manifest schema (slackapi/manifest-schema, MIT, copied into tests/bot/data)."""
    import json

    import jsonschema

    schema = json.loads((Path(__file__).parent / "data" / "slack-manifest.schema.1.0.0.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    assert [e.message for e in validator.iter_errors(manifest)] == []
    broken = {**manifest, "settings": {**manifest["settings"], "socket_mode": True}}
    assert list(validator.iter_errors(broken))  # the schema does catch a wrong key
