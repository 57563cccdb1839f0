"""Slack OAuth in MongoDB: installations (one per workspace install, history kept) and OAuth state.

slack_sdk ships file and SQL stores but none for MongoDB; these follow the same interface
(``InstallationStore``, ``OAuthStateStore``) and the same lookup rules as its SQLAlchemy store: the
latest installation of a workspace wins, a user's own installation is completed with the latest bot token.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pymongo
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store import OAuthStateStore

from segcore.storage.workspaces import mark_installed

INSTALLATIONS = "slack_installations"
BOTS = "slack_bots"
STATES = "slack_oauth_states"
# Lookups run before Bolt acks a request (authorization), so they must fail fast when the database is slow.
LOOKUP_SECONDS = 1.5

_STANDARD_INSTALLATION = set(Installation(user_id="U0").to_dict_for_copying())
_BOT_FIELDS = ("bot_token", "bot_id", "bot_user_id", "bot_scopes", "bot_refresh_token", "bot_token_expires_at")
_STANDARD_BOT = set(Bot(bot_token="x", bot_id="B", bot_user_id="U", installed_at=1.0).to_dict_for_copying())


def _key(client_id: str | None, enterprise_id: str | None, team_id: str | None,
         is_enterprise_install: bool | None) -> dict[str, Any]:
    query: dict[str, Any] = {"client_id": client_id, "enterprise_id": enterprise_id or None}
    query["team_id"] = None if is_enterprise_install else (team_id or None)
    return query


class MongoInstallationStore(InstallationStore):
    def __init__(self, db: Database[Any], client_id: str | None = None,
                 logger: logging.Logger | None = None) -> None:
        self.db = db
        self.installations = db[INSTALLATIONS]
        self.bots = db[BOTS]
        self.client_id = client_id
        self._logger = logger or logging.getLogger("segments.bot.oauth")

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    def ensure_indexes(self) -> None:
        for collection in (self.installations, self.bots):
            collection.create_index([("client_id", ASCENDING), ("enterprise_id", ASCENDING),
                                     ("team_id", ASCENDING), ("installed_at", DESCENDING)], name="workspace")
        self.installations.create_index([("client_id", ASCENDING), ("enterprise_id", ASCENDING),
                                         ("team_id", ASCENDING), ("user_id", ASCENDING),
                                         ("installed_at", DESCENDING)], name="workspace_user")

    def save(self, installation: Installation) -> None:
        doc = installation.to_dict_for_copying()
        doc["client_id"] = self.client_id
        if installation.is_enterprise_install:
            doc["team_id"] = None
        self.installations.insert_one(doc)
        self.save_bot(installation.to_bot())
        if installation.team_id and not installation.is_enterprise_install:
            mark_installed(self.db, installation.team_id, datetime.now(UTC))

    def save_bot(self, bot: Bot) -> None:
        if bot.bot_token is None:
            return
        doc = bot.to_dict_for_copying()
        doc["client_id"] = self.client_id
        if bot.is_enterprise_install:
            doc["team_id"] = None
        self.bots.insert_one(doc)

    def find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                 is_enterprise_install: bool | None = False) -> Bot | None:
        with pymongo.timeout(LOOKUP_SECONDS):
            doc = self.bots.find_one(_key(self.client_id, enterprise_id, team_id, is_enterprise_install),
                                     sort=[("installed_at", DESCENDING)])
        if doc is None:
            return None
        return Bot(**{k: v for k, v in doc.items() if k in _STANDARD_BOT})

    def find_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
                          is_enterprise_install: bool | None = False) -> Installation | None:
        query = _key(self.client_id, enterprise_id, team_id, is_enterprise_install)
        if user_id is not None:
            query["user_id"] = user_id
        with pymongo.timeout(LOOKUP_SECONDS):
            doc = self.installations.find_one(query, sort=[("installed_at", DESCENDING)])
        if doc is None:
            return None
        installation = Installation(**{k: v for k, v in doc.items() if k in _STANDARD_INSTALLATION})
        if user_id is not None or installation.bot_token is None:
            # A user's installation may be older than the workspace's current bot token.
            bot = self.find_bot(enterprise_id=enterprise_id, team_id=team_id,
                                is_enterprise_install=is_enterprise_install)
            if bot is not None and bot.bot_token != installation.bot_token:
                installation.bot_id = bot.bot_id
                installation.bot_user_id = bot.bot_user_id
                installation.bot_token = bot.bot_token
                installation.bot_scopes = bot.bot_scopes
                installation.bot_refresh_token = bot.bot_refresh_token
                installation.bot_token_expires_at = bot.bot_token_expires_at
        return installation

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        key = _key(self.client_id, enterprise_id, team_id, False)
        self.bots.delete_many(key)
        # Installations carry a copy of the bot token too; a revoked one must not be found through them.
        self.installations.update_many(key, {"$set": dict.fromkeys(_BOT_FIELDS)})

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:
        query = _key(self.client_id, enterprise_id, team_id, False)
        if user_id is not None:
            query["user_id"] = user_id
        self.installations.delete_many(query)


class MongoOAuthStateStore(OAuthStateStore):
    """One-time OAuth ``state`` values: issued, consumed once, expired after ``expiration_seconds``."""

    def __init__(self, db: Database[Any], expiration_seconds: int = 600,
                 logger: logging.Logger | None = None) -> None:
        self.states = db[STATES]
        self.expiration_seconds = expiration_seconds
        self._logger = logger or logging.getLogger("segments.bot.oauth")

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    def ensure_indexes(self) -> None:
        # The server removes expired states on its own; consume() also checks the time itself.
        self.states.create_index([("expire_at", ASCENDING)], expireAfterSeconds=0, name="ttl_expire")

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        expire_at = datetime.now(UTC) + timedelta(seconds=self.expiration_seconds)
        self.states.insert_one({"_id": state, "expire_at": expire_at})
        return state

    def consume(self, state: str) -> bool:
        doc = self.states.find_one_and_delete({"_id": state})
        if doc is None:
            self.logger.warning("OAuth state %s... is unknown or already used", state[:6])
            return False
        expire_at = doc["expire_at"]
        if expire_at.tzinfo is None:
            expire_at = expire_at.replace(tzinfo=UTC)
        return bool(expire_at > datetime.now(UTC))
