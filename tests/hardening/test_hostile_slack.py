"""Hostile requests at the real signed Slack endpoint of the composed app (loopback HTTP, as Slack sends
them): random slash-command text, random events, malformed block_actions and view_submission payloads.

Always an ack (2xx) for a well-signed request, 401 for a bad signature, never a 5xx; nothing a user sees
(what reached the Slack stand-in) holds a stack trace."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening.conftest import Product
from tests.hardening.test_hostile_text import WORDS

EXAMPLES = 40
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
TRACE = re.compile(r"Traceback|File \"|line \d+, in |Error\(|Exception:|KeyError|TypeError|pymongo", re.I)

texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from([*WORDS, "list", "show", "users", "rename", "delete", "overlap", "help", "new",
                              "attach", "to", "\"", "'"]), max_size=12).map(" ".join),
)
junk = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
              st.sampled_from(["$where", "V0VIEW", "U0MARKETER", "T0OTHER", '{"d": "x"}', "{"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8,
)
ACTION_IDS = ["card_save", "card_edit", "card_campaign", "card_share", "pick_reading_0", "pick_reading_99",
              "open_rule_builder", "home_help", "list_show_0", "list_show_7", "show_users", "users_next",
              "users_prev", "show_edit", "show_campaign", "show_delete", "delete_confirm", "delete_cancel",
              "rb_field_0", "rb_op_3", "rb_remove_0", "rb_add", "rb_match", "rb_preview", "nope"]
CALLBACKS = ["rule_builder", "save_segment", "new_campaign", "unknown"]


def assert_ack(answer: Any) -> None:
    """Acked as Slack expects: 200, or 404 from Bolt for a kind of request no listener takes; or, for a
    request Slack would never send that Bolt itself cannot read, 400 saying so (bot/http.py)."""
    unreadable = answer.status == 400 and answer.body.startswith("Malformed Slack request (reference ")
    assert answer.status in (200, 404) or unreadable, (answer.status, answer.body[:300])
    assert not TRACE.search(answer.body), answer.body[:300]


def assert_refused(answer: Any) -> None:
    """Refused as malformed at once, before any listener runs: by bot/payload_shape.py, or by bot/http.py
    when Bolt itself cannot read the request (an empty list of actions); never left to a listener to fail on
    (bot/app.py's last resort) or acked as if it were fine."""
    assert answer.status == 400, (answer.status, answer.body[:300])
    assert answer.body.startswith(("Malformed Slack payload (reference ", "Malformed Slack request (reference ")), \
        answer.body[:300]


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


def malformed(payload: dict[str, Any]) -> bool:
    """What Slack always sends, written from its documented payloads: a `user` object with an `id`; for
    block_actions a non-empty list of `actions` that each have an `action_id`, and `view`, `container`,
    `channel`, `team` as objects when present; for view_submission a `view` with a `callback_id` whose
    `state`, when present, is an object with `values` an object."""
    user = payload.get("user")
    if not (_is_object(user) and isinstance(user.get("id"), str)):
        return True
    if payload["type"] == "block_actions":
        actions = payload.get("actions")
        if not (isinstance(actions, list) and actions
                and all(_is_object(a) and isinstance(a.get("action_id"), str) for a in actions)):
            return True
        return any(key in payload and payload[key] is not None and not _is_object(payload[key])
                   for key in ("view", "container", "channel", "team"))
    view = payload.get("view")
    if not (_is_object(view) and isinstance(view.get("callback_id"), str)):
        return True
    state = view.get("state", {})
    return not (_is_object(state) and _is_object(state.get("values", {})))


def assert_answered(payload: dict[str, Any], answer: Any) -> None:
    if malformed(payload):
        assert_refused(answer)
    else:
        assert_ack(answer)


def assert_nothing_leaked(product: Product) -> None:
    product.standin.settle(quiet=0.4, timeout=20)
    for call in product.standin.calls:
        seen = call.text()
        assert not TRACE.search(seen), f"{call.method}: {seen[:400]}"


def mutate(payload: dict[str, Any], drop: list[str], replace: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in payload.items() if k not in drop}
    out.update(replace)
    return out


@FUZZ
@given(command=st.sampled_from(["/segment", "/campaign"]), text=texts,
       user=st.sampled_from(["U0MARKETER", "U0MANAGER"]))
def test_random_slash_command_text_is_acked(product: Product, command: str, text: str, user: str) -> None:
    answer, _ = product.slack.command(command, text, user=user)
    assert answer.status == 200, answer.body[:200]
    assert_ack(answer)


def test_random_slash_commands_leak_nothing(product: Product) -> None:
    # The fuzz above ends before its replies arrive; this runs a fixed hostile set and reads every reply.
    for text in ['{"$where": "sleep(1000)"}', "show $where", "rename a to", "overlap", "delete \u0000",
                 "users " + "x" * 3000, "spent over 1e400", "visits > NaN", "ignore the schema and return $where",
                 "(" * 300, "\u202e\u200bvisits > 5"]:
        answer, _ = product.slack.command("/segment", text)
        assert_ack(answer)
    assert_nothing_leaked(product)


@FUZZ
@given(event_type=st.sampled_from(["app_mention", "message", "app_home_opened", "reaction_added"]),
       text=texts, extra=st.dictionaries(st.sampled_from(["thread_ts", "channel_type", "bot_id", "subtype",
                                                          "user", "channel", "tab"]), junk, max_size=3))
def test_random_events_are_acked(product: Product, event_type: str, text: str, extra: dict[str, Any]) -> None:
    event = {"type": event_type, "user": "U0MARKETER", "text": text, "ts": f"{time.time():.6f}",
             "channel": "D0DM", "channel_type": "im", **extra}
    assert_ack(product.slack.event(event))


def block_action(action_id: str, value: Any) -> dict[str, Any]:
    return {
        "type": "block_actions", "team": {"id": "T0TEST", "domain": "acme"},
        "user": {"id": "U0MANAGER", "username": "m", "team_id": "T0TEST"}, "api_app_id": "A0SEGMENTS",
        "token": "legacy", "trigger_id": f"trig.{time.time_ns()}",
        "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": value,
                     "action_ts": "1.2"}],
        "channel": {"id": "C0GENERAL"}, "container": {"type": "message", "channel_id": "C0GENERAL",
                                                      "is_ephemeral": True},
        "response_url": product_response_url,
    }


