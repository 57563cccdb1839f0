"""``POST /api/segments/whatif``: the size as each threshold of a rule (or a text) moves (docs/explain.md)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify

from admin.api import bp
from admin.api.payload import json_object
from admin.errors import ApiError
from admin.workspace import Workspace, for_request
from segcore import rule_to_json
from segcore.explain.whatif import WhatIf, what_if
from segcore.explain.whatif_text import is_current, point_label


@bp.post("/segments/whatif")
def whatif_segment() -> Response:
    data = json_object(("rules", "text"))
    if ("rules" in data) == ("text" in data):
        raise ApiError(422, 'Give either "rules" (conditions as JSON) or "text" (plain language), not both.')
    ws = for_request(current_app.extensions["segments"])
    reading = ws.unambiguous(ws.read(data.get("rules"), data.get("text")))
    answer = what_if(ws.services.engine, ws.team_id, reading.rule, ws.services.now())
    return jsonify(whatif_json(ws, answer, reading.rule))


def whatif_json(ws: Workspace, answer: WhatIf, rule: Any) -> dict[str, Any]:
    """The command line's shape (size, conditions with their points), plus the rule, its words, who counted,
    and per point a short label and whether it is the current value (for charts)."""
    catalog = ws.services.catalog
    body = answer.to_json(catalog)
    for curve, condition in zip(answer.curves, body["conditions"], strict=True):
        for point, shown in zip(curve.points, condition["points"], strict=True):
            shown["label"] = point_label(curve.threshold, point.value, catalog)
            shown["current"] = is_current(curve, point.value)
    return {**body, "rule": rule_to_json(rule), "description": ws.describe(rule), "engine": answer.engine}
