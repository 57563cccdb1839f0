"""API tokens: one or more per workspace, shown once, kept only as a hash.

A token is 32 random bytes (``seg_`` + url-safe base64), kept as a SHA-256 (``admin.shown_once``). Tokens live here, beside the admin API that checks them, and not
in ``segcore``: they are about who may call the API, not about segments.

A token may carry scopes, stored beside its hash: ``pii`` (``segcore.privacy.PII_SCOPE``), the token reads
names and emails in full; ``launch`` (``segcore.campaigns.roles.LAUNCH_SCOPE``), the token may launch and
schedule campaigns. They are granted only from the command line (`segments token create --pii --launch`),
by whoever runs the server, never from the admin page: its password is shared, and a Slack user signed in
there must not be able to mint themselves a role they lack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from admin.shown_once import ShownOnceStore
from segcore.campaigns.roles import LAUNCH_SCOPE
from segcore.errors import SegmentError
from segcore.privacy import PII_SCOPE

COLLECTION = "api_tokens"
PREFIX = "seg_"
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


class TokenStore(ShownOnceStore[ApiToken]):
    """The ``api_tokens`` collection."""

    collection_name = COLLECTION
    prefix = PREFIX
    word = "token"
    command = "segments token"
    error = TokenError

    def record(self, doc: dict[str, Any]) -> ApiToken:
        return _from_doc(doc)

    def create(self, team_id: str, name: str | None = None, now: datetime | None = None,
               scopes: tuple[str, ...] = ()) -> tuple[ApiToken, str]:
        """A new token for ``team_id``; the plain token is returned once and never stored."""
        unknown = [s for s in scopes if s not in SCOPES]
        if unknown:
            raise TokenError(f"Unknown token scope {unknown[0]!r}; the scopes are {PII_SCOPE!r} (--pii) and "
                             f"{LAUNCH_SCOPE!r} (--launch).")
        return self._create(team_id, name, now, {"scopes": sorted(set(scopes))})
