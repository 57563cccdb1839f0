"""Signing in to the admin page: one password for the single workspace, a session cookie, CSRF tokens.

With ``AdminServices.slack_sign_in`` set, "Sign in with Slack" (OpenID Connect) signs in members of the
workspace too; without it its routes answer 404.
Sign-in attempts are limited per client address (``LOGIN_MAX_FAILURES`` in ``LOGIN_WINDOW_SECONDS``; a right
password clears the count), counted in the database in one atomic step before the password is compared, so
that every gunicorn worker and every instance shares one count and parallel guesses cannot exceed it, and in
this process's memory too, so that the limit still holds per worker while the database is not answering.
"""

from __future__ import annotations

import functools
import hmac
import logging
import math
import secrets
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from pymongo import ASCENDING, ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError, PyMongoError
from werkzeug.wrappers import Response

from admin.errors import ApiError
from admin.slack_signin import SignInRefused, SlackSignIn
from segcore.campaigns.roles import Caller
from segcore.privacy import may_see_pii

bp = Blueprint("auth", __name__, url_prefix="/auth")
log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
CSRF_FIELD = "csrf_token"
CSRF_BLUEPRINTS = ("auth", "pages")
# Who the audit log names for what the password admin does: the password names no one.
PASSWORD_ACTOR = "admin password"


class FailedLogins:
    """Sign-in attempts per client address, limited to ``limit`` in each window of ``window`` seconds.

    In the database (shared by every worker and instance) the count is one counter document per address
    and window, ``{key, window_start, count, expires_at}``: every attempt adds one with ``$inc`` and reads
    the result back in the same step (``find_one_and_update``, upsert, the document after), *before* the
    password is compared, so guesses sent in parallel cannot slip between a check and a record: the
    ``limit + 1``-th attempt of a window sees a count over the limit and is refused uncompared. A right
    password clears the address. The windows are fixed (aligned on multiples of ``window`` seconds), so at
    a window's edge two windows' worth can arrive close together; over time it is still ``limit`` a window.

    The attempts let through are kept in this process's memory (a sliding window) too, and it refuses once
    they reach the limit, so a database that is down never lifts the limit, it only narrows it to this
    process.
    """

    def __init__(self, collection: Collection[dict[str, Any]] | None = None) -> None:
        self._lock = threading.Lock()
        self._attempts: dict[str, deque[datetime]] = {}
        self._collection = collection

    def ensure_indexes(self) -> None:
        if self._collection is None:
            return
        self._collection.create_index([("key", ASCENDING), ("window_start", ASCENDING)], unique=True,
                                      name="key_window")
        # Counters go by themselves when their window ends (within about a minute, like mongod's TTL).
        self._collection.create_index("expires_at", expireAfterSeconds=0, name="expire_with_window")

    def _shared(self, key: str, now: datetime, limit: int, window: float) -> int | None:
        if self._collection is None:
            return None
        start = now.timestamp() - now.timestamp() % window
        window_start = datetime.fromtimestamp(start, UTC)
        # Reaped when its window is over, and never sooner than a window from the wall clock, so a counter
        # counted on a clock of its own (a test's, a skewed host's) is not reaped while it is still in use.
        expires_at = max(datetime.fromtimestamp(start + window, UTC),
                         datetime.now(UTC) + timedelta(seconds=window))
        update = {"$inc": {"count": 1}, "$setOnInsert": {"expires_at": expires_at}}
        counter: dict[str, Any] | None = None
        try:
            for _ in range(2):
                try:
                    counter = self._collection.find_one_and_update(
                        {"key": key, "window_start": window_start}, update, upsert=True,
                        return_document=ReturnDocument.AFTER)
                    break
                except DuplicateKeyError:
                    continue  # two first attempts of a window upserted at once; the counter exists now
        except PyMongoError as exc:
            log.warning("failed sign-ins: the shared count is not answering (%s); counting in this process",
                        type(exc).__name__)
            return None
        if counter is None:
            log.warning("failed sign-ins: the shared counter could not be created; counting in this process")
            return None
        if counter["count"] <= limit:
            return 0
        return max(1, math.ceil(start + window - now.timestamp()))

    def attempt(self, key: str, now: datetime, limit: int, window: float) -> int:
        """Count one sign-in attempt by ``key``: 0 when its password may be compared, otherwise the seconds
        until it may try again (the attempt is refused and nothing is compared)."""
        shared = self._shared(key, now, limit, window)
        with self._lock:
            moments = self._attempts.setdefault(key, deque())
            while moments and (now - moments[0]).total_seconds() >= window:
                moments.popleft()
            local = 0
            if len(moments) >= limit:
                # The limit-th most recent attempt is the one whose ageing out lets the next one in.
                local = max(1, int(window - (now - moments[-limit]).total_seconds()) + 1)
            wait = local if shared is None else max(shared, local)
            if not wait:
                # Only attempts that go on to be compared: this process's count never undercuts the shared
                # one, and alone (the database down) it still lets through at most the limit.
                moments.append(now)
            return wait

    def clear(self, key: str) -> None:
        with self._lock:
            self._attempts.pop(key, None)
        if self._collection is not None:
            try:
                self._collection.delete_many({"key": key})
            except PyMongoError as exc:
                log.warning("failed sign-ins: could not clear the shared count (%s)", type(exc).__name__)


def password_matches(given: str, expected: str) -> bool:
    """The one place a sign-in password is compared (in constant time)."""
    return hmac.compare_digest(given.encode(), expected.encode())


