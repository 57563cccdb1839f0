"""GET /api/openapi.json: the OpenAPI 3.1 description of this API, kept true by tests/admin/test_openapi.py
(every /api route is described here and everything described here is routed)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify

from admin.api import bp
from admin.api.campaigns import CHANNELS
from admin.api.users import MAX_USERS_PER_REQUEST
from segcore import limits
from segcore.campaigns.holdout import MAX_HOLDOUT_PERCENT
from segcore.catalog import OPERATORS, FieldCatalog

STATUSES = ["draft", "scheduled", "launching", "launched", "cancelled", "failed"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): {"$ref": f"#/components/responses/E{s}"} for s in sorted(set(statuses))}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}


SEGMENT_ID = _path_id("segment_id")
CAMPAIGN_ID = _path_id("campaign_id")
BODY_ERRORS = (400, 401, 413, 415, 422)
# The audience mirror in /api/health: "off" (none), "building", "ready", "failed", ... A mirror that is not
# fresh only means sizes come from MongoDB for now.
MIRROR_STATE = {"type": "object", "required": ["state", "fresh", "lag_seconds"], "properties": {
    "state": {"type": "string"}, "fresh": {"type": "boolean"}, "lag_seconds": {"type": ["number", "null"]}}}

EVENT_COUNT_OPS = ("gt", "gte", "lt", "lte", "eq", "between")
EVENT_WINDOW_OPS = ("within_last", "more_than_ago", "before", "after", "on", "between")


def _event_condition(events: list[str] | None = None, properties: list[str] | None = None) -> dict[str, Any]:
    """SPEC's event leaf: {event, where: [{property, op, value}], count: {op, value}, when: {op, value}}."""
    name: dict[str, Any] = {"type": "string"} if events is None else {"enum": events}
    prop: dict[str, Any] = {"type": "string"} if properties is None else {"enum": properties}
    return {
        "type": "object", "required": ["event"], "additionalProperties": False,
        "description": "What people did: how many matching events (count, default at least once) within a "
                       "window (when, default all time); events and properties come from GET /api/segments/new.",
        "properties": {
            "event": name,
            "where": {"type": "array", "items": {
                "type": "object", "required": ["property", "op"], "additionalProperties": False,
                "properties": {"property": prop, "op": {"type": "string"}, "value": {}}}},
            "count": {"type": "object", "required": ["op", "value"], "additionalProperties": False,
                      "properties": {"op": {"enum": list(EVENT_COUNT_OPS)}, "value": {}}},
            "when": {"type": "object", "required": ["op", "value"], "additionalProperties": False,
                     "properties": {"op": {"enum": list(EVENT_WINDOW_OPS)}, "value": {}}},
        },
    }


