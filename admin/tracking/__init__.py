"""The Segment HTTP Tracking API: POST /v1/batch, /v1/track, /v1/identify, /v1/page, /v1/alias.

Segment's and RudderStack's libraries send here unchanged (docs/events.md). A request is authenticated by
a write key (`segments source create`), as the HTTP Basic user name with an empty password or as
``writeKey`` in the body; it stores events only in that key's workspace. The answer 200 comes after the
events are journaled in MongoDB. In a batch, a message that cannot be stored is skipped and named (its
index and why) in the answer and the log; the others are kept. CSRF does not apply: these calls come from
libraries with a key, never from a browser session.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.wrappers import Response

from admin.errors import ApiError
from admin.tracking.body import check_message_sizes, read_json_body
from admin.tracking.keys import PREFIX, Source, SourceStore
from segcore.events import EventStore, InvalidMessage, parse_batch, parse_message
from segcore.events.messages import ParsedBatch
from segcore.events.store import IngestReport
from segcore.ratelimit import retry_after

bp = Blueprint("tracking", __name__, url_prefix="/v1")
log = logging.getLogger(__name__)

SINGLE = ("track", "identify", "page", "alias")


def _services() -> Any:
    return current_app.extensions["segments"]


def _key_from_header() -> str | None:
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return None
    return (auth.username or "").strip() or None


def _authenticate(key: str | None) -> Source:
    if not key:
        raise ApiError(401, "Send a write key: as the HTTP Basic user name (empty password) or as writeKey in "
                            "the body. Create one with `segments source create --team TEAM`.")
    services = _services()
    source = SourceStore(services.store.db).verify(key, services.now())
    if source is None:
        raise ApiError(401, "That write key is not valid or has been revoked.")
    limiter = services.event_rate_limit
    wait = limiter.take(source.id) if limiter is not None else 0.0
    if wait:
        raise ApiError(429, "Too many requests with this write key; try again after the Retry-After header's "
                            "seconds (the libraries do).", headers={"Retry-After": retry_after(wait)})
    return source


def _receive(kind: str | None) -> Response:
    header_key = _key_from_header()
    source = _authenticate(header_key) if header_key else None
    body = read_json_body()
    if source is None:
        written = body.get("writeKey")
        source = _authenticate(written.strip() if isinstance(written, str) else None)
    services = _services()
    received_at = services.now()
    if kind is None:
        items = body.get("batch")
        if not isinstance(items, list):
            raise ApiError(400, "A batch body needs \"batch\": a list of messages.", "bad_batch")
        check_message_sizes(items)
        parsed = parse_batch(items, services.catalog, received_at)
    else:
        check_message_sizes([body])
        try:
            message = parse_message(body, services.catalog, received_at, kind=kind)
        except InvalidMessage as exc:
            raise ApiError(400, f"This {kind} message was not stored: {exc}", "invalid_message") from None
        parsed = ParsedBatch(messages=[(0, message)])
    report = _store(services).ingest(source.team_id, parsed.messages, received_at)
    return _answer(source, parsed, report)


def _store(services: Any) -> EventStore:
    store = current_app.extensions.get("segments_events")
    if store is None:
        store = current_app.extensions["segments_events"] = EventStore(services.store.db, services.store.outage)
    return store


def _answer(source: Source, parsed: ParsedBatch, report: IngestReport) -> Response:
    for index, reason in parsed.skipped:
        log.warning("tracking: source %s (workspace %s) message %d skipped: %s", source.name, source.team_id,
                    index, reason)
    for index, text in report.notes:
        log.info("tracking: source %s (workspace %s) message %d: %s", source.name, source.team_id, index, text)
    body: dict[str, Any] = {"success": True}
    if parsed.skipped:
        body["skipped"] = [{"index": i, "reason": r} for i, r in parsed.skipped]
    if report.notes:
        body["warnings"] = [{"index": i, "message": t} for i, t in report.notes]
    return jsonify(body)


@bp.post("/batch")
def batch() -> Response:
    return _receive(None)


def _single(kind: str) -> Any:
    def view() -> Response:
        return _receive(kind)

    view.__name__ = kind
    return view


for _kind in SINGLE:
    bp.add_url_rule(f"/{_kind}", endpoint=_kind, view_func=_single(_kind), methods=["POST"])


__all__ = ["PREFIX", "bp"]
