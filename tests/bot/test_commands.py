"""/segment and /campaign over HTTP, asserting on what the marketer sees."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pymongo import MongoClient

from bot import BotServices, create_app
from bot.services import BotConfig
from segcore.catalog import default_catalog
from segcore.rules import rule_from_json
from segcore.storage.database import Store
from segcore.storage.embedded import free_port
from tests.bot.blockcheck import check_recorded
from tests.bot.conftest import NOW, SECRET, TEAM, make_services, serve
from tests.bot.driver import SlackDriver
from tests.bot.slack_standin import SlackStandIn

PUNE = {"field": "city", "op": "eq", "value": "Pune"}
BIG = {"field": "total_spend", "op": "gt", "value": 5000}


def reply_to(standin: SlackStandIn, url: str, needle: str) -> str:
    name = url.rsplit("/", 1)[1]
    return standin.wait_for(lambda c: c.path.endswith("/" + name) and needle.lower() in c.text().lower(),
                            what=f"a reply containing {needle!r}").text()


def save(services: BotServices, name: str, rule: dict[str, Any]) -> Any:
    return services.store.segments.create(TEAM, name, rule_from_json(rule), name, "user", "U0MARKETER")


def test_help_and_empty_text_show_the_commands(slack: SlackDriver, standin: SlackStandIn) -> None:
    _, url = slack.command("/segment", "help")
    assert "/segment list" in reply_to(standin, url, "help")
    _, url = slack.command("/segment", "   ")
    text = reply_to(standin, url, "/segment overlap")
    assert "/campaign new" in text


def test_unknown_words_are_refused_with_the_rule_builder_offered(slack: SlackDriver, standin: SlackStandIn) -> None:
    _, url = slack.command("/segment", "frobnicate the wibble")
    text = reply_to(standin, url, "couldn't read")
    assert "Open rule builder" in text
    _, url = slack.command("/segment", "lsit")
    assert "/segment list" in reply_to(standin, url, "Did you mean")
    _, url = slack.command("/campaign", "frobnicate")
    text = reply_to(standin, url, "don't know")
    assert "/campaign attach" in text


def test_text_of_4000_characters_gets_a_clear_limit(slack: SlackDriver, standin: SlackStandIn) -> None:
    answer, url = slack.command("/segment", "spent over 5k in Pune " * 182)  # 4,004 characters
    assert answer.status == 200
    text = reply_to(standin, url, "couldn't read")
    assert "2,000" in text


def test_list_show_users_rename_delete(slack: SlackDriver, standin: SlackStandIn, services: BotServices,
                                       users: list[dict[str, Any]]) -> None:
    save(services, "Pune folks", PUNE)
    save(services, "Big spenders", BIG)
    _, url = slack.command("/segment", "list")
    text = reply_to(standin, url, "Segments (2)")
    assert "Pune folks" in text and "Big spenders" in text

    _, url = slack.command("/segment", "show pune folks")
    text = reply_to(standin, url, "Segment: Pune folks")
    in_pune = sum(1 for u in users if u.get("city") == "Pune")
    assert f"{in_pune} people" in text and "city is Pune" in text and "last computed" in text
    assert services.store.segments.get_by_name(TEAM, "Pune folks").last_size == in_pune

    _, url = slack.command("/segment", "users Pune folks")
    page = standin.wait_for(lambda c: c.path.endswith(url.rsplit("/", 1)[1]) and "Members of" in c.text())
    pune_users = sorted((u for u in users if u.get("city") == "Pune"), key=lambda u: u["user_id"])
    assert "Page 1" in page.text()
    for u in pune_users:  # PII is masked: no full email or name of a member ever reaches Slack
        assert u["email"] not in page.text() and u["name"] not in page.text()
    assert pune_users[0]["email"][0] + "***@" in page.text()
    next_value = next(e["value"] for b in page.blocks if b.get("type") == "actions" for e in b["elements"]
                      if e["action_id"] == "users_next")
    slack.click("users_next", next_value, response_url=url)
    second = standin.wait_for(lambda c: "Page 2" in c.text() and c.params.get("replace_original"))
    assert "Previous" in second.text()

    _, url = slack.command("/segment", "rename Pune folks to Pune regulars")
    assert "Pune regulars" in reply_to(standin, url, "Renamed")
    assert services.store.segments.get_by_name(TEAM, "Pune regulars") is not None

    _, url = slack.command("/segment", "delete Pune regulars")
    question = standin.wait_for(lambda c: c.path.endswith(url.rsplit("/", 1)[1]) and "cannot be undone" in c.text())
    segment_id = next(e["value"] for b in question.blocks if b.get("type") == "actions" for e in b["elements"]
                      if e["action_id"] == "delete_confirm")
    assert services.store.segments.get_by_name(TEAM, "Pune regulars") is not None  # asked, not done
    slack.click("delete_confirm", segment_id, response_url=url)
    standin.wait_for_text("Deleted the segment", "response_url")
    assert services.store.segments.get_by_name(TEAM, "Pune regulars") is None


def test_missing_names_say_what_exists(slack: SlackDriver, standin: SlackStandIn) -> None:
    _, url = slack.command("/segment", "show nobody-by-that-name")
    assert "/segment list" in reply_to(standin, url, "no saved segment")
    _, url = slack.command("/segment", "delete")
    assert "/segment delete NAME" in reply_to(standin, url, "Which segment")


def test_overlap_of_two_saved_segments(slack: SlackDriver, standin: SlackStandIn, services: BotServices,
                                       users: list[dict[str, Any]]) -> None:
    save(services, "Pune folks", PUNE)
    save(services, "Big spenders", BIG)
    _, url = slack.command("/segment", 'overlap "Pune folks" Big spenders')
    text = reply_to(standin, url, "In both")
    both = sum(1 for u in users if u.get("city") == "Pune" and u.get("total_spend", 0) > 5000)
    assert f"*In both:* {both} " in text


def test_campaign_list_show_attach(slack: SlackDriver, standin: SlackStandIn, services: BotServices) -> None:
    segment = save(services, "Pune folks", PUNE)
    services.store.campaigns.create(TEAM, "Diwali", "email", "Happy Diwali", "U0MARKETER")
    _, url = slack.command("/campaign", "list")
    assert "Diwali" in reply_to(standin, url, "Campaigns (1)")
    _, url = slack.command("/campaign", "attach Diwali Pune folks")
    reply_to(standin, url, "Attached")
    assert services.store.campaigns.get_by_name(TEAM, "Diwali").segment_ids == (segment.id,)
    _, url = slack.command("/campaign", "show diwali")
    assert "Pune folks" in reply_to(standin, url, "Campaign: Diwali")


def test_campaign_new_opens_a_modal_and_creates_the_campaign(
    slack: SlackDriver, standin: SlackStandIn, services: BotServices
) -> None:
    segment = save(services, "Pune folks", PUNE)
    slack.command("/campaign", "new Winter sale")
    opened = standin.wait_for(lambda c: c.method == "views.open", what="the New campaign modal")
    view = opened.view
    assert view["callback_id"] == "new_campaign"
    answer = slack.submit(view, {
        "campaign_name": {"name": {"type": "plain_text_input", "value": "Winter sale"}},
        "campaign_channel": {"channel": {"type": "static_select", "selected_option": {"value": "sms"}}},
        "campaign_message": {"message": {"type": "plain_text_input", "value": "20% off"}},
        "campaign_segment": {"segment": {"type": "static_select", "selected_option": {"value": segment.id}}},
    })
    assert answer.status == 200 and not answer.body
    standin.wait_for_text("Created the sms campaign", "response_url")
    campaign = services.store.campaigns.get_by_name(TEAM, "Winter sale")
    assert campaign is not None and campaign.segment_ids == (segment.id,) and campaign.channel == "sms"
    again = slack.submit(view, {"campaign_name": {"name": {"type": "plain_text_input", "value": "winter SALE"}}})
    assert again.json()["response_action"] == "errors"
    assert "already exists" in again.json()["errors"]["campaign_name"]


def test_a_slow_name_check_closes_the_modal_and_a_clash_is_told_in_a_message(
    slack: SlackDriver, standin: SlackStandIn, services: BotServices, mongo_client: Any
) -> None:
    """The name check before the ack has a short deadline; past it, the write's unique index decides."""
    segment = save(services, "Pune folks", PUNE)
    services.store.campaigns.create(TEAM, name="Winter sale", channel="email", message="", owner="U0X",
                                    segment_ids=(segment.id,))
    slack.command("/campaign", "new Winter sale")
    view = standin.wait_for(lambda c: c.method == "views.open", what="the New campaign modal").view
    mongo_client.admin.command({
        "configureFailPoint": "failCommand", "mode": {"times": 1},
        "data": {"failCommands": ["find"], "blockConnection": True, "blockTimeMS": 1500},
    })
    try:
        answer = slack.submit(view, {
            "campaign_name": {"name": {"type": "plain_text_input", "value": "WINTER sale"}},
            "campaign_segment": {"segment": {"type": "static_select", "selected_option": {"value": segment.id}}},
        })
    finally:
        mongo_client.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
    assert answer.status == 200 and not answer.body  # closed: the check did not wait for the slow database
    told = standin.wait_for_text("already exists", "response_url")
    assert "WINTER sale" in told.text() and "not answering" not in told.text()
    assert [c.name for c in services.store.campaigns.list(TEAM)] == ["Winter sale"]


