"""``GET /api/segments/{id}/why?since=``: who entered and left a saved segment since a snapshot, and why
(docs/explain.md "Why it changed"). Examples are always masked, whatever the token: they illustrate a cause,
they are not a member list (``/users`` is, with the pii scope)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request

from admin.api import bp
from admin.workspace import for_request
from segcore.explain.why import main_cause, parse_since, why_changed


@bp.get("/segments/<segment_id>/why")
def segment_why(segment_id: str) -> Response:
    ws = for_request(current_app.extensions["segments"])
    segment = ws.segment(segment_id)
    now = ws.services.now()
    since = parse_since(request.args.get("since"), now)
    until_text = request.args.get("until")
    until = parse_since(until_text, now) if until_text else None
    why = why_changed(ws.services.engine, segment, since, now, until=until)
    body: dict[str, Any] = {"segment_id": segment.id, "name": segment.name, **why.details_json(),
                            "summary": main_cause(why)}
    return jsonify(body)