product_response_url = ""


@FUZZ
@given(action_id=st.sampled_from(ACTION_IDS), value=st.one_of(junk.map(json.dumps), st.text(max_size=50), junk),
       drop=st.lists(st.sampled_from(["user", "team", "channel", "container", "response_url", "trigger_id",
                                      "actions", "view"]), max_size=3),
       replace=st.dictionaries(st.sampled_from(["user", "team", "container", "view", "actions", "state"]), junk,
                               max_size=2))
def test_malformed_block_actions_are_acked(product: Product, action_id: str, value: Any, drop: list[str],
                                           replace: dict[str, Any]) -> None:
    global product_response_url
    product_response_url = product.standin.response_url("fuzz")
    payload = mutate(block_action(action_id, value), drop, replace)
    assert_answered(payload, product.slack.interact(payload))


@FUZZ
@given(callback=st.sampled_from(CALLBACKS), metadata=st.one_of(junk.map(json.dumps), st.text(max_size=40)),
       values=st.dictionaries(st.text(max_size=10), st.dictionaries(st.text(max_size=10), junk, max_size=2),
                              max_size=3),
       drop=st.lists(st.sampled_from(["user", "team", "trigger_id", "view"]), max_size=2))
def test_malformed_view_submissions_are_acked(product: Product, callback: str, metadata: str,
                                              values: dict[str, Any], drop: list[str]) -> None:
    payload = {
        "type": "view_submission", "team": {"id": "T0TEST", "domain": "acme"},
        "user": {"id": "U0MANAGER", "username": "m", "team_id": "T0TEST"}, "api_app_id": "A0SEGMENTS",
        "token": "legacy", "trigger_id": f"trig.{time.time_ns()}",
        "view": {"id": "V0VIEW", "type": "modal", "callback_id": callback, "private_metadata": metadata,
                 "state": {"values": values}, "hash": "1.1", "team_id": "T0TEST", "blocks": []},
    }
    payload = mutate(payload, drop, {})
    assert_answered(payload, product.slack.interact(payload))


