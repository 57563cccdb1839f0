"""What the Slack app needs from the rest of the product, and its configuration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from segcore.audience import AudienceEngine
from segcore.catalog import FieldCatalog
from segcore.reading import Reading
from segcore.storage.database import Store

SLACK_API_URL = "https://slack.com/api/"
# The bot scopes manifest.yml declares; an OAuth install asks for the same.
BOT_SCOPES = ("app_mentions:read", "chat:write", "commands", "im:history", "im:write", "files:write")


@dataclass
class BotServices:
    """The domain the handlers stand on; the composition root builds it, tests build their own.

    ``interpret(text, team_id)`` reads a request (``segcore.interpret`` with the workspace's catalog and
    clock); ``client_factory(token)`` builds a Slack ``WebClient`` for the configured API base URL.
    """

    store: Store
    engine: AudienceEngine
    catalog: FieldCatalog
    now: Callable[[], datetime]
    interpret: Callable[[str, str], Reading]
    client_factory: Callable[[str | None], WebClient]


@dataclass(frozen=True)
class OAuthConfig:
    """Multi-workspace install through Slack's OAuth flow (installations kept in MongoDB).

    ``scopes`` default to the bot scopes manifest.yml declares."""

    client_id: str
    client_secret: str
    scopes: tuple[str, ...] = BOT_SCOPES
    user_scopes: tuple[str, ...] = ()
    redirect_uri: str | None = None
    install_path: str = "/slack/install"
    redirect_uri_path: str = "/slack/oauth_redirect"
    state_expiration_seconds: int = 600


@dataclass(frozen=True)
class BotConfig:
    """``team_id`` is the workspace whose data a single-workspace install serves (SLACK_TEAM_ID).

    ``verify_workspace`` calls auth.test when the app is built and checks the token's workspace against
    ``team_id``; tests that run without a Slack stand-in at build time turn it off.
    """

    bot_token: str | None
    signing_secret: str
    team_id: str = "local"
    api_url: str = SLACK_API_URL
    process_before_response: bool = False
    verify_workspace: bool = True
    oauth: OAuthConfig | None = None
    campaign_managers: tuple[str, ...] = field(default_factory=tuple)
    workers: int = 16  # requests worked on at once after their ack (counting, sampling, saving)

    def __post_init__(self) -> None:
        if not self.api_url.endswith("/api/"):
            raise ValueError(f"SLACK_API_URL must end with /api/ (got {self.api_url!r}), e.g. https://slack.com/api/")
        if not self.signing_secret:
            raise ValueError("SLACK_SIGNING_SECRET is required: Slack requests are always verified.")
        if self.oauth is None and not self.bot_token:
            raise ValueError("Set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID/SECRET (OAuth).")


def bot_config_from_settings(settings: Any, campaign_managers: tuple[str, ...] = ()) -> BotConfig | None:
    """The Slack configuration from ``segments.config.Settings`` (read duck-typed: bot never imports
    segments), or None when Slack is not configured (no signing secret, or neither a bot token nor OAuth)."""
    secret = getattr(settings, "slack_signing_secret", None)
    token = getattr(settings, "slack_bot_token", None)
    client_id = getattr(settings, "slack_client_id", None)
    client_secret = getattr(settings, "slack_client_secret", None)
    oauth = OAuthConfig(client_id, client_secret) if client_id and client_secret else None
    if not secret or not (token or oauth):
        return None
    return BotConfig(
        bot_token=token,
        signing_secret=secret,
        team_id=getattr(settings, "team_id", None) or "local",
        api_url=getattr(settings, "slack_api_url", None) or SLACK_API_URL,
        oauth=oauth if not token else None,
        campaign_managers=tuple(campaign_managers),
    )


def retry_handlers() -> list[RetryHandler]:
    """Slack's 429 (waits its Retry-After) and 5xx are retried, so a busy Slack delays an answer instead of
    replacing it with an error; a failure that lasts still reaches the user's log line with a reference."""
    return [ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2)]


def default_client_factory(api_url: str = SLACK_API_URL) -> Callable[[str | None], WebClient]:
    def build(token: str | None) -> WebClient:
        return WebClient(token=token, base_url=api_url, timeout=10, retry_handlers=retry_handlers())

    return build
