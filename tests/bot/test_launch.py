"""Launching and exporting campaigns and setting size alerts from Slack, over signed HTTP against the stand-in."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App

from bot import BotConfig, BotServices, create_app
from bot.blocks.common import people
from scheduler.alerts import valid_alert
from segcore.campaigns import in_holdout
from segcore.campaigns import launch as segcore_launch
from segcore.campaigns.audience_rows import iter_rows
from segcore.rules import rule_from_json
from tests.bot.blockcheck import check_recorded
from tests.bot.conftest import NOW, SECRET, TEAM, check_no_pii, serve
from tests.bot.driver import SlackDriver
from tests.bot.slack_standin import Call, SlackStandIn

MANAGER = "U0BOSS"
MARKETER = "U0MARKETER"
PUNE = {"field": "city", "op": "eq", "value": "Pune"}


@pytest.fixture
def launches(services: BotServices) -> list[tuple[str, str, str, float | None]]:
    """The launcher the composition root would hand in (it delivers too); here it records and launches."""
    seen: list[tuple[str, str, str, float | None]] = []

    def launch(team_id: str, campaign_id: str, actor: str, holdout: float | None) -> None:
        seen.append((team_id, campaign_id, actor, holdout))
        time.sleep(0.3)  # long enough for a double click to arrive while the first launch runs
        segcore_launch(services.store, team_id, campaign_id, NOW, actor, holdout)

    services.launch = launch
    return seen


@pytest.fixture
def managed(services: BotServices, standin: SlackStandIn, launches: Any,
            users: list[dict[str, Any]]) -> Iterator[SlackDriver]:
    config = BotConfig(bot_token="xoxb-test-token", signing_secret=SECRET, team_id=TEAM, api_url=standin.base_url,
                       campaign_managers=(MANAGER,))
    app: App = create_app(services, config)
    for url in serve(app):
        yield SlackDriver(url, SECRET, standin, TEAM)
    standin.settle(quiet=0.3, timeout=5)
    check_recorded(standin.calls)
    check_no_pii(standin.calls, users)


def campaign(services: BotServices, name: str = "Diwali", channel: str = "email") -> Any:
    segment = services.store.segments.create(TEAM, "Pune folks", rule_from_json(PUNE), "in Pune", "user", MARKETER)
    return services.store.campaigns.create(TEAM, name, channel, "Happy Diwali", MARKETER, segment_ids=(segment.id,))


def on(standin: SlackStandIn, url: str, needle: str) -> Call:
    name = url.rsplit("/", 1)[1]
    return standin.wait_for(lambda c: c.path.endswith("/" + name) and needle.lower() in c.text().lower(),
                            what=f"a reply on {name} containing {needle!r}")


def buttons(call: Call) -> dict[str, dict[str, Any]]:
    return {el["action_id"]: el for b in call.blocks if b["type"] == "actions" for el in b["elements"]}


def pune(users: list[dict[str, Any]]) -> tuple[int, int]:
    in_pune = [u for u in users if u.get("city") == "Pune"]
    return len(in_pune), sum(1 for u in in_pune if u.get("email_opt_in") is True)


def test_a_manager_launches_from_the_checklist_and_sees_the_result(
        managed: SlackDriver, standin: SlackStandIn, services: BotServices, users: list[dict[str, Any]],
        launches: list[Any]) -> None:
    diwali = campaign(services)
    audience, reachable = pune(users)
    _, url = managed.command("/campaign", "launch Diwali holdout 10", user=MANAGER)
    checklist = on(standin, url, "Launch checklist:")
    text = checklist.text()
    held = sum(1 for u in users if u.get("city") == "Pune" and u.get("email_opt_in") is True
               and in_holdout(diwali.id, u["user_id"], 10))
    assert f"{audience} people" in text and f"{reachable} people" in text
    assert f"{audience - reachable} people excluded: no `email_opt_in`" in text
    # The holdout hashes the campaign's random id: it can hold back exactly one person.
    assert f"{people(held)} (10%)" in text and f"Launch to {reachable - held}" in text
    assert "nobody here was sent a campaign in the last 7 days" in text
    launch_button = buttons(checklist)["launch_confirm"]
    assert "Cancel" in str(buttons(checklist)["launch_cancel"])

    click_url = standin.response_url("launchclick")
    assert managed.click("launch_confirm", launch_button["value"], user=MANAGER, response_url=click_url).status == 200
    on(standin, click_url, "Launching")
    result = on(standin, click_url, "is launched").text()
    assert f"{reachable} people" in result and f"{audience - reachable} people" in result
    assert f"{people(held)} (10%)" in result and people(reachable - held) in result
    assert launches == [(TEAM, diwali.id, MANAGER, 10.0)]
    assert services.store.campaigns.get(TEAM, diwali.id).status == "launched"
    rows = list(iter_rows(services.store.db, TEAM, diwali.id))
    assert len(rows) == reachable and sum(r["holdout"] for r in rows) == held

    # The same Launch button later: already launched, nothing launched again.
    managed.click("launch_confirm", launch_button["value"], user=MANAGER, response_url=click_url)
    on(standin, click_url, "already being launched")
    assert len(launches) == 1


def test_a_non_manager_is_refused_and_nothing_is_launched(
        managed: SlackDriver, standin: SlackStandIn, services: BotServices, launches: list[Any]) -> None:
    diwali = campaign(services)
    _, url = managed.command("/campaign", "launch Diwali", user=MARKETER)
    checklist = on(standin, url, "Launch checklist:")
    assert "Only campaign managers can launch" in checklist.text()
    assert "launch_confirm" not in buttons(checklist)
    # A forged click (the button is not even shown) is refused too.
    click_url = standin.response_url("forged")
    managed.click("launch_confirm", json.dumps({"c": diwali.id, "h": 0}), user=MARKETER, response_url=click_url)
    refusal = on(standin, click_url, "Only campaign managers")
    assert refusal.params.get("replace_original") is False  # the checklist stays
    standin.settle(quiet=0.5)
    assert launches == []
    assert services.store.campaigns.get(TEAM, diwali.id).status == "draft"
    assert services.store.db["campaign_launches"].count_documents({}) == 0


def test_nobody_launches_when_no_campaign_managers_are_configured(
        slack: SlackDriver, standin: SlackStandIn, services: BotServices) -> None:
    campaign(services)
    _, url = slack.command("/campaign", "launch Diwali", user=MANAGER)
    checklist = on(standin, url, "Launch checklist:")
    assert "launch_confirm" not in buttons(checklist) and "Only campaign managers" in checklist.text()


def test_a_double_click_and_a_retry_launch_once_and_show_one_result(
        managed: SlackDriver, standin: SlackStandIn, services: BotServices, users: list[dict[str, Any]],
        launches: list[Any]) -> None:
    diwali = campaign(services)
    value = json.dumps({"c": diwali.id, "h": 0})
    url = standin.response_url("double")
    managed.click("launch_confirm", value, user=MANAGER, response_url=url)
    managed.click("launch_confirm", value, user=MANAGER, response_url=url)
    # A Slack retry of the first click (same trigger id) on top.
    payload = {"type": "block_actions", "team": {"id": TEAM}, "user": {"id": MANAGER, "team_id": TEAM},
               "api_app_id": "A0SEGMENTS", "token": "legacy", "trigger_id": "trig.retried",
               "channel": {"id": "C0GENERAL"}, "container": {"type": "message", "is_ephemeral": True},
               "response_url": url, "actions": [{"action_id": "launch_confirm", "block_id": "b", "type": "button",
                                                 "value": value, "action_ts": "1.2"}]}
    managed.interact(payload)
    managed.interact(payload, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    on(standin, url, "is launched")
    standin.settle(quiet=1.0, timeout=10)
    replies = [c for c in standin.calls if c.path.endswith("/double")]
    assert sum("is launched" in c.text() for c in replies) == 1
    assert sum("Launching" in c.text() for c in replies) == 1
    assert len(launches) == 1
    _, reachable = pune(users)
    assert len(list(iter_rows(services.store.db, TEAM, diwali.id))) == reachable
    assert services.store.db["audit_log"].count_documents({"action": "campaign.launch"}) == 1


def test_the_card_offers_launch_and_cancel_leaves_the_campaign_alone(
        managed: SlackDriver, standin: SlackStandIn, services: BotServices, launches: list[Any]) -> None:
    diwali = campaign(services)
    _, url = managed.command("/campaign", "show Diwali", user=MANAGER)
    card = on(standin, url, "Campaign: Diwali")
    assert buttons(card)["campaign_launch"]["value"] == diwali.id
    click_url = standin.response_url("card")
    managed.click("campaign_launch", diwali.id, user=MANAGER, response_url=click_url)
    checklist = on(standin, click_url, "Launch checklist:")
    assert "launch_confirm" in buttons(checklist)
    managed.click("launch_cancel", diwali.id, user=MANAGER, response_url=click_url)
    on(standin, click_url, "Not launched")
    assert services.store.campaigns.get(TEAM, diwali.id).status == "draft" and launches == []


def test_bad_launch_requests_get_clear_messages(managed: SlackDriver, standin: SlackStandIn,
                                                services: BotServices) -> None:
    campaign(services)
    _, url = managed.command("/campaign", "launch Diwali holdout lots", user=MANAGER)
    assert "holdout 10" in on(standin, url, "not a percentage").text()
    _, url = managed.command("/campaign", "launch Diwali holdout 80", user=MANAGER)
    on(standin, url, "not a percentage from 0 to 50")
    _, url = managed.command("/campaign", "launch Holi", user=MANAGER)
    on(standin, url, "no campaign named")
    services.store.campaigns.create(TEAM, "Empty", "sms", "", MARKETER)
    _, url = managed.command("/campaign", "launch Empty", user=MANAGER)
    checklist = on(standin, url, "Launch checklist:")
    assert "no segment attached" in checklist.text() and "launch_confirm" not in buttons(checklist)


def test_export_uploads_the_frozen_audience_as_csv_without_pii(
        managed: SlackDriver, standin: SlackStandIn, services: BotServices, users: list[dict[str, Any]]) -> None:
    diwali = campaign(services)
    _, url = managed.command("/campaign", "export Diwali")
    on(standin, url, "once it is launched")  # a draft has no frozen audience yet
    assert standin.calls_to("files.getUploadURLExternal") == []

    segcore_launch(services.store, TEAM, diwali.id, NOW, MANAGER, 20)
    _, url = managed.command("/campaign", "export Diwali", channel="C0CAMPAIGNS")
    done = on(standin, url, "Uploaded the frozen audience")
    _, reachable = pune(users)
    assert f"{reachable} people" in done.text()
    asked = standin.calls_to("files.getUploadURLExternal")[-1]
    assert asked.params["filename"] == "diwali-audience.csv"
    uploaded = standin.calls_to("file_upload")[-1]
    assert int(asked.params["length"]) == uploaded.params["size"]
    completed = standin.calls_to("files.completeUploadExternal")[-1]
    assert completed.params["channel_id"] == "C0CAMPAIGNS"
    assert json.loads(completed.params["files"])[0]["id"] == "F0FILE"

    rows = list(csv.reader(io.StringIO(uploaded.params["content"])))
    assert rows[0] == ["user_id", "holdout"]
    frozen = [[r["user_id"], "true" if r["holdout"] else "false"] for r in iter_rows(services.store.db, TEAM, diwali.id)]
    assert rows[1:] == frozen and len(frozen) == reachable
    for user in users:  # no contact details in the file (check_no_pii at teardown reads it too)
        assert user["email"] not in uploaded.params["content"]

    # The card of a launched campaign offers the export instead of a launch.
    _, url = managed.command("/campaign", "show Diwali")
    card = on(standin, url, "Campaign: Diwali")
    assert "campaign_launch" not in buttons(card) and buttons(card)["campaign_export"]["value"] == diwali.id
    standin.clear()
    managed.click("campaign_export", diwali.id, response_url=standin.response_url("exportbtn"), channel="C0CARD")
    standin.wait_for(lambda c: c.method == "files.completeUploadExternal" and c.params.get("channel_id") == "C0CARD")


def test_export_into_a_channel_the_app_is_not_in_says_how_to_fix_it(
        managed: SlackDriver, standin: SlackStandIn, services: BotServices) -> None:
    diwali = campaign(services)
    segcore_launch(services.store, TEAM, diwali.id, NOW, MANAGER)
    standin.failures["files.completeUploadExternal"] = "not_in_channel"
    _, url = managed.command("/campaign", "export Diwali")
    on(standin, url, "/invite @Segments")


def test_alert_command_stores_the_alert_the_scheduler_reads(
        slack: SlackDriver, standin: SlackStandIn, services: BotServices) -> None:
    segment = services.store.segments.create(TEAM, "Pune folks", rule_from_json(PUNE), "in Pune", "user", MARKETER)
    _, url = slack.command("/segment", "alert Pune folks below 20 in <#C0ALERTS|alerts>")
    assert "<#C0ALERTS>" in on(standin, url, "when *Pune folks* goes below").text()
    stored = services.store.segments.get(TEAM, segment.id).alert
    assert stored == {"direction": "below", "threshold": 20, "channel": "C0ALERTS"} and valid_alert(stored)
    assert services.store.db["audit_log"].count_documents({"action": "segment.set_alert"}) == 1

    _, url = slack.command("/segment", 'alert "Pune folks" above 1.5k', channel="C0HERE")
    on(standin, url, "goes above")
    assert services.store.segments.get(TEAM, segment.id).alert == {
        "direction": "above", "threshold": 1500, "channel": "C0HERE"}

    _, url = slack.command("/segment", "alert Pune folks")
    on(standin, url, "when it goes above")

    _, url = slack.command("/segment", "alert Pune folks below lots")
    bad = on(standin, url, "“lots” is not a number").text()
    assert "1000" in bad and "below" in bad
    _, url = slack.command("/segment", "alert Pune folks below 10 in #nowhere")
    on(standin, url, "can't tell which channel")
    _, url = slack.command("/segment", "alert Nobody below 10")
    on(standin, url, "no saved segment named")
    assert services.store.segments.get(TEAM, segment.id).alert["threshold"] == 1500  # nothing half written

    _, url = slack.command("/segment", "alert Pune folks off")
    on(standin, url, "alert on *Pune folks* is off")
    assert services.store.segments.get(TEAM, segment.id).alert is None


def test_text_arrives_html_escaped_from_slack_and_is_read_as_typed(
        slack: SlackDriver, standin: SlackStandIn, services: BotServices, users: list[dict[str, Any]]) -> None:
    """Slack sends &, < and > as &amp;, &lt;, &gt; in a command's text."""
    segment = services.store.segments.create(TEAM, "Pune & Mumbai", rule_from_json(PUNE), "x", "user", MARKETER)
    _, url = slack.command("/segment", "alert Pune &amp; Mumbai below 5 in <#C0ALERTS|alerts>")
    on(standin, url, "goes below")
    assert services.store.segments.get(TEAM, segment.id).alert == {
        "direction": "below", "threshold": 5, "channel": "C0ALERTS"}
    _, url = slack.command("/segment", "visits &gt; 50")
    many = sum(1 for u in users if (u.get("visits") or 0) > 50)
    card = on(standin, url, f"{many} people").text()
    assert "couldn't read" not in card.lower()
    # A typed email address arrives as a mailto link, a domain as a web link: read as the text shown.
    _, url = slack.command("/segment", "email is <mailto:nobody@elsewhere.org|nobody@elsewhere.org>")
    assert "couldn't read" not in on(standin, url, '*Rules:* email is "nobody@elsewhere.org"').text().lower()
    domain = users[1]["email"].split("@")[1]
    _, url = slack.command("/segment", f"email contains @<http://{domain}|{domain}>")
    on(standin, url, f"*Audience:* {sum(1 for u in users if domain in u['email']):,} people")
