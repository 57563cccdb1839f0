"""The campaigns page: every campaign, a form to create one, launch buttons."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from admin.api.campaigns import CHANNELS
from admin.auth import login_required
from admin.errors import ApiError
from admin.pages import bp
from admin.pages.common import workspace
from segcore.errors import SegmentError


@bp.get("/campaigns")
@login_required
def campaigns() -> str:
    ws = workspace()
    names = {s.id: s.name for s in ws.segments()}
    return render_template("campaigns.html", campaigns=ws.campaigns(), segment_names=names,
                           channels=CHANNELS, preselect=request.args.get("segment_id", ""))


@bp.post("/campaigns")
@login_required
def create_campaign() -> Response:
    ws = workspace()
    form = request.form
    channel = form.get("channel", "other")
    segment_id = form.get("segment_id", "")
    try:
        if channel not in CHANNELS:
            raise ApiError(422, f"Choose a channel: {', '.join(CHANNELS)}.")
        campaign = ws.create_campaign({
            "name": form.get("name", ""),
            "channel": channel,
            "message": form.get("message", "")[:5000],
            "segment_ids": (segment_id,) if segment_id else (),
        })
    except (ApiError, SegmentError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("pages.campaigns"))
    flash(f"Created campaign {campaign.name}.")
    if segment_id:
        return redirect(url_for("pages.segment", segment_id=segment_id))
    return redirect(url_for("pages.campaigns"))


@bp.post("/campaigns/<campaign_id>/launch")
@login_required
def launch_campaign(campaign_id: str) -> Response:
    try:
        campaign = workspace().launch(campaign_id)
    except (ApiError, SegmentError) as exc:
        flash(str(exc), "error")
    else:
        flash(f"Campaign {campaign.name} is {campaign.status}.")
    return redirect(url_for("pages.campaigns"))