RULE = {
    "description": "A rule: a condition {field, op, value}, an event condition {event, where, count, when} or a "
                   "group {all: [...]}, {any: [...]}, {not: rule}. See SPEC: fields, events and operators come "
                   "from GET /api/segments/new.",
    "type": "object",
    "oneOf": [
        {"type": "object", "required": ["field", "op"], "additionalProperties": False,
         "properties": {"field": {"type": "string"}, "op": {"type": "string"}, "value": {}}},
        _event_condition(),
        {"type": "object", "required": ["all"], "additionalProperties": False,
         "properties": {"all": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Rule"}}}},
        {"type": "object", "required": ["any"], "additionalProperties": False,
         "properties": {"any": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Rule"}}}},
        {"type": "object", "required": ["not"], "additionalProperties": False,
         "properties": {"not": {"$ref": "#/components/schemas/Rule"}}},
    ],
}
NAME = {"type": "string", "minLength": 1, "maxLength": 100}
TEXT = {"type": "string", "minLength": 1, "maxLength": limits.MAX_TEXT_LENGTH,
        "description": "Plain language, e.g. 'spent over 5k in Pune'"}
MOMENT = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message", "details"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}}}},
    },
    "Rule": RULE,
    "WorkspaceSettings": {
        "type": "object", "required": ["team_id", "time_zone", "time_zone_is_default"],
        "properties": {"team_id": {"type": "string"},
                       "time_zone": {"type": "string", "description": "IANA name, e.g. Asia/Kolkata"},
                       "time_zone_is_default": {"type": "boolean",
                                                "description": "true: the workspace follows SEGMENTS_TIMEZONE"}},
    },
    "Segment": {
        "type": "object",
        "required": ["id", "name", "rule", "description", "text", "source", "size", "counted_at"],
        "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "rule": _ref("Rule"),
            "description": {"type": "string", "description": "The rule in words"},
            "text": {"type": "string", "description": "What the segment was made from"},
            "source": {"type": "string", "description": "grammar, cohere, both or user"},
            "size": {"type": ["integer", "null"]}, "counted_at": MOMENT,
            "created_by": {"type": "string"}, "created_at": MOMENT, "updated_at": MOMENT,
            "assumptions": {"type": "array", "items": {"type": "string"}},
            "notice": {"type": ["string", "null"]},
            "change": {**_ref("Diff"), "description": "After a PATCH that changed the rules: what changed"},
        },
    },
    "SegmentInput": {
        "type": "object", "additionalProperties": False, "required": ["name"],
        "description": "Give exactly one of rule and text.",
        "properties": {"name": NAME, "rule": _ref("Rule"), "text": TEXT},
    },
    "SegmentChange": {
        "type": "object", "additionalProperties": False, "minProperties": 1,
        "description": "Any of name and (rule or text).",
        "properties": {"name": NAME, "rule": _ref("Rule"), "text": TEXT},
    },
    "Preview": {
        "type": "object", "required": ["size", "rule", "description"],
        "properties": {"size": {"type": "integer"}, "rule": _ref("Rule"), "description": {"type": "string"},
                       "alternatives": {
                           "type": "array",
                           "description": "Non-empty when two readers understood the text differently: show "
                                          "them all and save the one meant, as rule.",
                           "items": {"type": "object", "properties": {
                               "rule": _ref("Rule"), "description": {"type": "string"},
                               "source": {"type": "string"}, "size": {"type": "integer"}}}},
                       "notice": {"type": ["string", "null"]},
                       "assumptions": {"type": "array", "items": {"type": "string"}},
                       "source": {"type": "string"}, "engine": {"type": "string"}, "as_of": MOMENT},
    },
    "Diff": {
        "type": "object", "required": ["before", "after", "entered", "left", "changes"],
        "description": "An edit in words and in people: sizes before and after, how many enter and leave.",
        "properties": {"before": {"type": "integer"}, "after": {"type": "integer"},
                       "entered": {"type": "integer"}, "left": {"type": "integer"},
                       "changes": {"type": "array", "items": {"type": "string"},
                                   "description": "Each change in words; empty when nothing changed"}},
    },
    "DiffInput": {
        "type": "object", "additionalProperties": False, "required": ["after"],
        "description": "after, and either before or segment_id (compare with a saved segment: the preview of "
                       "PATCH /api/segments/{segment_id}). Each side is words (a string) or rules (an object).",
        "properties": {"before": {"oneOf": [TEXT, _ref("Rule")]}, "after": {"oneOf": [TEXT, _ref("Rule")]},
                       "segment_id": {"type": "string", "minLength": 1}},
    },
    "WhatIf": {
        "type": "object", "required": ["size", "conditions"],
        "description": "The size now and, per threshold, the size at round values around it (the current one "
                       "marked), every other condition unchanged. A value has the rule's own form.",
        "properties": {
            "size": {"type": "integer"}, "rule": _ref("Rule"), "description": {"type": "string"},
            "engine": {"type": "string"},
            "conditions": {"type": "array", "items": {
                "type": "object", "required": ["op", "value", "text", "points"],
                "properties": {
                    "field": {"type": "string"}, "event": {"type": "string"}, "op": {"type": "string"},
                    "value": {}, "text": {"type": "string"},
                    "points": {"type": "array", "items": {
                        "type": "object", "required": ["value", "size"],
                        "properties": {"value": {}, "size": {"type": "integer"}, "label": {"type": "string"},
                                       "current": {"type": "boolean"}}}}}}},
        },
    },
    "Campaign": {
        "type": "object", "required": ["id", "name", "channel", "status", "segment_ids"],
        "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "channel": {"enum": list(CHANNELS)},
            "message": {"type": "string"}, "owner": {"type": "string"},
            "segment_ids": {"type": "array", "items": {"type": "string"}},
            "status": {"enum": STATUSES}, "schedule_at": MOMENT, "created_at": MOMENT, "updated_at": MOMENT,
        },
    },
    "CampaignInput": {
        "type": "object", "additionalProperties": False, "required": ["name"],
        "properties": {"name": NAME, "channel": {"enum": list(CHANNELS)},
                       "message": {"type": "string", "maxLength": 5000}, "schedule_at": MOMENT,
                       "segment_ids": {"type": "array", "maxItems": 50, "items": {"type": "string"}}},
    },
    "CampaignChange": {
        "type": "object", "additionalProperties": False,
        "properties": {"name": NAME, "channel": {"enum": list(CHANNELS)},
                       "message": {"type": "string", "maxLength": 5000}, "schedule_at": MOMENT},
    },
    "User": {
        "type": "object", "required": ["user_id"], "additionalProperties": True,
        "description": "A user: user_id plus catalog fields. Read back, personal fields (name, email) are "
                       "masked unless the token has the pii scope.",
        "properties": {"user_id": {"type": "string", "minLength": 1}},
    },
}

