"""GET /api/health: 200 when the database answers, 503 when it does not; and how the audience mirror is.

The mirror is a cache: a mirror that is building or lagging is reported but never makes the check fail
(sizes then come from MongoDB). Only its state is public, not its size or path.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app, jsonify

from admin.api import bp

log = logging.getLogger(__name__)


def database_answers() -> bool:
    try:
        return bool(current_app.extensions["segments"].store.ping())
    except Exception:  # a health check must answer, whatever the driver raised
        log.warning("database ping failed", exc_info=True)
        return False


def mirror_state() -> dict[str, Any]:
    status = current_app.extensions["segments"].mirror_status
    if status is None:
        return {"state": "off", "fresh": False, "lag_seconds": None}
    try:
        found = status()
    except Exception:
        log.warning("mirror status failed", exc_info=True)
        return {"state": "unknown", "fresh": False, "lag_seconds": None}
    return {key: found.get(key) for key in ("state", "fresh", "lag_seconds")}


@bp.get("/health")
def health() -> tuple[Response, int]:
    if database_answers():
        return jsonify({"ok": True, "mirror": mirror_state()}), 200
    return jsonify({"ok": False, "mirror": mirror_state(),
                    "error": {"code": "unavailable", "message": "The database does not answer.", "details": {}}}), 503
