"""The app leaving a workspace: signed ``app_uninstalled`` and ``tokens_revoked`` events sent to the real HTTP
endpoint, then the OAuth store and the scheduler's posts checked."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pymongo.database import Database

from bot import BotConfig, OAuthConfig, create_app
from bot.oauth_store import BOTS, INSTALLATIONS, MongoInstallationStore
from scheduler import SchedulerConfig, build_scheduler
from scheduler.compose import notifier_from_settings
from segcore.audience import AudienceEngine
from segcore.rules import rule_from_json
from segcore.storage.database import Store
from segcore.storage.workspaces import WORKSPACES, is_uninstalled
from segments.config import Settings
from tests.bot.conftest import SECRET, TEAM, make_services, serve
from tests.bot.driver import SlackDriver
from tests.bot.slack_standin import SlackStandIn
from tests.bot.test_oauth import installation
from tests.campaign_support import slack_stand_in
from tests.scheduler_support import RecordingNotifier

CLIENT_ID = "111.222"
STAYS = "T0STAYS"
PUNE = {"field": "city", "op": "eq", "value": "Pune"}


def _wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    # Bolt acks first and runs the listener after, so the effect lands shortly after the answer.
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def _segments(store: Store, teams: tuple[str, ...]) -> None:
    for team in teams:
        store.segments.create(team, "Pune", rule_from_json(PUNE), "in Pune", "grammar", "U0ADMIN")


OAUTH_ENV = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "client-secret"}
SINGLE_ENV = {"SLACK_BOT_TOKEN": "xoxb-test-token"}


def _digest_tokens(store: Store, env: dict[str, str]) -> tuple[set[str], Any]:
    """Run the digest job with the notifier `segments serve` builds from ``env``: the bot tokens it posted
    with (one per workspace posted to), and the run's outcome."""
    with slack_stand_in() as slack:
        notifier = notifier_from_settings(Settings.from_env({**env, "SLACK_API_URL": slack.base_url}), store)
        scheduler = build_scheduler(store, AudienceEngine(store), notifier,
                                    SchedulerConfig(instance_id="A", digest_channel="C-DIGEST"))
        try:
            outcome = scheduler.run_job_now("digest")
        finally:
            scheduler.shutdown(wait=True)
    return {m["_auth"] for m in slack.messages}, outcome


@pytest.fixture
def oauth_driver(store: Store, standin: SlackStandIn, db: Database[dict[str, Any]],
                 stored_users: list[dict[str, Any]]) -> Iterator[SlackDriver]:
    installs = MongoInstallationStore(db, client_id=CLIENT_ID)
    installs.ensure_indexes()
    installs.save(installation(TEAM, "U1", "xoxb-leaving", 1000.0))
    installs.save(installation(TEAM, "U2", "xoxb-leaving", 2000.0))
    installs.save(installation(STAYS, "U9", "xoxb-stays", 1500.0))
    _segments(store, (TEAM, STAYS))
    config = BotConfig(bot_token=None, signing_secret=SECRET, api_url=standin.base_url,
                       oauth=OAuthConfig(CLIENT_ID, "client-secret", scopes=("commands", "chat:write")))
    app = create_app(make_services(store, standin), config)
    for url in serve(app):
        yield SlackDriver(url, SECRET, standin, TEAM)


def _stored(db: Database[dict[str, Any]], collection: str, team: str) -> int:
    return db[collection].count_documents({"team_id": team})


def test_app_uninstalled_deletes_the_workspace_tokens_and_stops_its_posts(
        oauth_driver: SlackDriver, store: Store, db: Database[dict[str, Any]]) -> None:
    before, outcome = _digest_tokens(store, OAUTH_ENV)
    assert before == {"Bearer xoxb-leaving", "Bearer xoxb-stays"} and outcome.error is None  # both posted to

    answer = oauth_driver.event({"type": "app_uninstalled", "event_ts": str(time.time())})
    assert answer.status == 200
    _wait_until(lambda: _stored(db, INSTALLATIONS, TEAM) == 0 and _stored(db, BOTS, TEAM) == 0,
                "the installation and bot token of the workspace to be deleted")
    installs = MongoInstallationStore(db, client_id=CLIENT_ID)
    assert installs.find_installation(enterprise_id=None, team_id=TEAM) is None
    assert installs.find_bot(enterprise_id=None, team_id=TEAM) is None
    assert installs.find_bot(enterprise_id=None, team_id=STAYS) is not None  # another workspace is untouched
    _wait_until(lambda: is_uninstalled(db, TEAM), "the workspace to be marked uninstalled")
    assert [s.name for s in store.segments.list(TEAM)] == ["Pune"]  # its data is kept
    assert _stored(db, "users", TEAM) > 0

    after, outcome = _digest_tokens(store, OAUTH_ENV)
    assert after == {"Bearer xoxb-stays"} and outcome.error is None and outcome.result == {"posted": 1}
    # And again: a workspace that left is skipped quietly on every run, not retried as an error.
    again, outcome = _digest_tokens(store, OAUTH_ENV)
    assert again == {"Bearer xoxb-stays"} and outcome.error is None


