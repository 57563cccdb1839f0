"""API tokens: one or more per workspace, shown once, kept only as a hash.

A token is 32 random bytes (``seg_`` + url-safe base64). Because it is random and long, a plain SHA-256 of
it is enough at rest: there is nothing to brute-force the way there is with a password, and the hash lets
us look a token up in one indexed query. Tokens live here, beside the admin API that checks them, and not
in ``segcore``: they are about who may call the API, not about segments.

A token may carry scopes, stored beside its hash: ``pii`` (``segcore.privacy.PII_SCOPE``), the token reads
names and emails in full; ``launch`` (``segcore.campaigns.roles.LAUNCH_SCOPE``), the token may launch and
schedule campaigns. They are granted only from the command line (`segments token create --pii --launch`),
by whoever runs the server, never from the admin page: its password is shared, and a Slack user signed in
there must not be able to mint themselves a role they lack.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from segcore.campaigns.roles import LAUNCH_SCOPE
from segcore.errors import SegmentError
from segcore.privacy import PII_SCOPE

COLLECTION = "api_tokens"
PREFIX = "seg_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")
SCOPES = (PII_SCOPE, LAUNCH_SCOPE)


class TokenError(SegmentError):
    """A token could not be created, found or revoked; the message says why."""


@dataclass(frozen=True)
class ApiToken:
    """What we keep about a token: never the token itself."""

    id: str
    team_id: str
    name: str
    hint: str  # the first characters, so a person can tell their tokens apart
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    scopes: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def reads_pii(self) -> bool:
        return PII_SCOPE in self.scopes

    @property
    def launches(self) -> bool:
        return LAUNCH_SCOPE in self.scopes


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _from_doc(doc: dict[str, Any]) -> ApiToken:
    return ApiToken(
        id=doc["_id"],
        team_id=doc["team_id"],
        name=doc["name"],
        hint=doc["hint"],
        created_at=doc["created_at"],
        last_used_at=doc.get("last_used_at"),
        revoked_at=doc.get("revoked_at"),
        # Tokens made before scopes existed have none: they read masked data, as they always did, and
        # cannot launch (before the launch scope every token could; see SECURITY.md).
        scopes=tuple(str(s) for s in doc.get("scopes") or ()),
    )


class TokenStore:
    """The ``api_tokens`` collection."""

    def __init__(self, db: Database[dict[str, Any]]) -> None:
        self.collection = db[COLLECTION]

    def ensure_indexes(self) -> None:
        self.collection.create_index([("hash", ASCENDING)], unique=True, name="hash_unique")
        self.collection.create_index([("team_id", ASCENDING), ("name", ASCENDING)], name="team_name")

    def create(self, team_id: str, name: str | None = None, now: datetime | None = None,
               scopes: tuple[str, ...] = ()) -> tuple[ApiToken, str]:
        """A new token for ``team_id``; the plain token is returned once and never stored."""
        if not isinstance(team_id, str) or not team_id.strip():
            raise TokenError("A token needs a workspace: give --team with the Slack team id, e.g. T0123ABC.")
        unknown = [s for s in scopes if s not in SCOPES]
        if unknown:
            raise TokenError(f"Unknown token scope {unknown[0]!r}; the scopes are {PII_SCOPE!r} (--pii) and "
                             f"{LAUNCH_SCOPE!r} (--launch).")
        now = now or datetime.now(UTC)
        name = (name or f"token-{now:%Y%m%d-%H%M%S}").strip()
        if not _NAME.match(name):
            raise TokenError(
                f"Token name {name!r} is not allowed: use up to 64 letters, digits, spaces, dots, dashes or "
                "underscores, starting with a letter or digit."
            )
        if self.collection.find_one({"team_id": team_id, "name": name, "revoked_at": None}):
            raise TokenError(f"Workspace {team_id} already has an active token named {name!r}; pick another name.")
        token = PREFIX + secrets.token_urlsafe(32)
        doc = {
            "_id": uuid.uuid4().hex,
            "team_id": team_id,
            "name": name,
            "hash": hash_token(token),
            "hint": token[: len(PREFIX) + 4],
            "created_at": now,
            "last_used_at": None,
            "revoked_at": None,
            "scopes": sorted(set(scopes)),
        }
        self.collection.insert_one(doc)
        return _from_doc(doc), token

    def list(self, team_id: str | None = None, include_revoked: bool = False) -> list[ApiToken]:
        query: dict[str, Any] = {} if team_id is None else {"team_id": team_id}
        if not include_revoked:
            query["revoked_at"] = None
        return [_from_doc(d) for d in self.collection.find(query).sort([("team_id", 1), ("created_at", 1)])]

    def revoke(self, id_or_name: str, team_id: str | None = None, now: datetime | None = None) -> ApiToken:
        """Revoke one active token by id or name; a name used in several workspaces needs ``team_id``."""
        query: dict[str, Any] = {"revoked_at": None, "$or": [{"_id": id_or_name}, {"name": id_or_name}]}
        if team_id is not None:
            query["team_id"] = team_id
        found = list(self.collection.find(query).limit(3))
        if not found:
            raise TokenError(f"No active token with id or name {id_or_name!r}. `segments token list` shows them.")
        if len(found) > 1:
            raise TokenError(
                f"{id_or_name!r} names active tokens in more than one workspace; revoke by id or add --team."
            )
        doc = found[0]
        doc["revoked_at"] = now or datetime.now(UTC)
        self.collection.update_one({"_id": doc["_id"]}, {"$set": {"revoked_at": doc["revoked_at"]}})
        return _from_doc(doc)

    def verify(self, token: str, now: datetime | None = None) -> ApiToken | None:
        """The active token matching ``token``, or None. Looking up by hash compares no secrets in Python."""
        if not token.startswith(PREFIX) or len(token) > 200:
            return None
        doc = self.collection.find_one({"hash": hash_token(token), "revoked_at": None})
        if doc is None:
            return None
        moment = now or datetime.now(UTC)
        last = doc.get("last_used_at")
        # Record use at most once a minute: a busy integration should not write on every call.
        if last is None or (moment - last).total_seconds() > 60:
            self.collection.update_one({"_id": doc["_id"]}, {"$set": {"last_used_at": moment}})
            doc["last_used_at"] = moment
        return _from_doc(doc)