_CAUSES = {"type": "array", "items": {"type": "object", "required": ["text", "count"], "properties": {
    "field": {"type": "string"}, "event": {"type": "string"}, "text": {"type": "string"},
    "count": {"type": "integer"}, "examples": {"type": "array", "items": {"type": "object"}}}}}
_SIDE = {"type": "object", "required": ["size", "as_of"],
         "properties": {"size": {"type": "integer"}, "as_of": {"type": "string", "format": "date-time"}}}
WHY = {"type": "object", "required": ["before", "after", "entered", "left"], "properties": {
    "segment_id": {"type": "string"}, "name": {"type": "string"}, "summary": {"type": "string"},
    "rule_edited": {"type": "boolean"}, "before": _SIDE, "after": _SIDE,
    "entered": {"type": "object", "required": ["total", "new_people", "by_condition"], "properties": {
        "total": {"type": "integer"}, "new_people": {"type": "integer"}, "by_condition": _CAUSES,
        "new_people_examples": {"type": "array", "items": {"type": "object"}}}},
    "left": {"type": "object", "required": ["total", "removed_people", "by_condition"], "properties": {
        "total": {"type": "integer"}, "removed_people": {"type": "integer"}, "by_condition": _CAUSES}}}}

RESPONSES = {
    f"E{status}": _json(_ref("Error"), text)
    for status, text in {400: "The body is not valid JSON", 401: "Missing, wrong or revoked API token",
                         403: "This token may not do this: launching or scheduling a campaign (or changing a "
                              "scheduled one) needs a token created with --launch",
                         404: "No such resource in this workspace", 409: "Duplicate name or wrong state",
                         413: "The body is too large", 415: "The body is not JSON",
                         422: "The request is well-formed but not valid; the message says what is allowed",
                         429: "Too many requests with this token; wait the Retry-After header's seconds",
                         503: "The database is not answering (database_unavailable) or could not complete the "
                              "request (database_error); nothing was changed, try again"}.items()
}


def _op(summary: str, ok: dict[str, Any], *errors: int, body: dict[str, Any] | None = None,
        params: list[dict[str, Any]] | None = None, public: bool = False) -> dict[str, Any]:
    # Every operation that checks a token reads the database, so any of them can answer 503; and every
    # token is rate limited (SECURITY.md), so any of them can answer 429.
    server = () if public else (429, 503)
    operation: dict[str, Any] = {"summary": summary, "responses": ok | _errors(*errors, *server)}
    if body is not None:
        operation["requestBody"] = _body(body)
    if params:
        operation["parameters"] = params
    if public:
        operation["security"] = []
    return operation


def rule_schema(catalog: FieldCatalog) -> dict[str, Any]:
    """RULE with this workspace's fields and the operators that exist, so generated rules can be valid."""
    operators = sorted({op for ops in OPERATORS.values() for op in ops})
    fields = [f.name for f in catalog.queryable()]
    condition = {"type": "object", "required": ["field", "op"], "additionalProperties": False,
                 "properties": {"field": {"enum": fields}, "op": {"enum": operators}, "value": {}}}
    events = [e.name for e in catalog.events]
    properties = sorted({p.name for e in catalog.events for p in e.properties})
    event = _event_condition(events, properties) if events else RULE["oneOf"][1]
    return {**RULE, "oneOf": [condition, event, *RULE["oneOf"][2:]]}


