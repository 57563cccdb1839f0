"""The real app on loopback HTTP, a Slack stand-in, and a store on the embedded MongoDB-protocol server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from slack_bolt import App

from bot import BotConfig, BotServices, create_app, default_client_factory
from bot.http import slack_blueprint
from bot.reading import make_interpret
from segcore.audience import AudienceEngine
from segcore.storage.database import Store
from tests.bot.blockcheck import check_recorded
from tests.bot.driver import SlackDriver
from tests.bot.slack_standin import SlackStandIn
from tests.loopback import on_loopback

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TEAM = "T0TEST"
SECRET = "test-signing-secret-0123456789abcdef"
USERS_LOADED = 400  # the first 400 sample users: enough for every segment, quick to load per test


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    server = SlackStandIn(team_id=TEAM).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def users(sample_users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(u) for u in sample_users[:USERS_LOADED]]


@pytest.fixture
def stored_users(store: Store, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The users, in our workspace of the suite's `store`."""
    # Seeded directly in their stored form (upsert_many is the storage tests' business, and slower).
    store.db["users"].insert_many([{**u, "team_id": TEAM} for u in users])
    return users


def make_services(store: Store, standin: SlackStandIn) -> BotServices:
    catalog = store.catalog
    return BotServices(
        store=store,
        engine=AudienceEngine(store),
        catalog=catalog,
        now=lambda: NOW,
        interpret=make_interpret(catalog, lambda: NOW),
        client_factory=default_client_factory(standin.base_url),
    )


@pytest.fixture
def services(store: Store, standin: SlackStandIn, stored_users: list[dict[str, Any]]) -> BotServices:
    return make_services(store, standin)


@pytest.fixture
def config(standin: SlackStandIn) -> BotConfig:
    return BotConfig(bot_token="xoxb-test-token", signing_secret=SECRET, team_id=TEAM, api_url=standin.base_url,
                     campaign_managers=())


def serve(app: App) -> Iterator[str]:
    """The Bolt app behind its Flask blueprint, on a loopback port, as `segments serve` mounts it."""
    flask_app = Flask("slack-test")
    flask_app.register_blueprint(slack_blueprint(app))
    with on_loopback(flask_app, name="slack-app") as url:
        yield url


@pytest.fixture
def slack_app(services: BotServices, config: BotConfig) -> App:
    return create_app(services, config)


def check_no_pii(calls: list[Any], users: list[dict[str, Any]]) -> None:
    """No member's full email or name ever reaches Slack, whatever the test did."""
    sent = "\n".join(call.text() for call in calls)
    for user in users:
        for key in ("email", "name"):
            if user.get(key):
                assert user[key] not in sent, f"{key} of {user['user_id']} was sent to Slack unmasked"


@pytest.fixture
def slack(slack_app: App, standin: SlackStandIn, users: list[dict[str, Any]]) -> Iterator[SlackDriver]:
    """The driver; at the end every payload the app sent is checked against Block Kit's limits, and
    for personal data sent unmasked."""
    for url in serve(slack_app):
        yield SlackDriver(url, SECRET, standin, TEAM)
    standin.settle(quiet=0.3, timeout=5)
    check_recorded(standin.calls)
    check_no_pii(standin.calls, users)
