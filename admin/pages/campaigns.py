"""The campaigns page: every campaign, a form to create one, launch buttons."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from admin.api.campaigns import CHANNELS, csv_response
from admin.auth import login_required
from admin.errors import ApiError
from admin.pages import bp
from admin.pages.common import services, workspace
from segcore.campaigns import LaunchError
from segcore.campaigns.holdout import check_holdout_percent
from segcore.errors import SegmentError


@bp.get("/campaigns")
@login_required
def campaigns() -> str:
    ws = workspace()
    names = {s.id: s.name for s in ws.segments()}
    return render_template("campaigns.html", campaigns=ws.campaigns(), segment_names=names,
                           channels=CHANNELS, preselect=request.args.get("segment_id", ""),
                           may_launch=ws.may_launch, launch_refusal=ws.launch_refusal)


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


def _campaign_or_404(ws: Any, campaign_id: str) -> Any:
    try:
        return ws.campaign(campaign_id)
    except ApiError:
        abort(404)


def _holdout(raw: str | None) -> float | None:
    """The form's holdout percentage; empty means none. A bad value is the launch's clear error."""
    if raw is None or not raw.strip():
        return None
    try:
        return check_holdout_percent(float(raw))
    except ValueError:
        raise LaunchError(f"Holdout {raw.strip()[:20]!r} is not a number; give a percentage from 0 to 50.") from None


@bp.get("/campaigns/<campaign_id>")
@login_required
def campaign(campaign_id: str) -> str:
    """One campaign: its facts, the launch checklist with a Launch button, or what its launch froze."""
    ws = workspace()
    found = _campaign_or_404(ws, campaign_id)
    names = {s.id: s.name for s in ws.segments()}
    checklist, problem = None, None
    holdout_text = request.args.get("holdout", "")
    if found.status in ("draft", "scheduled", "failed"):
        try:
            checklist = ws.checklist(campaign_id, _holdout(holdout_text))
        except SegmentError as exc:
            problem = str(exc)
    return render_template("campaign.html", campaign=found, segment_names=names, checklist=checklist,
                           revealed=ws.reveal_pii,
                           problem=problem, holdout=holdout_text, state=ws.launch_state(campaign_id),
                           launcher=services().launch is not None, may_launch=ws.may_launch,
                           launch_refusal=ws.launch_refusal)


@bp.get("/campaigns/<campaign_id>/audience.csv")
@login_required
def audience_csv(campaign_id: str) -> Response:
    ws = workspace()
    _campaign_or_404(ws, campaign_id)
    return csv_response(ws.audience_csv(campaign_id), campaign_id)


@bp.post("/campaigns/<campaign_id>/launch")
@login_required
def launch_campaign(campaign_id: str) -> Response:
    try:
        campaign = workspace().launch(campaign_id, _holdout(request.form.get("holdout")))
    except (ApiError, SegmentError) as exc:
        flash(str(exc), "error")
    else:
        flash(f"Campaign {campaign.name} is {campaign.status}.")
    if request.form.get("back") == "campaign":
        return redirect(url_for("pages.campaign", campaign_id=campaign_id))
    return redirect(url_for("pages.campaigns"))
