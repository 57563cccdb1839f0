"""The Slack app launches through the composition root's launcher, which freezes with the holdout and delivers;
the admin app gets the same launcher and the campaign managers from the environment."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from pymongo.database import Database

import bot
from segcore.audience import AudienceEngine
from segcore.campaigns import in_holdout
from segcore.catalog import default_catalog
from segcore.rules import rule_from_json
from segcore.storage.database import Store
from segments.config import Settings
from segments.serve import build_bolt, build_web
from segments.services import Services
from tests.campaign_support import webhook_receiver

TEAM = "T0WIRE"


def test_build_bolt_hands_the_bot_services_launch_campaign(monkeypatch: pytest.MonkeyPatch) -> None:
    captured: dict[str, Any] = {}
    monkeypatch.setattr(bot, "create_app", lambda services, config: captured.setdefault("services", services))
    monkeypatch.setattr(bot, "replayer_for", lambda services, config: None)
    services = SimpleNamespace(store=object(), audience=object(), catalog=object(), now=object(),
                               interpret=object(), launch_campaign=object())
    build_bolt(services, SimpleNamespace(api_url="http://127.0.0.1:9/api/"))  # type: ignore[arg-type]
    assert captured["services"].launch is services.launch_campaign


def test_launch_campaign_freezes_with_the_holdout_and_delivers(db: Database[dict[str, Any]]) -> None:
    catalog = default_catalog()
    store = Store.from_database(db, catalog)
    store.ensure_indexes()
    db["users"].insert_many([{"team_id": TEAM, "user_id": f"u{i:03d}", "city": "Pune", "email_opt_in": i % 3 != 0}
                             for i in range(60)])
    segment = store.segments.create(TEAM, "Pune", rule_from_json({"field": "city", "op": "eq", "value": "Pune"}),
                                    "Pune", "user", "U1")
    campaign = store.campaigns.create(TEAM, "Diwali", "email", "hi", "U1", segment_ids=(segment.id,))
    with webhook_receiver("s3cret") as receiver:
        settings = Settings.from_env({"SEGMENTS_WEBHOOK_URL": receiver.url, "SEGMENTS_WEBHOOK_SECRET": "s3cret"})
        services = Services(settings=settings, store=store, audience=AudienceEngine(store), catalog=catalog)
        bot_services = bot.BotServices(store=store, engine=services.audience, catalog=catalog, now=services.now,
                                       interpret=services.interpret, client_factory=bot.default_client_factory(),
                                       launch=services.launch_campaign)
        bot_services.launch_campaign(TEAM, campaign.id, "U1", 30)
    sent = [f"u{i:03d}" for i in range(60) if i % 3 != 0 and not in_holdout(campaign.id, f"u{i:03d}", 30)]
    assert 0 < len(sent) < 40
    assert receiver.users == sent and receiver.bad_signatures == 0
    assert store.campaigns.get(TEAM, campaign.id).status == "launched"


def test_build_web_hands_the_admin_app_the_launcher_and_the_campaign_managers(db: Database[dict[str, Any]]) -> None:
    catalog = default_catalog()
    store = Store.from_database(db, catalog)
    settings = Settings.from_env({"SEGMENTS_CAMPAIGN_MANAGERS": "U1, U2", "SEGMENTS_SECRET_KEY": "k",
                                  "SEGMENTS_PII_VIEWERS": "U3"})
    services = Services(settings=settings, store=store, audience=AudienceEngine(store), catalog=catalog)
    admin = build_web(services).extensions["segments"]
    assert admin.campaign_managers == ("U1", "U2") and admin.pii_viewers == ("U3",)
    assert admin.launch == services.launch_campaign
