"""Multi-workspace installs: the MongoDB installation and OAuth state stores, and the install flow over HTTP."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.database import Database
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot import BotConfig, OAuthConfig, create_app
from bot.oauth_store import STATES, MongoInstallationStore, MongoOAuthStateStore
from segcore.rules import rule_from_json
from segcore.storage.database import Store
from tests.bot.conftest import SECRET, make_services, serve
from tests.bot.driver import SlackDriver
from tests.bot.slack_standin import SlackStandIn


def installation(team: str, user: str, token: str, at: float) -> Installation:
    return Installation(app_id="A0", team_id=team, team_name=f"{team} Co", user_id=user, bot_token=token,
                        bot_id="B0", bot_user_id="UBOT", bot_scopes=["commands", "chat:write"],
                        installed_at=at)


def test_installations_are_found_per_workspace_latest_first(db: Database[dict[str, Any]]) -> None:
    store = MongoInstallationStore(db, client_id="111.222")
    store.ensure_indexes()
    store.save(installation("T1", "U1", "xoxb-old", 1000.0))
    store.save(installation("T1", "U2", "xoxb-new", 2000.0))
    store.save(installation("T2", "U9", "xoxb-t2", 1500.0))
    found = store.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-new" and found.user_id == "U2"
    mine = store.find_installation(enterprise_id=None, team_id="T1", user_id="U1")
    assert mine is not None and mine.user_id == "U1" and mine.bot_token == "xoxb-new"  # the current bot token
    bot = store.find_bot(enterprise_id=None, team_id="T2")
    assert bot is not None and bot.bot_token == "xoxb-t2" and bot.bot_scopes == ["commands", "chat:write"]
    assert store.find_bot(enterprise_id=None, team_id="T3") is None
    assert MongoInstallationStore(db, client_id="other-app").find_bot(enterprise_id=None, team_id="T1") is None

    store.delete_installation(enterprise_id=None, team_id="T1", user_id="U1")
    assert store.find_installation(enterprise_id=None, team_id="T1", user_id="U1") is None
    store.delete_all(enterprise_id=None, team_id="T1")
    assert store.find_installation(enterprise_id=None, team_id="T1") is None
    assert store.find_bot(enterprise_id=None, team_id="T1") is None
    assert store.find_bot(enterprise_id=None, team_id="T2") is not None


def test_oauth_state_is_used_once_and_expires(db: Database[dict[str, Any]]) -> None:
    states = MongoOAuthStateStore(db, expiration_seconds=600)
    states.ensure_indexes()
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False  # once only
    assert states.consume("never-issued") is False
    old = states.issue()
    db[STATES].update_one({"_id": old}, {"$set": {"expire_at": datetime.now(UTC) - timedelta(seconds=1)}})
    assert states.consume(old) is False


@pytest.mark.usefixtures("stored_users")
def test_install_then_serve_the_new_workspace_with_its_own_data(standin: SlackStandIn, store: Store,
                                                                db: Database[dict[str, Any]]) -> None:
    services = make_services(store, standin)
    other = "T0OTHER"
    db["users"].insert_many([{"team_id": other, "user_id": f"o{i}", "city": "Pune", "visits": 99}
                             for i in range(3)])
    services.store.segments.create(other, "Other Pune", rule_from_json(
        {"field": "city", "op": "eq", "value": "Pune"}), "in Pune", "grammar", "U0ADMIN")
    config = BotConfig(bot_token=None, signing_secret=SECRET, api_url=standin.base_url,
                       oauth=OAuthConfig("111.222", "client-secret", scopes=("commands", "chat:write")))
    app = create_app(services, config)
    for url in serve(app):
        with urllib.request.urlopen(url + "/slack/install", timeout=5) as page:
            html = page.read().decode()
            cookie = page.headers["Set-Cookie"].split(";")[0]
        state = re.search(r"state=([A-Za-z0-9_\-]+)", html)
        assert state is not None and "slack.com/oauth/v2/authorize" in html
        request = urllib.request.Request(f"{url}/slack/oauth_redirect?code=abc&state={state.group(1)}",
                                         headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=5) as done:
            assert done.status == 200
        access = standin.wait_for(lambda c: c.method == "oauth.v2.access")
        assert access.params.get("code") == "abc"
        installed = MongoInstallationStore(db, client_id="111.222").find_bot(enterprise_id=None, team_id=other)
        assert installed is not None and installed.bot_token == "xoxb-installed"

        # A request from the new workspace reads that workspace's data, with that workspace's token.
        slack = SlackDriver(url, SECRET, standin, other)
        slack.command("/segment", "list")
        listed = standin.wait_for(lambda c: c.method == "response_url" and "Other Pune" in c.text())
        assert "Segments (1)" in listed.text()
        slack.command("/segment", json.dumps({"field": "visits", "op": "gt", "value": 50}))
        card = standin.wait_for(lambda c: c.method == "response_url" and "Audience" in c.text()
                                and c.params.get("replace_original"))
        assert "*Audience:* 3 people" in card.text()
        slack.event({"type": "app_home_opened", "user": "U0ADMIN", "channel": "D1", "tab": "home",
                     "event_ts": str(time.time())})
        home = standin.wait_for(lambda c: c.method == "views.publish")
        assert home.headers["authorization"] == "Bearer xoxb-installed"