@pytest.mark.usefixtures("stored_users")
def test_campaign_managers_only(standin: SlackStandIn, store: Store) -> None:
    config = BotConfig(bot_token="xoxb-t", signing_secret=SECRET, team_id=TEAM, api_url=standin.base_url,
                       campaign_managers=("U0BOSS",))
    app = create_app(make_services(store, standin), config)
    for url in serve(app):
        slack = SlackDriver(url, SECRET, standin, TEAM)
        _, reply = slack.command("/campaign", "new Spring", user="U0INTERN")
        assert "campaign managers" in reply_to(standin, reply, "Only campaign managers")
        slack.command("/campaign", "new Spring", user="U0BOSS")
        standin.wait_for(lambda c: c.method == "views.open")


def test_a_database_that_is_down_gets_a_clear_message_quickly(standin: SlackStandIn) -> None:
    closed = free_port()
    client: MongoClient[dict[str, Any]] = MongoClient(
        f"mongodb://127.0.0.1:{closed}/?directConnection=true", tz_aware=True,
        serverSelectionTimeoutMS=1500, connectTimeoutMS=1500)
    store = Store.from_database(client["segments"], default_catalog())
    config = BotConfig(bot_token="xoxb-t", signing_secret=SECRET, team_id=TEAM, api_url=standin.base_url)
    app = create_app(make_services(store, standin), config)  # starts even though the database is down
    try:
        for url in serve(app):
            slack = SlackDriver(url, SECRET, standin, TEAM)
            answer, reply = slack.command("/segment", json.dumps(PUNE))
            assert answer.status == 200  # acked within 3 s although every database call fails
            text = reply_to(standin, reply, "not answering")
            assert "Try again" in text and "Reference" in text
            assert "Traceback" not in text and "ServerSelectionTimeoutError" not in text
            slack.event({"type": "app_home_opened", "user": "U0MARKETER", "channel": "D1", "tab": "home",
                         "event_ts": "1.1"})
            home = standin.wait_for(lambda c: c.method == "views.publish", timeout=15)
            assert "not answering" in home.text()
    finally:
        client.close()
    check_recorded(standin.calls)


