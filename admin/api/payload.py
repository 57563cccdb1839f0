"""Reading JSON request bodies strictly: bad JSON is 400, a wrong shape or an unknown field is 422."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from flask import request

from admin.errors import ApiError
from segcore import limits

# Deeper than any valid rule (limits.MAX_DEPTH groups, each a dict plus its list) with room to spare;
# refusing deeper bodies early keeps recursive parsers away from the interpreter's recursion limit.
MAX_JSON_DEPTH = 4 * limits.MAX_DEPTH + 8


def json_object(allowed: Iterable[str], required: Iterable[str] = ()) -> dict[str, Any]:
    """The request's JSON object, with only ``allowed`` keys and every ``required`` one."""
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, "Send a JSON body with Content-Type: application/json.")
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise ApiError(400, "The request body is empty; send a JSON object.", "bad_json")
    if _too_deep(raw):
        raise ApiError(422, f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, f"The body is not valid JSON: {exc}.", "bad_json") from None
    if not isinstance(data, dict):
        raise ApiError(422, f"The body must be a JSON object, not {json_type(data)}.")
    allowed = set(allowed)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ApiError(
            422,
            f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(allowed))}.",
            "unknown_fields",
            {"unknown": unknown, "allowed": sorted(allowed)},
        )
    missing = sorted(set(required) - set(data))
    if missing:
        raise ApiError(422, f"Missing field(s): {', '.join(missing)}.", "missing_fields", {"missing": missing})
    return data


def _too_deep(raw: bytes) -> bool:
    """Nesting depth of a JSON text, counted on brackets outside strings, without parsing it."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def expect_string(data: dict[str, Any], key: str, max_length: int = 2000, choices: Iterable[str] = ()) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise ApiError(422, f'"{key}" must be a string, not {json_type(value)}.', details={"field": key})
    if len(value) > max_length:
        raise ApiError(422, f'"{key}" can be at most {max_length:,} characters.', details={"field": key})
    options = tuple(choices)
    if options and value not in options:
        raise ApiError(422, f'"{key}" must be one of {", ".join(options)}; got {value!r}.',
                       details={"field": key, "allowed": list(options)})
    return value


def expect_id_list(data: dict[str, Any], key: str, max_items: int = 50) -> tuple[str, ...]:
    value = data[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(422, f'"{key}" must be an array of id strings.', details={"field": key})
    if len(value) > max_items:
        raise ApiError(422, f'"{key}" can hold at most {max_items} ids.', details={"field": key})
    return tuple(dict.fromkeys(value))


def expect_moment(data: dict[str, Any], key: str) -> datetime | None:
    value = data[key]
    if value is None:
        return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None:
            return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise ApiError(422, f'"{key}" must be an ISO 8601 moment such as 2026-12-01T09:00:00Z, or null.',
                   details={"field": key})


def query_int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, f"The {name} parameter must be a whole number from {low} to {high}.") from None
    if not low <= value <= high:
        raise ApiError(422, f"The {name} parameter must be from {low} to {high}; got {value}.")
    return value
