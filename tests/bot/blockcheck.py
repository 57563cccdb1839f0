"""Every Block Kit payload the app sends, checked with slack_sdk's models and the limits they skip.

``slack_sdk`` checks a payload only in ``to_dict()`` and not all of Slack's limits; the rest are from Slack's
Block Kit reference: 50 blocks a message, 100 a modal or Home tab; section text 3000; fields 10 x 2000;
header 150; button text 75, value 2000; action_id and block_id 255 and unique within a view or message;
actions 25 elements; context 10; select options 100; modal title/submit/close 24; private_metadata 3000.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View


class BlockKitViolation(AssertionError):
    pass


def _fail(where: str, problem: str) -> None:
    raise BlockKitViolation(f"{where}: {problem}")


def _text_len(obj: Any) -> int:
    return len(obj.get("text", "")) if isinstance(obj, dict) else len(str(obj or ""))


def _check_element(el: dict[str, Any], where: str, ids: set[str]) -> None:
    action_id = el.get("action_id")
    if action_id is not None:
        if len(action_id) > 255:
            _fail(where, f"action_id {action_id[:40]}… longer than 255")
        if action_id in ids:
            _fail(where, f"action_id {action_id!r} used twice")
        ids.add(action_id)
    kind = el.get("type")
    if kind == "button":
        if _text_len(el.get("text")) > 75:
            _fail(where, f"button text longer than 75: {el['text']['text'][:40]!r}")
        if len(el.get("value") or "") > 2000:
            _fail(where, "button value longer than 2000")
        if "url" in el and len(el["url"]) > 3000:
            _fail(where, "button url longer than 3000")
    if "options" in el:
        if len(el["options"]) > 100:
            _fail(where, f"{len(el['options'])} options (limit 100)")
        for opt in el["options"]:
            if _text_len(opt.get("text")) > 75:
                _fail(where, "option text longer than 75")
            if len(opt.get("value", "")) > 150:
                _fail(where, "option value longer than 150")
    if "placeholder" in el and _text_len(el["placeholder"]) > 150:
        _fail(where, "placeholder longer than 150")
    if "initial_option" in el and "options" in el and el["initial_option"] not in el["options"]:
        _fail(where, "initial_option is not one of the options")
    if "confirm" in el:
        c = el["confirm"]
        if _text_len(c.get("title")) > 100 or _text_len(c.get("text")) > 300:
            _fail(where, "confirm dialog text too long")


def check_blocks(blocks: list[dict[str, Any]], limit: int, where: str) -> None:
    if not isinstance(blocks, list):
        _fail(where, "blocks is not a list")
    if len(blocks) > limit:
        _fail(where, f"{len(blocks)} blocks (limit {limit})")
    block_ids: set[str] = set()
    action_ids: set[str] = set()
    for i, raw in enumerate(blocks):
        here = f"{where} block {i} ({raw.get('type')})"
        parsed = Block.parse(raw)
        if parsed is None:
            _fail(here, "slack_sdk does not know this block type")
        assert parsed is not None
        try:
            parsed.to_dict()  # runs the SDK's own validation
        except Exception as exc:
            _fail(here, f"slack_sdk rejects it: {exc}")
        block_id = raw.get("block_id")
        if block_id is not None:
            if len(block_id) > 255:
                _fail(here, "block_id longer than 255")
            if block_id in block_ids:
                _fail(here, f"block_id {block_id!r} used twice")
            block_ids.add(block_id)
        kind = raw.get("type")
        if kind == "section":
            if "text" in raw and _text_len(raw["text"]) > 3000:
                _fail(here, f"section text {_text_len(raw['text'])} characters (limit 3000)")
            fields = raw.get("fields") or []
            if len(fields) > 10:
                _fail(here, f"{len(fields)} fields (limit 10)")
            for f in fields:
                if _text_len(f) > 2000:
                    _fail(here, "field longer than 2000")
            if "text" not in raw and not fields:
                _fail(here, "section without text or fields")
            if raw.get("accessory"):
                _check_element(raw["accessory"], here, action_ids)
        elif kind == "header":
            if _text_len(raw.get("text")) > 150:
                _fail(here, "header text longer than 150")
        elif kind == "actions":
            if len(raw.get("elements", [])) > 25:
                _fail(here, "more than 25 elements")
            for el in raw.get("elements", []):
                _check_element(el, here, action_ids)
        elif kind == "context":
            if len(raw.get("elements", [])) > 10:
                _fail(here, "more than 10 elements")
            for el in raw.get("elements", []):
                if _text_len(el) > 3000:
                    _fail(here, "context text longer than 3000")
        elif kind == "input":
            if _text_len(raw.get("label")) > 2000:
                _fail(here, "input label longer than 2000")
            _check_element(raw.get("element") or {}, here, action_ids)
        for key in ("text",):
            obj = raw.get(key)
            if isinstance(obj, dict) and not obj.get("text", "").strip():
                _fail(here, "empty text")


def check_message(payload: dict[str, Any], where: str = "message") -> None:
    blocks = payload.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if blocks is None:
        if not payload.get("text"):
            _fail(where, "a message with neither blocks nor text")
        return
    if not payload.get("text"):
        _fail(where, "a message with blocks needs a fallback text for notifications")
    if len(payload.get("text") or "") > 40000:
        _fail(where, "text longer than 40000")
    check_blocks(blocks, 50, where)


def check_view(view: dict[str, Any], where: str = "view") -> None:
    if isinstance(view, str):
        view = json.loads(view)
    try:
        View(**view).to_dict()
    except Exception as exc:
        _fail(where, f"slack_sdk rejects the view: {exc}")
    check_blocks(view.get("blocks") or [], 100, where)
    if view.get("type") == "modal":
        for key in ("title", "submit", "close"):
            if key in view and _text_len(view[key]) > 24:
                _fail(where, f"modal {key} longer than 24")
        if not view.get("title"):
            _fail(where, "a modal needs a title")
        has_input = any(b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and not view.get("submit"):
            _fail(where, "a modal with inputs needs a submit button")
    if len(view.get("private_metadata") or "") > 3000:
        _fail(where, "private_metadata longer than 3000")
    if len(view.get("callback_id") or "") > 255:
        _fail(where, "callback_id longer than 255")


MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url")
VIEW_METHODS = ("views.open", "views.update", "views.publish", "views.push")


def check_recorded(calls: list[Any]) -> int:
    """Check every payload in the stand-in's calls; returns how many were checked."""
    checked = 0
    for i, call in enumerate(calls):
        where = f"call {i} {call.method}"
        if call.method in MESSAGE_METHODS:
            if call.method == "response_url" and call.params.get("delete_original"):
                continue
            check_message(call.params, where)
            checked += 1
        elif call.method in VIEW_METHODS:
            check_view(call.params.get("view"), where)
            checked += 1
    return checked
