"""The JSON API under /api. Every route needs ``Authorization: Bearer <token>`` except the health check
(load balancers call it without credentials) and the OpenAPI description (it holds no data)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, request

from admin.errors import ApiError
from admin.tokens import TokenStore
from segcore.campaigns.roles import Caller
from segcore.privacy import may_see_pii
from segcore.ratelimit import retry_after

bp = Blueprint("api", __name__, url_prefix="/api")

PUBLIC_ENDPOINTS = {"api.health", "api.openapi"}


@bp.before_request
def authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Send an API token: Authorization: Bearer <token> "
                            "(create one with `segments token create --team TEAM`).")
    services = current_app.extensions["segments"]
    found = TokenStore(services.store.db).verify(token.strip(), services.now())
    if found is None:
        raise ApiError(401, "That API token is not valid or has been revoked.")
    limiter = services.api_rate_limit
    wait = limiter.take(found.id) if limiter is not None else 0.0
    if wait:
        raise ApiError(429, f"Too many requests with this token (at most {limiter.rate:g} a second); "
                            "try again after the Retry-After header's seconds.",
                       headers={"Retry-After": retry_after(wait)})
    g.team_id = found.team_id
    g.actor = f"api:{found.name}"
    g.pii = may_see_pii(scopes=found.scopes)
    g.caller = Caller.token(found.scopes)


from admin.api import (  # noqa: E402
    campaigns,
    diff,
    health,
    openapi,
    segments,
    users,
    whatif,
    why,
    workspace_settings,
)

__all__ = ["bp", "campaigns", "diff", "health", "openapi", "segments", "users", "whatif", "why", "workspace_settings"]
