"""Refuse interactivity payloads that lack what every listener reads, before Bolt matches a listener.

Slack always sends ``user.id`` and a list of ``actions`` (block_actions) or a ``view`` with a
``callback_id`` (view_submission). A signed request without them is malformed: without this check Bolt's own
matchers and error handler index into them and the request either fails with a 500 or hangs until Bolt's
3-second ack timeout. Answered at once with 400 and a reference logged.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse

log = logging.getLogger("segments.bot")


def _problem(body: dict[str, Any]) -> str | None:
    kind = body.get("type")
    if kind not in ("block_actions", "view_submission", "view_closed"):
        return None
    user = body.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return "no user id"
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            return "no actions"
        if not all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions):
            return "an action without an action_id"
        for key in ("view", "container", "channel", "team"):
            if key in body and not isinstance(body[key], dict | type(None)):
                return f"{key} is not an object"
        return None
    view = body.get("view")
    if not isinstance(view, dict) or not isinstance(view.get("callback_id"), str):
        return "no view callback_id"
    state = view.get("state", {})
    if not isinstance(state, dict) or not isinstance(state.get("values", {}), dict):
        return "view state is not an object"
    return None


def refuse_malformed(body: dict[str, Any], next: Callable[[], Any]) -> BoltResponse | None:
    problem = _problem(body) if isinstance(body, dict) else "not an object"
    if problem is None:
        return next()
    ref = secrets.token_hex(4)
    log.warning("ref=%s refused a malformed Slack payload (type=%s): %s", ref,
                body.get("type") if isinstance(body, dict) else None, problem)
    return BoltResponse(status=400, body=f"Malformed Slack payload (reference {ref}).")
