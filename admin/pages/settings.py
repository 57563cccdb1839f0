"""The workspace settings page: the time zone its calendar words (today, last month, a date) are read in."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from admin.auth import login_required
from admin.pages import bp
from admin.pages.common import workspace
from segcore.timezones import InvalidTimeZone, all_zone_names


def _page(error: str | None = None, typed: str | None = None) -> str:
    ws = workspace()
    found = ws.store.workspaces.settings(ws.team_id)
    return render_template("settings.html", settings=found, default_zone=ws.store.workspaces.default_zone,
                           zones=all_zone_names(), error=error, typed=typed)


@bp.get("/settings")
@login_required
def settings() -> str:
    return _page()


@bp.post("/settings")
@login_required
def save_settings() -> Response | tuple[str, int]:
    ws = workspace()
    typed = request.form.get("time_zone", "")
    try:
        found = ws.store.workspaces.set_time_zone(ws.team_id, typed, ws.actor)
    except InvalidTimeZone as exc:
        return _page(str(exc), typed), 422
    flash(f"Calendar words are now read in {found.time_zone}"
          + (" (the server's default)." if found.time_zone_is_default else "."))
    return redirect(url_for("pages.settings"))
