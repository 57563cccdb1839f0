"""Users over JSON: bulk upsert with the same validation as `segments import`, and one user by id."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, jsonify

from admin.api import bp
from admin.api.payload import json_object, json_type
from admin.errors import ApiError
from admin.present import plain
from admin.workspace import for_request
from segcore.errors import SegmentError
from segcore.storage.users import coerce_user, unknown_fields

MAX_USERS_PER_REQUEST = 1000


@bp.post("/users")
def upsert_users() -> Response:
    data = json_object(("users",), required=("users",))
    users = data["users"]
    if not isinstance(users, list) or not users:
        raise ApiError(422, f'"users" must be a non-empty array of user objects, not {json_type(users)}.')
    if len(users) > MAX_USERS_PER_REQUEST:
        raise ApiError(422, f"Send at most {MAX_USERS_PER_REQUEST:,} users a request; this one has {len(users):,}.")
    services = current_app.extensions["segments"]
    problems: list[dict[str, Any]] = []
    clean: list[dict[str, Any]] = []
    ignored: set[str] = set()
    for index, doc in enumerate(users):
        if not isinstance(doc, dict):
            problems.append({"index": index, "message": f"a user must be an object, not {json_type(doc)}."})
            continue
        try:
            # As `segments import`: fields outside the catalog are not stored, and we say which.
            ignored.update(unknown_fields(doc, services.catalog))
            clean.append(coerce_user(doc, services.catalog))
        except SegmentError as exc:
            problems.append({"index": index, "user_id": doc.get("user_id"), "message": str(exc)})
    if problems:
        # All or nothing: a half-imported batch is harder to fix than a refused one.
        raise ApiError(422, f"{len(problems)} of {len(users)} users are not valid; nothing was saved.",
                       "invalid_users", {"errors": problems[:100]})
    report = services.store.users.upsert_many(g.team_id, clean)
    services.store.audit.record(g.team_id, g.actor, "users.upserted", "users", {"count": len(clean)})
    return jsonify(plain(_report(report) | {"ignored_fields": sorted(ignored)}))


def _report(report: Any) -> dict[str, Any]:
    if hasattr(report, "__dataclass_fields__"):
        return {name: getattr(report, name) for name in report.__dataclass_fields__}
    return dict(report)


@bp.get("/users/<user_id>")
def get_user(user_id: str) -> Response:
    return jsonify(plain(for_request(current_app.extensions["segments"]).user(user_id)))
