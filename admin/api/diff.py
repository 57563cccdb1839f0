"""POST /api/segments/diff: what an edit would change, in words and in people, before anything is saved.

``before`` and ``after`` are each a description in words (a JSON string) or rules (a JSON object);
``segment_id`` instead of ``before`` compares with a saved segment's rules (the preview of a PATCH)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify

from admin.api import bp
from admin.api.payload import json_object, json_type
from admin.errors import ApiError
from admin.workspace import Workspace, for_request
from segcore.rules import Rule


def _side(ws: Workspace, value: Any, name: str) -> Rule:
    if isinstance(value, str):
        return ws.unambiguous(ws.read(text=value)).rule
    if isinstance(value, dict):
        return ws.read(rule_json=value).rule
    raise ApiError(422, f'"{name}" must be a description in words (a string, e.g. "spent over 5k in Pune") or '
                        f"rules (an object, e.g. {{\"field\": \"city\", \"op\": \"eq\", \"value\": \"Pune\"}}); "
                        f"got {json_type(value)}.", details={"field": name})


@bp.post("/segments/diff")
def diff_segments() -> Response:
    data = json_object(("before", "after", "segment_id"), required=("after",))
    ws = for_request(current_app.extensions["segments"])
    if ("before" in data) == ("segment_id" in data):
        raise ApiError(422, 'Give either "before" (words or rules) or "segment_id" (a saved segment), not both.')
    if "segment_id" in data:
        if not isinstance(data["segment_id"], str) or not data["segment_id"]:
            raise ApiError(422, '"segment_id" must be the id of a saved segment.', details={"field": "segment_id"})
        before = ws.segment(data["segment_id"]).rule
    else:
        before = _side(ws, data["before"], "before")
    after = _side(ws, data["after"], "after")
    return jsonify(ws.diff(before, after).to_json())
