"""Rate limits: per API token on /api and per write key on /v1, their defaults and how they are set."""

from __future__ import annotations

import pytest

from admin import create_app
from admin.tokens import TokenStore
from segcore.ratelimit import RateLimiter
from segcore.storage.database import Store
from segments.config import ConfigError, Settings
from tests.events.conftest import TEAM, make_services


def test_past_the_api_limit_a_token_gets_429_with_retry_after(store: Store) -> None:
    services = make_services(store)
    limited = type(services)(**{**services.__dict__, "api_rate_limit": RateLimiter(1, burst=2)})
    client = create_app(limited, {"TESTING": True}).test_client()
    token = TokenStore(store.db).create(TEAM, "busy")[1]
    other = TokenStore(store.db).create(TEAM, "calm")[1]
    headers = {"Authorization": f"Bearer {token}"}
    codes = [client.get("/api/segments", headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    answer = client.get("/api/segments", headers=headers)
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) >= 1
    assert answer.get_json()["error"]["code"] == "too_many_requests"
    # Another token has its own bucket; a wrong token is 401 before any bucket.
    assert client.get("/api/segments", headers={"Authorization": f"Bearer {other}"}).status_code == 200
    assert client.get("/api/segments", headers={"Authorization": "Bearer seg_wrong"}).status_code == 401


def test_the_defaults_and_how_to_change_them() -> None:
    defaults = Settings.from_env({})
    # Far above what a library sends (one batch of up to 500 KB at a time per thread): never met in use.
    assert defaults.event_rate_limit >= 500
    assert defaults.api_rate_limit == 50
    changed = Settings.from_env({"SEGMENTS_EVENTS_RATE_LIMIT": "2000", "SEGMENTS_API_RATE_LIMIT": "0"})
    assert (changed.event_rate_limit, changed.api_rate_limit) == (2000, 0)
    assert not RateLimiter(changed.api_rate_limit).enabled
    with pytest.raises(ConfigError, match="SEGMENTS_EVENTS_RATE_LIMIT"):
        Settings.from_env({"SEGMENTS_EVENTS_RATE_LIMIT": "fast"})
