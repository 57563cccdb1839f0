"""Random bodies and messages at /v1: never a 5xx, never a trace, only messages that are valid stored."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from admin import create_app
from admin.tracking.keys import SourceStore
from segcore.storage.database import Store
from tests.events.conftest import TEAM, make_services

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
KEYS = st.sampled_from(["type", "userId", "anonymousId", "event", "timestamp", "messageId", "properties",
                        "traits", "previousId", "originalTimestamp", "context", "name", "$where", "a.b"])
MESSAGES = st.dictionaries(KEYS, VALUES | st.sampled_from(["track", "identify", "page", "alias", "2026-01-01"]),
                           max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(MESSAGES | VALUES, max_size=6), raw=st.binary(max_size=64))
def test_random_batches_never_fail_the_server(store: Store, batch: list[Any], raw: bytes) -> None:
    key = _key(store)
    client = create_app(make_services(store), {"TESTING": True}).test_client()
    auth = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
    for path, body in (("/v1/batch", json.dumps({"batch": batch}).encode()), ("/v1/track", raw),
                       ("/v1/identify", json.dumps(batch[0] if batch else {}).encode())):
        answer = client.post(path, data=body, headers=auth)
        assert answer.status_code in (200, 400, 413), (path, answer.status_code, answer.get_data(as_text=True))
        text = answer.get_data(as_text=True)
        assert "Traceback" not in text
        assert answer.get_json() is not None
    for doc in store.db.events.find({}, {"_id": 0}):
        assert doc["team_id"] == TEAM and isinstance(doc["event"], str) and doc["event"]
        assert doc["user_id"] is not None or doc["anonymous_id"] is not None
        assert not _operator_like_keys(doc["properties"])


def _operator_like_keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        bad = [k for k in value if k.startswith("$") or "." in k]
        return bad + [b for v in value.values() for b in _operator_like_keys(v)]
    if isinstance(value, list):
        return [b for v in value for b in _operator_like_keys(v)]
    return []


_KEYS: dict[str, str] = {}


def _key(store: Store) -> str:
    name = store.db.name
    if name not in _KEYS:
        _KEYS[name] = SourceStore(store.db).create(TEAM, "fuzz")[1]
    return _KEYS[name]