def build_spec(catalog: FieldCatalog) -> dict[str, Any]:
    seg_list = {"type": "object", "required": ["segments"],
                "properties": {"segments": {"type": "array", "items": _ref("Segment")}}}
    camp_list = {"type": "object", "required": ["campaigns"],
                 "properties": {"campaigns": {"type": "array", "items": _ref("Campaign")}}}
    page = [{"name": "after", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 500},
             "description": "next_cursor of the previous page"},
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": limits.MAX_PAGE_SIZE}}]
    history_limit = [{"name": "limit", "in": "query", "required": False,
                      "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}]
    since = [{"name": name, "in": "query", "required": False, "schema": {"type": "string", "maxLength": 40},
              "description": f"{name}: 24h, 7d, 90m or an ISO 8601 moment" + (" (default 24h)" if name == "since"
                                                                             else " (default now)")}
             for name in ("since", "until")]
    paths = {
        "/api/health": {"get": _op(
            "Is the service up and does the database answer?",
            {"200": _json({"type": "object", "properties": {"ok": {"const": True}, "mirror": MIRROR_STATE}},
                          "The database answers"),
             "503": _json({"type": "object", "properties": {"ok": {"const": False}, "mirror": MIRROR_STATE,
                                                            "error": {"type": "object"}}},
                          "The database does not answer")},
            public=True)},
        "/api/openapi.json": {"get": _op("This description", {"200": _json({"type": "object"}, "OpenAPI 3.1")},
                                         public=True)},
        "/api/segments": {
            "get": _op("Every segment of the workspace", {"200": _json(seg_list, "The segments")}, 401),
            "post": _op("Save a segment from rules or from plain language",
                        {"201": _json(_ref("Segment"), "Saved and counted")}, *BODY_ERRORS, 409,
                        body=_ref("SegmentInput")),
        },
        "/api/segments/new": {"get": _op(
            "A template for a new segment: fields, operators per type, an empty rule",
            {"200": _json({"type": "object", "required": ["fields", "operators", "rule"]}, "The template")}, 401)},
        "/api/segments/preview": {"post": _op(
            "How many users a rule or a text selects, without saving",
            {"200": _json(_ref("Preview"), "The size now")}, *BODY_ERRORS,
            body={"type": "object", "additionalProperties": False, "description": "Exactly one of rule and text.",
                  "properties": {"rule": _ref("Rule"), "text": TEXT}})},
        "/api/segments/whatif": {"post": _op(
            "What if one threshold moved: the size at round values around each number, date and event count",
            {"200": _json(_ref("WhatIf"), "The curves")}, *BODY_ERRORS,
            body={"type": "object", "additionalProperties": False, "description": "Exactly one of rules and text.",
                  "properties": {"rules": _ref("Rule"), "text": TEXT}})},
        "/api/segments/{segment_id}": {
            "parameters": [SEGMENT_ID],
            "get": _op("One segment", {"200": _json(_ref("Segment"), "The segment")}, 401, 404),
            "patch": _op("Rename a segment or change its rules (it is counted again; the answer's change says "
                         "what changed, as POST /api/segments/diff previews it)",
                         {"200": _json(_ref("Segment"), "The changed segment")}, *BODY_ERRORS, 404, 409,
                         body=_ref("SegmentChange")),
            "delete": _op("Delete a segment", {"204": {"description": "Deleted"}}, 401, 404),
        },
        "/api/segments/{segment_id}/users": {
            "parameters": [SEGMENT_ID],
            "get": _op("The segment's members a page at a time; names and emails masked unless the token has "
                       "the pii scope",
                       {"200": _json({"type": "object", "required": ["items", "next_cursor"], "properties": {
                           "items": {"type": "array", "items": {"type": "object"}},
                           "next_cursor": {"type": ["string", "null"]}}}, "One page")}, 401, 404, 422,
                       params=page)},
        "/api/segments/{segment_id}/history": {
            "parameters": [SEGMENT_ID],
            "get": _op("The segment's size over time, oldest first",
                       {"200": _json({"type": "object", "required": ["points"], "properties": {
                           "segment_id": {"type": "string"},
                           "points": {"type": "array", "items": {"type": "object", "properties": {
                               "at": {"type": "string", "format": "date-time"}, "size": {"type": "integer"}}}}}},
                           "The points")}, 401, 404, 422, params=history_limit)},
        "/api/segments/{segment_id}/why": {
            "parameters": [SEGMENT_ID],
            "get": _op("Why the segment's size changed since a snapshot: who entered and left, new and removed "
                       "people, and per condition how many now pass or fail it (examples masked); 404 until a "
                       "snapshot with members exists", {"200": _json(WHY, "The change and its causes")},
                       401, 404, 422, params=since)},
        "/api/segments/diff": {"post": _op(
            "What an edit changes, in words and in people (before, after, entered, left), without saving",
            {"200": _json(_ref("Diff"), "The difference now")}, *BODY_ERRORS, 404, body=_ref("DiffInput"))},
        "/api/campaigns": {
            "get": _op("Every campaign of the workspace", {"200": _json(camp_list, "The campaigns")}, 401),
            "post": _op("Create a campaign: a draft, or scheduled when schedule_at is given (which needs the "
                        "launch scope)", {"201": _json(_ref("Campaign"), "Created")},
                        *BODY_ERRORS, 403, 404, 409, body=_ref("CampaignInput")),
        },
        "/api/campaigns/{campaign_id}": {
            "parameters": [CAMPAIGN_ID],
            "get": _op("One campaign", {"200": _json(_ref("Campaign"), "The campaign")}, 401, 404),
            "patch": _op("Change a draft or scheduled campaign; setting schedule_at or changing a scheduled "
                         "campaign needs the launch scope", {"200": _json(_ref("Campaign"), "Changed")},
                         *BODY_ERRORS, 403, 404, 409, body=_ref("CampaignChange")),
            "delete": _op("Delete a campaign; a scheduled or launched one needs the launch scope, one being "
                          "launched cannot be deleted", {"204": {"description": "Deleted"}}, 401, 403, 404, 409),
        },
        "/api/campaigns/{campaign_id}/segments": {
            "parameters": [CAMPAIGN_ID],
            "post": _op("Attach a segment to the campaign (to a scheduled one only with the launch scope)",
                        {"200": _json(_ref("Campaign"), "Attached")}, *BODY_ERRORS, 403, 404, 409,
                        body={"type": "object", "additionalProperties": False, "required": ["segment_id"],
                              "properties": {"segment_id": {"type": "string", "minLength": 1}}})},
        "/api/campaigns/{campaign_id}/audience.csv": {
            "parameters": [CAMPAIGN_ID],
            "get": _op("A launched campaign's frozen audience as CSV in user_id order: user_id,holdout, plus "
                       "email,name when the token has the pii scope", {"200": {"description": "The audience", "content": {"text/csv": {
                           "schema": {"type": "string"}}}}}, 401, 404, 409)},
        "/api/campaigns/{campaign_id}/launch": {
            "parameters": [CAMPAIGN_ID],
            "post": {**_op("Launch a draft or scheduled campaign that has a segment (needs the launch scope); "
                           "optionally keep holdout_percent of the audience back as a control group",
                           {"202": _json(_ref("Campaign"), "Launch requested")}, *BODY_ERRORS, 403, 404, 409),
                     "requestBody": {"required": False, "content": {"application/json": {"schema": {
                         "type": "object", "additionalProperties": False, "properties": {"holdout_percent": {
                             "type": "number", "minimum": 0, "maximum": MAX_HOLDOUT_PERCENT}}}}}}}},
        "/api/workspace": {
            "get": _op("The workspace's settings: the time zone its calendar words (today, last month, a date) "
                       "are read in", {"200": _json(_ref("WorkspaceSettings"), "The settings")}, 401),
            "patch": _op("Set the workspace's time zone (an IANA name such as Asia/Kolkata; null goes back to "
                         "the server's default). Saved segments keep their words; their dates move with the zone",
                         {"200": _json(_ref("WorkspaceSettings"), "The changed settings")}, *BODY_ERRORS,
                         body={"type": "object", "additionalProperties": False, "required": ["time_zone"],
                               "properties": {"time_zone": {"type": ["string", "null"], "maxLength": 64,
                                                            "examples": ["Asia/Kolkata", "America/New_York"]}}}),
        },
        "/api/users": {"post": _op(
            "Add or update users (all valid or nothing saved)",
            {"200": _json({"type": "object", "required": ["inserted", "updated", "ignored_fields"], "properties": {
                "inserted": {"type": "integer"}, "updated": {"type": "integer"},
                "unchanged": {"type": "integer", "description": "known users already the same"},
                "ignored_fields": {"type": "array", "items": {"type": "string"}}}},
                "What was inserted and updated, and fields not stored")}, *BODY_ERRORS,
            body={"type": "object", "additionalProperties": False, "required": ["users"], "properties": {
                "users": {"type": "array", "minItems": 1, "maxItems": MAX_USERS_PER_REQUEST,
                          "items": _ref("User")}}})},
        "/api/users/{user_id}": {
            "parameters": [_path_id("user_id")],
            "get": _op("One user; name and email masked unless the token has the pii scope", {"200": _json(_ref("User"), "The user")}, 401, 404)},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Segments API", "version": "1",
                 "description": "Audience segments, campaigns and users of one workspace. Authenticate with "
                                "Authorization: Bearer <token> (segments token create --team TEAM). Personal "
                                "fields (name, email) are masked unless the token was created with the pii scope "
                                "(segments token create --team TEAM --pii); every full read is audited. Launching or "
                                "scheduling a campaign needs a token with the launch scope (segments token create "
                                "--team TEAM --launch); other tokens get 403. Errors are "
                                '{"error": {"code", "message", "details"}}.'},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"schemas": SCHEMAS | {"Rule": rule_schema(catalog)}, "responses": RESPONSES,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(build_spec(current_app.extensions["segments"].catalog))
