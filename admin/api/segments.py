"""Segments over JSON: list, template, create (from rules or text), read, change, delete, members,
preview and history."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request

from admin.api import bp
from admin.api.openapi import EVENT_COUNT_OPS, EVENT_WINDOW_OPS
from admin.api.payload import json_object, query_int
from admin.errors import ApiError
from admin.present import history_json, plain, segment_json
from admin.workspace import Workspace, check_name, for_request
from segcore import limits, rule_to_json
from segcore.catalog import OPERATORS
from segcore.rules import UNITS


def workspace() -> Workspace:
    return for_request(current_app.extensions["segments"])


def _catalog() -> Any:
    return current_app.extensions["segments"].catalog


@bp.get("/segments")
def list_segments() -> Response:
    ws = workspace()
    return jsonify({"segments": [segment_json(s, _catalog()) for s in ws.segments()]})


@bp.get("/segments/new")
def new_segment_template() -> Response:
    catalog = _catalog()
    return jsonify({
        "fields": [
            {"name": f.name, "type": f.type, "label": f.label, "operators": list(f.operators),
             "values": list(f.values), "pii": f.pii}
            for f in catalog.queryable()
        ],
        "operators": {ftype: list(ops) for ftype, ops in OPERATORS.items()},
        # What people did (SPEC "Behaviour"): {"event", "where": [{"property", "op", "value"}], "count", "when"}.
        "events": [
            {"name": e.name, "label": e.label, "properties": [
                {"name": p.name, "type": p.type, "operators": list(p.operators), "values": list(p.values)}
                for p in e.properties]}
            for e in catalog.events
        ],
        "event_count_operators": list(EVENT_COUNT_OPS),
        "event_window_operators": list(EVENT_WINDOW_OPS),
        "units": list(UNITS),
        "rule": {"all": []},
        "limits": {
            "conditions": limits.MAX_CONDITIONS,
            "depth": limits.MAX_DEPTH,
            "list_values": limits.MAX_LIST_VALUES,
            "text_length": limits.MAX_TEXT_LENGTH,
        },
    })


@bp.post("/segments")
def create_segment() -> tuple[Response, int]:
    data = json_object(("name", "rule", "text"), required=("name",))
    ws = workspace()
    reading = ws.read(data.get("rule"), data.get("text"))
    segment = ws.create_segment(data["name"], reading, data.get("text"))
    body = segment_json(segment, _catalog())
    body["assumptions"] = list(reading.assumptions)
    body["notice"] = getattr(reading, "notice", None)
    response = jsonify(body)
    response.headers["Location"] = f"/api/segments/{segment.id}"
    return response, 201


@bp.post("/segments/preview")
def preview_segment() -> Response:
    data = json_object(("rule", "text"))
    ws = workspace()
    reading = ws.read(data.get("rule"), data.get("text"))
    sized = ws.size(reading)
    return jsonify({
        "alternatives": ws.alternatives(reading),
        "notice": getattr(reading, "notice", None),
        "size": sized.size,
        "rule": rule_to_json(sized.rule),
        "description": ws.describe(sized.rule),
        "assumptions": list(sized.assumptions),
        "source": sized.source,
        "engine": sized.engine,
        "as_of": plain(sized.as_of),
    })


@bp.get("/segments/<segment_id>")
def get_segment(segment_id: str) -> Response:
    return jsonify(segment_json(workspace().segment(segment_id), _catalog()))


@bp.patch("/segments/<segment_id>")
def update_segment(segment_id: str) -> Response:
    data = json_object(("name", "rule", "text"))
    ws = workspace()
    current = ws.segment(segment_id)  # 404 before 422: do not validate against someone else's segment
    reading = None
    if "rule" in data or "text" in data:
        reading = ws.unambiguous(ws.read(data.get("rule"), data.get("text")))
    elif "name" not in data:
        raise ApiError(422, 'Nothing to change: send "name", "rule" or "text".')
    name = check_name(data["name"], "segment") if "name" in data else None
    # Counted before the write: a count that fails leaves the segment as it was.
    change = ws.diff(current.rule, reading.rule) if reading is not None else None
    segment = ws.update_segment(segment_id, name, reading, data.get("text"))
    body = segment_json(segment, _catalog())
    if change is not None:
        body["change"] = change.to_json()
    return jsonify(body)


@bp.delete("/segments/<segment_id>")
def delete_segment(segment_id: str) -> tuple[str, int]:
    workspace().delete_segment(segment_id)
    return "", 204


@bp.get("/segments/<segment_id>/users")
def segment_users(segment_id: str) -> Response:
    limit = query_int("limit", 50, 1, limits.MAX_PAGE_SIZE)
    items, next_cursor = workspace().members(segment_id, _cursor(), limit)
    return jsonify({"items": plain(items), "next_cursor": next_cursor})


def _cursor() -> str | None:
    after = request.args.get("after")
    if after is not None and (not after or len(after) > 500):
        raise ApiError(422, "The after parameter must be the next_cursor of a previous page.")
    return after


@bp.get("/segments/<segment_id>/history")
def segment_history(segment_id: str) -> Response:
    limit = query_int("limit", 90, 1, 1000)
    points = workspace().history(segment_id, limit)
    return jsonify({"segment_id": segment_id, "points": history_json(points)})
