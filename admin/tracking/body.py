"""Reading a tracking request's body within Segment's limits: 500 KB a request, 32 KB a message.

The limits hold after decompression, and decompression stops as soon as they are passed, so a small
gzip body that inflates to gigabytes (a gzip bomb) costs 500 KB of memory, not more.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from flask import request

from admin.errors import ApiError

MAX_REQUEST_BYTES = 500 * 1024
MAX_MESSAGE_BYTES = 32 * 1024


def read_json_body() -> dict[str, Any]:
    """The body as a JSON object; 413 past the size limits, 400 when it is not (gzip of) JSON."""
    declared = request.content_length
    if declared is not None and declared > MAX_REQUEST_BYTES:
        raise _too_large()
    raw = request.stream.read(MAX_REQUEST_BYTES + 1)
    if len(raw) > MAX_REQUEST_BYTES:
        raise _too_large()
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding == "gzip":
        raw = gunzip(raw)
    elif encoding not in ("", "identity"):
        raise ApiError(400, f"Content-Encoding {encoding[:40]!r} is not supported; send gzip or plain JSON.",
                       "bad_encoding")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(400, "The body is not valid JSON (UTF-8).", "bad_json") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object, e.g. {\"batch\": [...]}.", "bad_json")
    return data


def gunzip(raw: bytes) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, MAX_REQUEST_BYTES + 1)
    except zlib.error:
        raise ApiError(400, "The body says Content-Encoding: gzip but is not gzip data.", "bad_gzip") from None
    if len(out) > MAX_REQUEST_BYTES or inflater.unconsumed_tail:
        raise _too_large()
    if not inflater.eof:
        raise ApiError(400, "The gzip body is cut short.", "bad_gzip")
    return out


def check_message_sizes(messages: list[Any]) -> None:
    """413 when one message is over 32 KB (as the libraries measure it: its JSON in UTF-8)."""
    for index, message in enumerate(messages):
        size = len(json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        if size > MAX_MESSAGE_BYTES:
            raise ApiError(413, f"Message {index} is {size:,} bytes; one message may be at most 32 KB. "
                                "Nothing of this request was stored.", "payload_too_large", {"index": index})


def _too_large() -> ApiError:
    return ApiError(413, "The request is over 500 KB (after decompression); send at most 500 KB a request "
                         "and 32 KB a message. Nothing of it was stored.")
