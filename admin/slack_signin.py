"""Sign in with Slack (OpenID Connect), for the single workspace the admin page belongs to.

The authorization code goes straight to Slack's ``openid.connect.token`` endpoint (slack_sdk's
``WebClient``, so tests point it at a stand-in with ``api_url``). The ID token comes back on that direct
TLS connection authenticated with our client secret, so, as OpenID Connect Core 3.1.3.7 allows, we rely
on TLS for its origin instead of fetching Slack's signing keys; we still check every claim Core 3.1.3.7
asks of the client: the issuer (``https://slack.com``), the audience (our client id, and when there are
several audiences the authorized party too), the expiry, and the nonce sent with the state in the
authorization URL; then the workspace.
"""

from __future__ import annotations

import base64
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth import OpenIDConnectAuthorizeUrlGenerator

from segcore.errors import SegmentError

SCOPES = ("openid", "profile", "email")
ISSUER = "https://slack.com"
TEAM_CLAIM = "https://slack.com/team_id"
USER_CLAIM = "https://slack.com/user_id"


class SignInRefused(SegmentError):
    """Slack did not vouch for this person as a member of our workspace; the message says why."""


@dataclass(frozen=True)
class SlackSignIn:
    """The Slack app's credentials (SLACK_CLIENT_ID / SLACK_CLIENT_SECRET) and, for tests, where Slack is."""

    client_id: str
    client_secret: str
    api_url: str | None = None  # WebClient base_url, ending in /api/; None means https://slack.com/api/
    authorize_url: str = "https://slack.com/openid/connect/authorize"

    def authorization_url(self, redirect_uri: str, state: str, nonce: str, team_id: str) -> str:
        generator = OpenIDConnectAuthorizeUrlGenerator(
            client_id=self.client_id, redirect_uri=redirect_uri, scopes=list(SCOPES),
            authorization_url=self.authorize_url,
        )
        return generator.generate(state=state, nonce=nonce, team=team_id)

    def identify(self, code: str, redirect_uri: str, nonce: str, team_id: str, now: datetime) -> SlackIdentity:
        """Trade the code for an ID token and return who signed in, or raise ``SignInRefused``."""
        client = WebClient(base_url=self.api_url) if self.api_url else WebClient()
        try:
            response = client.openid_connect_token(
                client_id=self.client_id, client_secret=self.client_secret, code=code, redirect_uri=redirect_uri
            )
        except SlackApiError as exc:
            raise SignInRefused(f"Slack did not sign you in ({exc.response.get('error', 'error')}).") from None
        claims = _claims(str(response.get("id_token") or ""))
        if claims.get("iss") != ISSUER:
            raise SignInRefused(f"That answer was not issued by Slack ({ISSUER}); sign in again.")
        audience = claims.get("aud")
        if audience != self.client_id and not (isinstance(audience, list) and self.client_id in audience):
            raise SignInRefused("Slack's answer was meant for another app.")
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != self.client_id:
            raise SignInRefused("Slack's answer was meant for another app.")
        if not isinstance(claims.get("exp"), int | float) or claims["exp"] < now.timestamp():
            raise SignInRefused("Slack's answer has expired; sign in again.")
        if not nonce or not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(
                claims["nonce"].encode(), nonce.encode()):
            raise SignInRefused("Slack's answer does not belong to this sign-in; sign in again.")
        if claims.get(TEAM_CLAIM) != team_id:
            raise SignInRefused("You signed in to another Slack workspace; this admin page belongs to one workspace.")
        return SlackIdentity(
            user_id=str(claims.get(USER_CLAIM) or claims.get("sub") or ""),
            name=str(claims.get("name") or ""),
            email=str(claims.get("email") or ""),
        )


@dataclass(frozen=True)
class SlackIdentity:
    user_id: str
    name: str
    email: str


def _claims(id_token: str) -> dict[str, Any]:
    parts = id_token.split(".")
    if len(parts) != 3:
        raise SignInRefused("Slack's answer had no usable ID token.")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except ValueError:
        raise SignInRefused("Slack's answer had no usable ID token.") from None
    if not isinstance(claims, dict):
        raise SignInRefused("Slack's answer had no usable ID token.")
    return claims
