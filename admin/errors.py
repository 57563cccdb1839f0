"""Errors the admin app answers with, and how they are shown.

Under ``/api`` every error is ``{"error": {"code", "message", "details"}}`` with its HTTP status; pages
get a small HTML page. No stack trace ever reaches a caller: unexpected exceptions are logged and
answered with a generic 500.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from pymongo.errors import ConnectionFailure, PyMongoError
from werkzeug.exceptions import HTTPException

from segcore.campaigns.errors import InvalidTransition, NotAllowed
from segcore.errors import ParseRefusal, RuleError, SegmentError
from segcore.storage.errors import DuplicateName, NotFound, StorageError, StorageUnavailable

log = logging.getLogger(__name__)

# HTTP status -> the code an integrator can switch on.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error with its status, a stable code and a message a person can act on."""

    def __init__(self, status: int, message: str, code: str | None = None,
                 details: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or HTTP_CODES.get(status, "error")
        self.details = details or {}
        self.headers = headers or {}  # e.g. Retry-After on a 429


def not_found(what: str, ident: str) -> ApiError:
    # Another workspace's id gets exactly this answer too: nothing says it exists elsewhere.
    return ApiError(404, f"No {what} with id {ident!r} in this workspace.")


def from_rule_error(exc: RuleError) -> ApiError:
    details: dict[str, Any] = {}
    if exc.path:
        details["path"] = exc.path
    if exc.field:
        details["field"] = exc.field
    return ApiError(422, exc.message, "invalid_rule", details)


def from_refusal(exc: ParseRefusal) -> ApiError:
    return ApiError(
        422,
        exc.message,
        "not_understood",
        {"understood": list(exc.understood), "not_understood": list(exc.not_understood)},
    )


def from_domain(exc: SegmentError) -> ApiError:
    """The HTTP answer to an error segcore raised on purpose; its message is already for people."""
    if isinstance(exc, RuleError):
        return from_rule_error(exc)
    if isinstance(exc, ParseRefusal):
        return from_refusal(exc)
    if isinstance(exc, NotAllowed):
        return ApiError(403, str(exc), exc.code)
    if isinstance(exc, InvalidTransition):
        return ApiError(409, str(exc), "wrong_state", {"status": exc.current})
    if isinstance(exc, DuplicateName):
        return ApiError(409, str(exc), "duplicate_name")
    if isinstance(exc, NotFound):
        return ApiError(404, str(exc))
    if isinstance(exc, StorageUnavailable):
        return ApiError(503, str(exc), "database_unavailable")
    if isinstance(exc, StorageError):
        log.error("storage error: %s", exc)
        return ApiError(503, str(exc), "database_error")
    return ApiError(422, str(exc))


def _wants_json() -> bool:
    # /v1: the Segment-spec tracking endpoints (admin/tracking), called by libraries, never by a browser.
    return request.path == "/api" or request.path.startswith(("/api/", "/v1/"))


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    if _wants_json():
        response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    else:
        response = Response(
            render_template("error.html", status=status, message=message), mimetype="text/html"
        )
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        headers = {}
        if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
            headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
        message = {
            404: "There is nothing at this address.",
            405: f"{request.method} is not allowed here.",
            413: "The request body is too large.",
        }.get(status, exc.description or exc.name)
        return error_response(status, HTTP_CODES.get(status, "error"), message, headers=headers)

    @app.errorhandler(SegmentError)
    def _domain_error(exc: SegmentError) -> Response:
        return _api_error(from_domain(exc))

    @app.errorhandler(PyMongoError)
    def _database(exc: PyMongoError) -> Response:
        # Driver errors that escape the storage layer's guard (e.g. the token check while the database is
        # restarting) are the database's state, not a bug: 503 with the usual shape, never a 500.
        down = isinstance(exc, ConnectionFailure)
        log.error("database %s on %s %s: %s", "unavailable" if down else "error", request.method, request.path,
                  type(exc).__name__)
        return error_response(
            503, "database_unavailable" if down else "database_error",
            "The database is not answering right now, so nothing was changed. Try again in a minute."
            if down else "The database could not complete this request, so nothing was changed. Try again.",
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "Something went wrong on our side; it has been logged.")
