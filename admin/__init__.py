"""The admin web page, the JSON API and the event endpoints (/v1): a Flask app factory with four blueprints.

``create_app(services)`` is called by the composition root (``segments serve`` / ``segments.wsgi``), which
mounts the Slack endpoint on the same app; this package never imports ``bot``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask.wrappers import Response
from pymongo.errors import PyMongoError
from werkzeug.middleware.proxy_fix import ProxyFix

from admin.auth import FailedLogins, check_csrf, csrf_token
from admin.errors import register_error_handlers
from admin.services import AdminServices
from admin.tokens import TokenStore
from admin.tracking.keys import SourceStore

__all__ = ["AdminServices", "create_app"]

log = logging.getLogger(__name__)

# Rule JSON, a campaign or a page of users: 2 MB is far above any valid request (1,000 users a batch).
MAX_BODY_BYTES = 2 * 1024 * 1024


class _SessionInterface(SecureCookieSessionInterface):
    """Session cookies are Secure whenever the request came over https, or always when configured."""

    def get_cookie_secure(self, app: Flask) -> bool:
        forced = bool(app.config.get("SESSION_COOKIE_SECURE"))
        return forced or (has_request_context() and request.is_secure)


def create_app(services: AdminServices, config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=services.secret_key,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        MAX_FORM_MEMORY_SIZE=MAX_BODY_BYTES,
        SESSION_COOKIE_NAME="segments_admin",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,  # still Secure on https requests: see _SessionInterface
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        LOGIN_MAX_FAILURES=5,
        LOGIN_WINDOW_SECONDS=300,
    )
    if config:
        app.config.from_mapping(config)
    if not app.config["SECRET_KEY"]:
        raise ValueError("The admin app needs a secret key (SEGMENTS_SECRET_KEY) to sign its sessions.")
    app.session_interface = _SessionInterface()
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if services.trusted_proxies:
        n = services.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    app.extensions["segments"] = services
    app.extensions["segments_failed_logins"] = failed_logins = FailedLogins(services.store.db["failed_logins"])
    try:
        TokenStore(services.store.db).ensure_indexes()
        failed_logins.ensure_indexes()
    except PyMongoError:
        # Start anyway: /api/health reports the database, and the indexes are made on the next start.
        log.warning("could not create the api_tokens and failed_logins indexes; is the database up?", exc_info=True)

    try:
        SourceStore(services.store.db).ensure_indexes()
    except PyMongoError:
        log.warning("could not create the write_keys indexes; is the database up?", exc_info=True)

    from admin import api, auth, pages, tracking

    app.register_blueprint(api.bp)
    app.register_blueprint(tracking.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    app.before_request(check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
    register_error_handlers(app)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        return response

    return app

