"""The API tokens page: make a token for this workspace (shown once), see and revoke the others.

On hosts without a shell (Render's smaller plans) this is how an admin gets a token; the
`segments token` commands do the same from a terminal.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from admin.auth import login_required
from admin.pages import bp
from admin.pages.common import services, workspace
from admin.tokens import TokenError, TokenStore


def _tokens() -> TokenStore:
    return TokenStore(services().store.db)


@bp.get("/tokens")
@login_required
def tokens() -> str:
    return render_template("tokens.html", tokens=_tokens().list(workspace().team_id), new_token=None)


@bp.post("/tokens")
@login_required
def create_token() -> str | tuple[str, int]:
    ws = workspace()
    store = _tokens()
    try:
        record, token = store.create(ws.team_id, request.form.get("name") or None, now=services().now())
    except TokenError as exc:
        return render_template("tokens.html", tokens=store.list(ws.team_id), new_token=None, error=str(exc)), 422
    ws.audit("api_token.create", record.id, {"name": record.name})
    # Rendered, not redirected: the token must never sit in a cookie or a URL.
    return render_template("tokens.html", tokens=store.list(ws.team_id), new_token=token, new_name=record.name)


@bp.post("/tokens/<token_id>/revoke")
@login_required
def revoke_token(token_id: str) -> Response:
    ws = workspace()
    try:
        record = _tokens().revoke(token_id, ws.team_id, now=services().now())
    except TokenError as exc:
        flash(str(exc), "error")
    else:
        ws.audit("api_token.revoke", record.id, {"name": record.name})
        flash(f"Revoked token {record.name}.")
    return redirect(url_for("pages.tokens"))
