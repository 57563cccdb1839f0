"""What the admin app needs from the rest of the product, handed in by the composition root.

The app never builds its own database connection or reads the environment: ``segments serve`` (and the
tests) construct an ``AdminServices`` and pass it to ``create_app``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from admin.slack_signin import SlackSignIn
from segcore.catalog import FieldCatalog
from segcore.ratelimit import RateLimiter
from segcore.reading import Reading

if TYPE_CHECKING:
    from segcore.audience import AudienceEngine
    from segcore.storage.campaigns import Campaign
    from segcore.storage.database import Store

# (team_id, campaign_id, actor, holdout_percent=None) -> the campaign after launching; the real launcher
# (Services.launch_campaign: freeze, then deliver) plugs in here. holdout_percent is passed only when given.
LaunchFn = Callable[..., "Campaign"]


@dataclass(frozen=True)
class AdminServices:
    """The parts the admin page and the JSON API run on.

    ``interpret(text, team_id)`` reads a marketer's text into a validated ``Reading`` (the composition root
    binds catalog, clock and engine). ``team_id`` is the single workspace the admin page signs in to; API
    tokens carry their own workspace. ``launch``, when given, really launches a campaign; without it the
    launch endpoint only moves the campaign's status. ``trusted_proxies`` is how many reverse proxies
    (Render has one) may set ``X-Forwarded-*`` headers, so https is recognised for secure cookies.
    ``slack_sign_in``, when given, adds "Sign in with Slack" (OpenID Connect) for members of ``team_id``.
    ``pii_viewers`` are the Slack user ids who, signed in with Slack, see names and emails in full.
    ``campaign_managers`` (SEGMENTS_CAMPAIGN_MANAGERS) are the Slack user ids who, signed in with Slack, may
    launch campaigns; the password admin always may, API tokens when they have the launch scope
    (``segcore.campaigns.roles.may_launch`` decides).
    ``mirror_status``, when given, reports the audience mirror in ``/api/health``.
    """

    store: Store
    engine: AudienceEngine
    catalog: FieldCatalog
    now: Callable[[], datetime]
    interpret: Callable[[str, str], Reading]
    team_id: str
    admin_password: str | None
    secret_key: str
    launch: LaunchFn | None = None
    trusted_proxies: int = 0
    slack_sign_in: SlackSignIn | None = None
    pii_viewers: tuple[str, ...] = ()
    campaign_managers: tuple[str, ...] = ()
    # The audience mirror's status (segcore.mirror.UserMirror.status), shown by /api/health; None: no mirror.
    mirror_status: Callable[[], dict[str, Any]] | None = None
    # Requests a second per API token on /api and per write key on /v1 (SECURITY.md); None: not limited.
    api_rate_limit: RateLimiter | None = None
    event_rate_limit: RateLimiter | None = None
