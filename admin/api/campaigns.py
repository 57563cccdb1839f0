"""Campaigns over JSON: list, create, read, change, attach to a segment, launch, delete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, jsonify, request

from admin.api import bp
from admin.api.payload import expect_id_list, expect_moment, expect_string, json_object, json_type
from admin.errors import ApiError
from admin.present import campaign_json
from admin.workspace import Workspace, for_request
from segcore.campaigns.holdout import MAX_HOLDOUT_PERCENT, check_holdout_percent

CHANNELS = ("email", "sms", "push", "other")
EDITABLE = ("name", "channel", "message", "schedule_at")


def workspace() -> Workspace:
    return for_request(current_app.extensions["segments"])


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "name" in data:
        fields["name"] = expect_string(data, "name", 100)
    if "channel" in data:
        fields["channel"] = expect_string(data, "channel", 10, CHANNELS)
    if "message" in data:
        fields["message"] = expect_string(data, "message", 5000)
    if "schedule_at" in data:
        fields["schedule_at"] = expect_moment(data, "schedule_at")
    if "segment_ids" in data:
        fields["segment_ids"] = expect_id_list(data, "segment_ids")
    return fields


@bp.get("/campaigns")
def list_campaigns() -> Response:
    return jsonify({"campaigns": [campaign_json(c) for c in workspace().campaigns()]})


@bp.post("/campaigns")
def create_campaign() -> tuple[Response, int]:
    data = json_object((*EDITABLE, "segment_ids"), required=("name",))
    campaign = workspace().create_campaign(_fields(data))
    response = jsonify(campaign_json(campaign))
    response.headers["Location"] = f"/api/campaigns/{campaign.id}"
    return response, 201


@bp.get("/campaigns/<campaign_id>")
def get_campaign(campaign_id: str) -> Response:
    return jsonify(campaign_json(workspace().campaign(campaign_id)))


@bp.patch("/campaigns/<campaign_id>")
def update_campaign(campaign_id: str) -> Response:
    ws = workspace()
    ws.campaign(campaign_id)
    data = json_object(EDITABLE)
    return jsonify(campaign_json(ws.update_campaign(campaign_id, _fields(data))))


@bp.delete("/campaigns/<campaign_id>")
def delete_campaign(campaign_id: str) -> tuple[str, int]:
    workspace().delete_campaign(campaign_id)
    return "", 204


@bp.post("/campaigns/<campaign_id>/segments")
def attach_segment(campaign_id: str) -> Response:
    ws = workspace()
    ws.campaign(campaign_id)
    data = json_object(("segment_id",), required=("segment_id",))
    segment_id = expect_string(data, "segment_id", 200)
    return jsonify(campaign_json(ws.attach(campaign_id, segment_id)))


@bp.get("/campaigns/<campaign_id>/audience.csv")
def audience_csv(campaign_id: str) -> Response:
    return csv_response(workspace().audience_csv(campaign_id), campaign_id)


def csv_response(lines: Iterator[str], campaign_id: str) -> Response:
    """Streamed: a frozen audience can be large. The first line is read here, so a failure is a clean error."""
    first = next(lines)

    def body() -> Iterator[str]:
        yield first
        yield from lines

    response = Response(body(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="campaign-{campaign_id}-audience.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/campaigns/<campaign_id>/launch")
def launch_campaign(campaign_id: str) -> tuple[Response, int]:
    # The body is optional: {"holdout_percent": 10} keeps 10% of the audience back as a control group.
    holdout = None
    if request.get_data(cache=True).strip():
        holdout = _holdout(json_object(("holdout_percent",)).get("holdout_percent"))
    campaign = workspace().launch(campaign_id, holdout)
    return jsonify(campaign_json(campaign)), 202


def _holdout(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(422, f"holdout_percent must be a number from 0 to {MAX_HOLDOUT_PERCENT:g}, not "
                            f"{json_type(value)}.", details={"field": "holdout_percent"})
    return check_holdout_percent(value)
