"""The whole product as `segments serve` assembles it (segments.serve.start with Settings from an
environment), on the session's embedded database, with Slack and Cohere replaced by local stand-ins.

``product`` serves ``running.web`` (admin page, JSON API and the Slack endpoint) on a loopback port; Slack
requests go there signed, API calls go through Flask's test client of the same app.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pymongo import MongoClient

from admin.tokens import TokenStore
from segcore.storage.embedded import EmbeddedServer
from segcore.storage.users import coerce_user
from segments.config import Settings
from segments.serve import Running, start
from tests.bot.conftest import TEAM  # the workspace the Slack stand-in answers as
from tests.bot.conftest import standin as standin  # the bot tests' fixture, found by pytest under this name
from tests.bot.driver import SlackDriver
from tests.bot.slack_standin import SlackStandIn
from tests.loopback import on_loopback

OTHER_TEAM = "T0OTHER"
MANAGER = "U0MANAGER"
SIGNING_SECRET = "hardening-signing-secret-7f3a9c"
BOT_TOKEN = "xoxb-hardening-bot-token-5d1e"
ADMIN_PASSWORD = "hardening admin password 42"
SECRET_KEY = "hardening-session-key-91b2"
COHERE_KEY = "cohere-hardening-key-3c7d"
USERS = 300


@dataclass
class Product:
    running: Running
    url: str
    slack: SlackDriver
    standin: SlackStandIn
    db: Any
    env: dict[str, str]
    token: str  # ours, with the launch scope
    other_token: str  # another workspace's, with the launch scope: it still reaches none of ours
    plain_token: str = ""  # ours, without any scope, as tokens made before the launch scope are

    @property
    def client(self) -> FlaskClient:
        return self.running.web.test_client()

    def api(self, method: str, path: str, token: str | None = "own", **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {self.token if token == 'own' else token}"
        return self.client.open(path, method=method, headers=headers, **kw)


def product_env(mongo_uri: str, db_name: str, data_dir: Path, standin: SlackStandIn,
                **extra: str) -> dict[str, str]:
    return {
        "MONGODB_URI": mongo_uri,
        "SEGMENTS_DB_NAME": db_name,
        "SEGMENTS_DATA_DIR": str(data_dir),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_TEAM_ID": TEAM,
        "SLACK_API_URL": standin.base_url,
        "SEGMENTS_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SEGMENTS_SECRET_KEY": SECRET_KEY,
        "SEGMENTS_CAMPAIGN_MANAGERS": MANAGER,
        "SEGMENTS_SCHEDULER": "off",
        # The database watch (dbwatch.py) must see every count reach MongoDB; the mirror's own tenancy and
        # parity with MongoDB are proven in tests/mirror.
        "SEGMENTS_MIRROR": "off",
        **extra,
    }


def seed(db: Any, sample_users: list[dict[str, Any]], catalog: Any) -> list[dict[str, Any]]:
    ours = [coerce_user(dict(u), catalog) for u in sample_users[:USERS]]
    db["users"].insert_many([{**u, "team_id": TEAM} for u in ours])
    theirs = [{**coerce_user(dict(u), catalog), "team_id": OTHER_TEAM, "city": "Pune"} for u in sample_users[:50]]
    db["users"].insert_many(theirs)
    return ours


def build_product(mongo_uri: str, client: MongoClient[dict[str, Any]], tmp_path: Path, standin: SlackStandIn,
                  sample_users: list[dict[str, Any]], **extra: str) -> Iterator[Product]:
    name = f"h_{uuid.uuid4().hex[:10]}"
    env = product_env(mongo_uri, name, tmp_path, standin, **extra)
    running = start(Settings.from_env(env))
    try:
        db = client[name]
        seed(db, sample_users, running.services.catalog)
        tokens = TokenStore(db)
        now = datetime.now(UTC)
        token = tokens.create(TEAM, "hardening", now=now, scopes=("launch",))[1]
        other = tokens.create(OTHER_TEAM, "intruder", now=now, scopes=("launch",))[1]
        plain = tokens.create(TEAM, "plain", now=now)[1]
        with on_loopback(running.web, name="product") as url:
            yield Product(running, url, SlackDriver(url, SIGNING_SECRET, standin, TEAM), standin, db, env,
                          token, other, plain)
    finally:
        running.stop()
        client.drop_database(name)


@pytest.fixture
def product(mongo_server: EmbeddedServer, mongo_client: MongoClient[dict[str, Any]], tmp_path: Path,
            standin: SlackStandIn, sample_users: list[dict[str, Any]]) -> Iterator[Product]:
    yield from build_product(mongo_server.uri, mongo_client, tmp_path, standin, sample_users)
