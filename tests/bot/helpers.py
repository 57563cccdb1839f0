"""Reading what the app sent: buttons on a recorded message, values in a view."""

from __future__ import annotations

from typing import Any

from tests.bot.slack_standin import Call


def elements(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for block in blocks:
        found.extend(block.get("elements") or [])
        if block.get("accessory"):
            found.append(block["accessory"])
        if block.get("element"):
            found.append(block["element"])
    return found


def button_value(call: Call, action_id: str) -> str:
    blocks = call.blocks or call.view.get("blocks", [])
    for el in elements(blocks):
        if el.get("action_id") == action_id:
            return str(el.get("value", ""))
    raise AssertionError(f"no {action_id} button in {call.method}: {call.text()[:300]}")


def block_ids(view: dict[str, Any], prefix: str) -> list[str]:
    return [b["block_id"] for b in view.get("blocks", []) if b.get("block_id", "").startswith(prefix)]
