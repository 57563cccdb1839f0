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
        "tokens_revoked": {"type": "tokens_revoked", "tokens": {"oauth": ["U1"], "bot": []}, "event_ts": "1.5"},
        "app_uninstalled": {"type": "app_uninstalled", "event_ts": "1.6"},
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


# The parts of Slack's app manifest format (api.slack.com/reference/manifests) this app uses, written
# here by hand: unknown settings keys and misspelt fields are caught, as Slack would refuse them.
_MANIFEST_SHAPE: dict[str, Any] = {
    "type": "object",
    "required": ["display_information", "features", "oauth_config", "settings"],
    "properties": {
        "_metadata": {"type": "object"},
        "display_information": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 35},
                "description": {"type": "string", "maxLength": 140},
                "long_description": {"type": "string", "minLength": 174, "maxLength": 4000},
                "background_color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
            },
            "additionalProperties": False,
        },
        "features": {
            "type": "object",
            "properties": {
                "app_home": {"type": "object"},
                "bot_user": {
                    "type": "object",
                    "required": ["display_name"],
                    "properties": {
                        "display_name": {"type": "string", "minLength": 1, "maxLength": 80},
                        "always_online": {"type": "boolean"},
                    },
                    "additionalProperties": False,
                },
                "slash_commands": {
                    "type": "array",
                    "maxItems": 50,
                    "items": {
                        "type": "object",
                        "required": ["command", "description"],
                        "properties": {
                            "command": {"type": "string", "pattern": "^/[a-z0-9_-]{1,31}$"},
                            "description": {"type": "string", "minLength": 1, "maxLength": 2000},
                            "usage_hint": {"type": "string", "maxLength": 1000},
                            "url": {"type": "string"},
                            "should_escape": {"type": "boolean"},
                        },
                        "additionalProperties": False,
                    },
                },
            },
            "additionalProperties": False,
        },
        "oauth_config": {
            "type": "object",
            "properties": {
                "redirect_urls": {"type": "array", "items": {"type": "string"}},
                "scopes": {
                    "type": "object",
                    "properties": {
                        "bot": {"type": "array", "items": {"type": "string", "pattern": "^[a-z_.:]+$"}},
                        "user": {"type": "array", "items": {"type": "string"}},
                    },
                    "additionalProperties": False,
                },
            },
            "additionalProperties": False,
        },
        "settings": {
            "type": "object",
            "properties": {
                "allowed_ip_address_ranges": {"type": "array"},
                "event_subscriptions": {
                    "type": "object",
                    "properties": {
                        "request_url": {"type": "string"},
                        "bot_events": {"type": "array", "items": {"type": "string"}},
                        "user_events": {"type": "array", "items": {"type": "string"}},
                    },
                    "additionalProperties": False,
                },
                "interactivity": {
                    "type": "object",
                    "required": ["is_enabled"],
                    "properties": {
                        "is_enabled": {"type": "boolean"},
                        "request_url": {"type": "string"},
                        "message_menu_options_url": {"type": "string"},
                    },
                    "additionalProperties": False,
                },
                "org_deploy_enabled": {"type": "boolean"},
                "socket_mode_enabled": {"type": "boolean"},
                "token_rotation_enabled": {"type": "boolean"},
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}


def test_the_manifest_has_the_shape_slack_accepts(manifest: dict[str, Any]) -> None:
    import jsonschema

    validator = jsonschema.Draft7Validator(_MANIFEST_SHAPE)
    assert [e.message for e in validator.iter_errors(manifest)] == []
    broken = {**manifest, "settings": {**manifest["settings"], "socket_mode": True}}
    assert list(validator.iter_errors(broken))  # the shape does catch a wrong key