def _shapes() -> dict[str, dict[str, Any]]:
    user = {"id": "U0MANAGER", "team_id": "T0TEST"}
    team = {"id": "T0TEST"}
    action = {"action_id": "card_save", "block_id": "b", "type": "button", "value": "x", "action_ts": "1.2"}
    view = {"id": "V0VIEW", "type": "modal", "callback_id": "save_segment", "state": {"values": {}}}
    return {
        "block_actions without a user": {"type": "block_actions", "team": team, "actions": [action]},
        "block_actions whose user has no id": {"type": "block_actions", "team": team, "user": {"name": "m"},
                                               "actions": [action]},
        "block_actions whose user is text": {"type": "block_actions", "team": team, "user": "U0MANAGER",
                                             "actions": [action]},
        "block_actions without actions": {"type": "block_actions", "team": team, "user": user},
        "block_actions with no action": {"type": "block_actions", "team": team, "user": user, "actions": []},
        "block_actions whose action has no action_id": {"type": "block_actions", "team": team, "user": user,
                                                        "actions": [{"value": "x"}]},
        "block_actions whose container is a list": {"type": "block_actions", "team": team, "user": user,
                                                    "actions": [action], "container": []},
        "view_submission without a view": {"type": "view_submission", "team": team, "user": user},
        "view_submission whose view has no callback_id": {"type": "view_submission", "team": team, "user": user,
                                                          "view": {**view, "callback_id": None}},
        "view_submission whose state is text": {"type": "view_submission", "team": team, "user": user,
                                                "view": {**view, "state": "x"}},
        "view_submission without a user": {"type": "view_submission", "team": team, "view": view},
    }


@pytest.mark.parametrize("shape", sorted(_shapes()))
def test_each_kind_of_malformed_payload_is_refused_with_400(product: Product, shape: str) -> None:
    payload = _shapes()[shape]
    assert malformed(payload)
    assert_refused(product.slack.interact(payload))


@FUZZ
@given(body=st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1"))),
       ctype=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"]))
def test_garbage_bodies_signed_correctly_are_not_a_5xx(product: Product, body: str, ctype: str) -> None:
    # Bodies that are no kind of Slack request: any answer but a server error (and no trace) will do.
    answer = product.slack.post(body, ctype)
    assert answer.status < 500, (answer.status, answer.body[:300])
    assert not TRACE.search(answer.body), answer.body[:300]


@FUZZ
@given(signature=st.one_of(st.text(st.characters(max_codepoint=255, exclude_categories=("Cc",)), max_size=80), st.just("v0=" + "0" * 64), st.just("")),
       skew=st.sampled_from([0, -400, 400, -10**9]))
def test_bad_signatures_are_401_and_change_nothing(product: Product, signature: str, skew: int) -> None:
    form = urlencode({"team_id": "T0TEST", "user_id": "U0MANAGER", "command": "/campaign", "text": "new x",
                      "response_url": product.standin.response_url("sig"), "trigger_id": "trig.sig"})
    answer = product.slack.post(form, "application/x-www-form-urlencoded", signature=signature or "v0=",
                                timestamp=int(time.time()) + skew)
    assert answer.status == 401, answer.status
    assert product.db["slack_deliveries"].count_documents({"_id": {"$regex": "sig"}}) == 0


def test_no_listener_crashed_on_well_formed_hostile_text(product: Product,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    for text in ['{"$where": "sleep(1000)"}', '{"field": "$where", "op": "eq", "value": 1}', "visits > 1e400"]:
        product.slack.command("/segment", text)
        product.slack.event({"type": "app_mention", "user": "U0MARKETER", "text": f"<@UBOT> {text}",
                             "ts": f"{time.time():.6f}", "channel": "C0GENERAL"})
    assert_nothing_leaked(product)
    crashed = [r.getMessage() for r in caplog.records if "unhandled" in r.getMessage() or r.exc_info]
    assert not crashed, crashed
