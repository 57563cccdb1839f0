"""Home, the audit log and the health page."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response

from admin.api.health import database_answers
from admin.auth import login_required
from admin.pages import bp
from admin.pages.common import services, workspace


@bp.get("/")
def home() -> Response:
    return redirect(url_for("pages.segments"))


@bp.get("/audit")
@login_required
def audit() -> str:
    ws = workspace()
    entries = services().store.audit.list(ws.team_id, 200)
    # Targets are ids; show the names of those that still exist, with a link.
    links = {s.id: (s.name, url_for("pages.segment", segment_id=s.id)) for s in ws.segments()}
    links |= {c.id: (c.name, url_for("pages.campaigns")) for c in ws.campaigns()}
    return render_template("audit.html", entries=entries, links=links)


@bp.get("/health")
@login_required
def health() -> str:
    ok = database_answers()
    s = services()
    counts = {}
    if ok:
        ws = workspace()
        # From the mirror when it is fresh: on the embedded server MongoDB counts by reading everyone
        # (40 s at a million people).
        counts = {
            "users": s.engine.workspace_size(ws.team_id).size,
            "segments": len(ws.segments()),
            "campaigns": len(ws.campaigns()),
        }
    return render_template("health.html", ok=ok, counts=counts, team_id=s.team_id, now=s.now())