def test_a_workspace_without_an_installation_is_not_posted_to(
        oauth_driver: SlackDriver, store: Store, db: Database[dict[str, Any]]) -> None:
    # Tokens gone (deleted by hand, or an uninstall we never heard of) and no mark: still nothing, no error.
    db[INSTALLATIONS].delete_many({"team_id": TEAM})
    db[BOTS].delete_many({"team_id": TEAM})
    tokens, outcome = _digest_tokens(store, OAUTH_ENV)
    assert tokens == {"Bearer xoxb-stays"} and outcome.error is None and outcome.result == {"posted": 1}


def test_tokens_revoked_deletes_the_revoked_tokens(
        oauth_driver: SlackDriver, store: Store, db: Database[dict[str, Any]]) -> None:
    installs = MongoInstallationStore(db, client_id=CLIENT_ID)
    answer = oauth_driver.event({"type": "tokens_revoked", "tokens": {"oauth": ["U1"], "bot": []},
                                 "event_ts": str(time.time())})
    assert answer.status == 200
    _wait_until(lambda: installs.find_installation(enterprise_id=None, team_id=TEAM, user_id="U1") is None,
                "U1's installation to be deleted")
    assert installs.find_installation(enterprise_id=None, team_id=TEAM, user_id="U2") is not None
    assert installs.find_bot(enterprise_id=None, team_id=TEAM) is not None
    assert not is_uninstalled(db, TEAM)  # a user's token only: the bot still posts

    answer = oauth_driver.event({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]},
                                 "event_ts": str(time.time())})
    assert answer.status == 200
    _wait_until(lambda: is_uninstalled(db, TEAM), "the workspace to be marked uninstalled (done last)")
    assert installs.find_bot(enterprise_id=None, team_id=TEAM) is None
    # The installation's own copy of the bot token is gone too, so Bolt cannot find it that way.
    remaining = installs.find_installation(enterprise_id=None, team_id=TEAM, user_id="U2")
    assert remaining is not None and remaining.bot_token is None
    assert db[INSTALLATIONS].count_documents({"team_id": TEAM, "bot_token": {"$ne": None}}) == 0
    tokens, outcome = _digest_tokens(store, OAUTH_ENV)
    assert tokens == {"Bearer xoxb-stays"} and outcome.error is None


def test_a_single_workspace_install_stops_posting_until_its_token_works_again(
        store: Store, standin: SlackStandIn, db: Database[dict[str, Any]], config: BotConfig) -> None:
    _segments(store, (TEAM,))
    app = create_app(make_services(store, standin), config)
    for url in serve(app):
        answer = SlackDriver(url, SECRET, standin, TEAM).event({"type": "app_uninstalled",
                                                               "event_ts": str(time.time())})
        assert answer.status == 200
        _wait_until(lambda: is_uninstalled(db, TEAM), "the workspace to be marked uninstalled")
    assert db[WORKSPACES].find_one({"_id": TEAM})["reason"] == "app_uninstalled"
    tokens, outcome = _digest_tokens(store, SINGLE_ENV)
    assert tokens == set() and outcome.error is None and outcome.result == {"posted": 0}

    # Reinstalled with a token Slack accepts (auth.test at start-up): the posts come back.
    create_app(make_services(store, standin), config)
    assert not is_uninstalled(db, TEAM)
    tokens, outcome = _digest_tokens(store, SINGLE_ENV)
    assert tokens == {"Bearer xoxb-test-token"} and outcome.result == {"posted": 1}


def test_alerts_are_not_posted_to_a_workspace_that_left(
        store: Store, standin: SlackStandIn, db: Database[dict[str, Any]], config: BotConfig) -> None:
    segment = store.segments.create(TEAM, "Pune", rule_from_json(PUNE), "in Pune", "grammar", "U0ADMIN")
    size = db["users"].count_documents({"team_id": TEAM, "city": "Pune"})
    store.segments.set_alert(TEAM, segment.id, {"direction": "below", "threshold": size, "channel": "C-AL"},
                             "U0ADMIN")
    notifier = RecordingNotifier()
    scheduler = build_scheduler(store, AudienceEngine(store), notifier, SchedulerConfig(instance_id="A"))
    try:
        assert scheduler.run_job_now("snapshot").result == {"segments": 1, "alerts": 0}  # the side: clear
        app = create_app(make_services(store, standin), config)
        for url in serve(app):
            SlackDriver(url, SECRET, standin, TEAM).event({"type": "app_uninstalled", "event_ts": str(time.time())})
            _wait_until(lambda: is_uninstalled(db, TEAM), "the workspace to be marked uninstalled")
        db["users"].delete_one({"team_id": TEAM, "city": "Pune"})  # crosses below the line: an alert is due
        outcome = scheduler.run_job_now("snapshot")
        assert outcome.error is None and outcome.result == {"segments": 1, "alerts": 0}
        assert notifier.posts == []
    finally:
        scheduler.shutdown(wait=True)