def csrf_token() -> str:
    """The session's CSRF token (made on first use); every form posts it back."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def check_csrf() -> None:
    """Before every unsafe request outside /api: the form's token must match the session's."""
    # Only our own forms: the API uses bearer tokens, and blueprints mounted beside us (the Slack
    # endpoint) authenticate their requests their own way.
    if request.method in ("GET", "HEAD", "OPTIONS") or request.blueprint not in CSRF_BLUEPRINTS:
        return
    sent = request.form.get(CSRF_FIELD, "")
    expected = session.get(CSRF_FIELD)
    if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise ApiError(400, "This form has expired or did not come from this site. Reload the page and try again.",
                       "csrf")


def login_required(view: F) -> F:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not session.get("signed_in"):
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        services = current_app.extensions["segments"]
        g.team_id = services.team_id
        g.actor = session.get("actor", "admin")
        # Decided on every request, so removing someone from SEGMENTS_PII_VIEWERS takes effect at once;
        # the password names no one, so a password session never qualifies.
        g.pii = may_see_pii(session.get("slack_user_id"), services.pii_viewers)
        # Also decided from the session on every request (roles live in the configuration, not the cookie).
        g.caller = session_caller()
        return view(*args, **kwargs)

    return cast(F, wrapped)


def session_caller() -> Caller:
    """Who signed in, for ``segcore.campaigns.roles.may_launch``: the password admin or a Slack user."""
    method = session.get("signed_in_with")
    if method is None:
        # Sessions started before the method was recorded: only the password ever signed in as "admin".
        method = "password" if session.get("actor") == "admin" else "slack"
    if method == "password":
        return Caller.password()
    return Caller.slack_user(session.get("slack_user_id"))


def _safe_next(target: str | None) -> str:
    # Only paths on this site: never redirect a signed-in admin to another host.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("pages.segments")


@bp.route("/login", methods=("GET", "POST"))
def login() -> Response | str | tuple[str, int, dict[str, str]]:
    services = current_app.extensions["segments"]
    configured = bool(services.admin_password)
    if request.method == "GET":
        return _login_page(next=request.args.get("next", ""))
    limiter: FailedLogins = current_app.extensions["segments_failed_logins"]
    key = request.remote_addr or "unknown"
    now = services.now()
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    window = current_app.config["LOGIN_WINDOW_SECONDS"]
    # Counted before the password is looked at: one atomic step, so parallel guesses cannot exceed it.
    wait = limiter.attempt(key, now, limit, window)
    if wait:
        message = f"Too many failed sign-ins. Try again in {wait} seconds."
        return _login_page(error=message), 429, {"Retry-After": str(wait)}
    password = request.form.get("password", "")
    if not configured or not password_matches(password, str(services.admin_password)):
        message = ("Sign-in is switched off: set SEGMENTS_ADMIN_PASSWORD." if not configured
                   else "That password is not right.")
        return _login_page(error=message), 401, {}
    limiter.clear(key)
    _start_session(PASSWORD_ACTOR, {"ip": key, "with": "password"})
    return redirect(_safe_next(request.form.get("next")))


def _login_page(**context: Any) -> str:
    services = current_app.extensions["segments"]
    return render_template("login.html", configured=bool(services.admin_password),
                           slack=services.slack_sign_in is not None, **context)


def _start_session(actor: str, details: dict[str, Any], slack_user_id: str | None = None) -> None:
    services = current_app.extensions["segments"]
    session.clear()  # a fresh session on sign-in: no fixation of an earlier one
    session["signed_in"] = True
    session["actor"] = actor
    session["signed_in_with"] = "slack" if slack_user_id else "password"
    if slack_user_id:
        session["slack_user_id"] = slack_user_id
    session.permanent = True
    csrf_token()
    services.store.audit.record(services.team_id, actor, "admin.signed_in", "admin", details)
    flash("Signed in.")


def _slack() -> SlackSignIn:
    found: SlackSignIn | None = current_app.extensions["segments"].slack_sign_in
    if found is None:
        abort(404)
    return found


@bp.get("/slack")
def slack() -> Response:
    """Send the browser to Slack, remembering a state (against forged callbacks) and a nonce."""
    sign_in = _slack()
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    session["slack_sign_in"] = {"state": state, "nonce": nonce, "next": request.args.get("next", "")}
    team_id = current_app.extensions["segments"].team_id
    return redirect(sign_in.authorization_url(_callback_url(), state, nonce, team_id))


@bp.get("/slack/callback")
def slack_callback() -> Response | tuple[str, int]:
    sign_in = _slack()
    services = current_app.extensions["segments"]
    pending = session.pop("slack_sign_in", None)
    state = request.args.get("state", "")
    if not isinstance(pending, dict) or not hmac.compare_digest(state.encode(), str(pending.get("state")).encode()):
        return _login_page(error="That sign-in link has expired or was not started here. Try again."), 400
    if request.args.get("error") or not request.args.get("code"):
        return _login_page(error="Slack sign-in was cancelled."), 401
    try:
        who = sign_in.identify(request.args["code"], _callback_url(), str(pending.get("nonce")),
                               services.team_id, services.now())
    except SignInRefused as exc:
        return _login_page(error=str(exc)), 403
    _start_session(f"slack:{who.user_id}", {"with": "slack", "name": who.name, "email": who.email}, who.user_id)
    return redirect(_safe_next(str(pending.get("next") or "")))


def _callback_url() -> str:
    return url_for("auth.slack_callback", _external=True)


@bp.post("/logout")
def logout() -> Response:
    session.clear()
    flash("Signed out.")
    return redirect(url_for("auth.login"))
