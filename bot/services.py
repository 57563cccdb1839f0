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

# (team_id, campaign_id, actor, holdout_percent) -> anything; the launch's numbers are read back from
# segcore.campaigns.launch_state, so a launcher that also delivers (Services.launch_campaign) fits.
LaunchFn = Callable[[str, str, str, "float | None"], Any]


@dataclass
class BotServices:
    """The domain the handlers stand on; the composition root builds it, tests build their own.

    ``interpret(text, team_id)`` reads a request (``segcore.interpret`` with the workspace's catalog and
    clock); ``client_factory(token)`` builds a Slack ``WebClient`` for the configured API base URL.
    ``launch``, when given, launches a campaign (the composition root passes one that freezes the audience
    and delivers it through the webhook); without it ``launch_campaign`` calls ``segcore.campaigns.launch``.
    """

    store: Store
    engine: AudienceEngine
    catalog: FieldCatalog
    now: Callable[[], datetime]
    interpret: Callable[[str, str], Reading]
    client_factory: Callable[[str | None], WebClient]
    launch: LaunchFn | None = None

    def launch_campaign(self, team_id: str, campaign_id: str, actor: str, holdout_percent: float | None) -> None:
        if self.launch is not None:
            self.launch(team_id, campaign_id, actor, holdout_percent)
            return
        from segcore.campaigns import launch

        launch(self.store, team_id, campaign_id, self.now(), actor, holdout_percent)


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
    pii_viewers: tuple[str, ...] = field(default_factory=tuple)  # may see names and emails in full
    workers: int = 8  # requests worked on at once after their ack (counting, sampling, saving)

    def __post_init__(self) -> None:
        if not self.api_url.endswith("/api/"):
            raise ValueError(f"SLACK_API_URL must end with /api/ (got {self.api_url!r}), e.g. https://slack.com/api/")
        if not self.signing_secret:
            raise ValueError("SLACK_SIGNING_SECRET is required: Slack requests are always verified.")
        if self.oauth is None and not self.bot_token:
            raise ValueError("Set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID/SECRET (OAuth).")


def retry_handlers() -> list[RetryHandler]:
    """Slack's 429 (waits its Retry-After) and 5xx are retried, so a busy Slack delays an answer instead of
    replacing it with an error; a failure that lasts still reaches the user's log line with a reference."""
    return [ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2)]


def default_client_factory(api_url: str = SLACK_API_URL) -> Callable[[str | None], WebClient]:
    def build(token: str | None) -> WebClient:
        return WebClient(token=token, base_url=api_url, timeout=10, retry_handlers=retry_handlers())

    return build
