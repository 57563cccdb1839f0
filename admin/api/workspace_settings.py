"""The workspace's settings over JSON: GET and PATCH /api/workspace (today: its time zone)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify

from admin.api import bp
from admin.api.payload import json_object
from admin.errors import ApiError
from admin.workspace import for_request
from segcore.storage.workspace_settings import WorkspaceSettings
from segcore.timezones import EXAMPLES, InvalidTimeZone


def settings_json(found: WorkspaceSettings) -> dict[str, Any]:
    return {"team_id": found.team_id, "time_zone": found.time_zone, "time_zone_is_default": found.time_zone_is_default}


@bp.get("/workspace")
def get_workspace() -> Response:
    ws = for_request(current_app.extensions["segments"])
    return jsonify(settings_json(ws.store.workspaces.settings(ws.team_id)))


@bp.patch("/workspace")
def change_workspace() -> Response:
    data = json_object(("time_zone",), required=("time_zone",))
    ws = for_request(current_app.extensions["segments"])
    try:
        found = ws.store.workspaces.set_time_zone(ws.team_id, data["time_zone"], ws.actor)
    except InvalidTimeZone as exc:
        raise ApiError(422, str(exc), "invalid_time_zone", {"field": "time_zone", "examples": EXAMPLES}) from None
    return jsonify(settings_json(found))
