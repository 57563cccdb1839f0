"""GET /api/health: 200 when the database answers, 503 when it does not."""

from __future__ import annotations

import logging

from flask import Response, current_app, jsonify

from admin.api import bp

log = logging.getLogger(__name__)


def database_answers() -> bool:
    try:
        return bool(current_app.extensions["segments"].store.ping())
    except Exception:  # a health check must answer, whatever the driver raised
        log.warning("database ping failed", exc_info=True)
        return False


@bp.get("/health")
def health() -> tuple[Response, int]:
    if database_answers():
        return jsonify({"ok": True}), 200
    return jsonify({"ok": False, "error": {"code": "unavailable", "message": "The database does not answer.",
                                           "details": {}}}), 503