@pytest.mark.parametrize("now", [NOW])
def test_now_is_the_fixture_clock(now: Any, services: BotServices) -> None:
    assert services.now() == now


def test_an_unexpected_failure_gives_a_short_message_and_a_logged_reference(
    slack: SlackDriver, standin: SlackStandIn, services: BotServices, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire at 0x7f3a")

    services.engine.count = broken  # type: ignore[method-assign]
    with caplog.at_level("ERROR", logger="segments.bot"):
        _, url = slack.command("/segment", json.dumps(PUNE))
        text = reply_to(standin, url, "went wrong")
    assert "disk on fire" not in text and "Traceback" not in text and "RuntimeError" not in text
    reference = text.split("Reference: `")[1].split("`")[0]
    assert len(reference) == 8
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the details are in the log, under the same reference


def test_a_database_that_comes_back_gets_the_bots_indexes(standin: SlackStandIn) -> None:
    from pathlib import Path

    from bot.stores import CONVERSATIONS, DELIVERIES
    from segcore.storage.embedded import EmbeddedServer

    port = free_port()
    client: MongoClient[dict[str, Any]] = MongoClient(
        f"mongodb://127.0.0.1:{port}/?directConnection=true", tz_aware=True,
        serverSelectionTimeoutMS=1500, connectTimeoutMS=1500)
    store = Store.from_database(client["segments"], default_catalog())
    config = BotConfig(bot_token="xoxb-t", signing_secret=SECRET, team_id=TEAM, api_url=standin.base_url)
    app = create_app(make_services(store, standin), config)  # the database is down: no indexes yet
    server = EmbeddedServer(Path(":memory:"), port=port).start()
    try:
        for url in serve(app):
            slack = SlackDriver(url, SECRET, standin, TEAM)
            _, reply = slack.command("/segment", "help")
            reply_to(standin, reply, "/segment list")
        assert "ttl_at" in client["segments"][DELIVERIES].index_information()
        assert "thread" in client["segments"][CONVERSATIONS].index_information()
    finally:
        client.close()
        server.stop()
