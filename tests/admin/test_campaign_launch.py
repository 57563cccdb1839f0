"""The campaign page's launch checklist and Launch button, and the audience CSV on the page and the API."""

from __future__ import annotations

import csv
import dataclasses
import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from admin import create_app
from admin.tokens import TokenStore
from segcore.campaigns import in_holdout
from segcore.campaigns import launch as segcore_launch
from segcore.campaigns.audience_rows import iter_rows
from segcore.rules import rule_from_json
from segcore.storage.database import Store
from tests.admin.admin_helpers import (
    NOW,
    OTHER_TEAM,
    SPEND_RULE,
    TEAM,
    ApiClient,
    AuthActions,
    error_of,
    make_services,
)


@pytest.fixture
def app(store: Store) -> Flask:
    """The admin app with the real launcher wired in, as `segments serve` does (delivery aside)."""
    def launch(team_id: str, campaign_id: str, actor: str, holdout_percent: float | None = None) -> Any:
        segcore_launch(store, team_id, campaign_id, NOW, actor, holdout_percent)
        return store.campaigns.get(team_id, campaign_id)

    return create_app(dataclasses.replace(make_services(store), launch=launch), {"TESTING": True})


def big_spenders_campaign(store: Store, team: str = TEAM, name: str = "Winback") -> Any:
    segment = store.segments.create(team, "Big", rule_from_json(SPEND_RULE), "big", "user", "admin")
    return store.campaigns.create(team, name, "email", "Come back", "admin", segment_ids=(segment.id,))


def expected(users: list[dict[str, Any]], campaign_id: str, holdout: float = 0) -> tuple[int, list[list[str]]]:
    big = [u for u in users if (u.get("total_spend") or 0) > 5000]
    rows = [[u["user_id"], "true" if in_holdout(campaign_id, u["user_id"], holdout) else "false"]
            for u in sorted(big, key=lambda u: u["user_id"]) if u.get("email_opt_in") is True]
    return len(big), rows


def test_the_campaign_page_shows_the_checklist_and_launches_with_a_holdout(
        client: FlaskClient, auth: AuthActions, store: Store, users: list[dict[str, Any]]) -> None:
    campaign = big_spenders_campaign(store)
    audience, rows = expected(users, campaign.id, 10)
    held = sum(r[1] == "true" for r in rows)
    auth.login()
    page = client.get(f"/campaigns/{campaign.id}?holdout=10").get_data(as_text=True)
    assert f'id="check-audience">{audience:,} people' in page
    assert f'id="check-reachable">{len(rows):,} people' in page
    assert f'id="check-excluded">{audience - len(rows):,} people (no email_opt_in)' in page
    assert f'id="check-holdout">{held:,} people (10%)' in page
    assert f"Launch to {len(rows) - held:,} people" in page
    assert f'href="/campaigns/{campaign.id}"' in client.get("/campaigns").get_data(as_text=True)

    bad = client.get(f"/campaigns/{campaign.id}?holdout=lots").get_data(as_text=True)
    assert "not a number" in bad and 'id="launch"' not in bad

    csrf = auth.csrf(f"/campaigns/{campaign.id}")
    done = client.post(f"/campaigns/{campaign.id}/launch",
                       data={"csrf_token": csrf, "holdout": "10", "back": "campaign"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    assert store.campaigns.get(TEAM, campaign.id).status == "launched"
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert f'id="frozen-size">{len(rows):,} people' in page and 'id="download-audience"' in page
    assert 'id="launch"' not in page

    csv_page = client.get(f"/campaigns/{campaign.id}/audience.csv")
    assert csv_page.status_code == 200 and csv_page.mimetype == "text/csv"
    assert "attachment" in csv_page.headers["Content-Disposition"]
    got = list(csv.reader(io.StringIO(csv_page.get_data(as_text=True))))
    assert got[0] == ["user_id", "holdout"] and got[1:] == rows
    for user in users:
        assert user["email"] not in csv_page.get_data(as_text=True)


def test_the_api_exports_the_frozen_audience_and_hides_other_workspaces(
        client: FlaskClient, api: ApiClient, other_api: ApiClient, store: Store,
        users: list[dict[str, Any]]) -> None:
    campaign = big_spenders_campaign(store)
    draft = api.get(f"/api/campaigns/{campaign.id}/audience.csv")
    assert draft.status_code == 409 and error_of(draft)["code"] == "wrong_state"
    segcore_launch(store, TEAM, campaign.id, NOW, "test")
    _, rows = expected(users, campaign.id)
    got = api.get(f"/api/campaigns/{campaign.id}/audience.csv")
    assert got.status_code == 200 and got.mimetype == "text/csv"
    assert list(csv.reader(io.StringIO(got.get_data(as_text=True))))[1:] == rows
    assert [r["user_id"] for r in iter_rows(store.db, TEAM, campaign.id)] == [r[0] for r in rows]

    assert other_api.get(f"/api/campaigns/{campaign.id}/audience.csv").status_code == 404
    assert client.get(f"/api/campaigns/{campaign.id}/audience.csv").status_code == 401
    assert api.get("/api/campaigns/nope/audience.csv").status_code == 404


def test_another_workspaces_campaign_csv_is_a_404_on_the_page(
        client: FlaskClient, auth: AuthActions, store: Store, users: list[dict[str, Any]]) -> None:
    theirs = big_spenders_campaign(store, OTHER_TEAM, "Theirs")
    segcore_launch(store, OTHER_TEAM, theirs.id, NOW, "test")
    assert client.get(f"/campaigns/{theirs.id}/audience.csv").status_code == 302  # sign in first
    auth.login()
    assert client.get(f"/campaigns/{theirs.id}/audience.csv").status_code == 404
    page = client.get(f"/campaigns/{theirs.id}")
    assert page.status_code == 404 and "Theirs" not in page.get_data(as_text=True)
    # ...while the other workspace's own token reads it.
    token = TokenStore(store.db).create(OTHER_TEAM, "theirs", now=NOW)[1]
    assert ApiClient(client, token).get(f"/api/campaigns/{theirs.id}/audience.csv").status_code == 200


def test_the_api_launches_with_a_holdout_and_refuses_a_bad_one(launcher: ApiClient, store: Store,
                                                              users: list[dict[str, Any]]) -> None:
    campaign = big_spenders_campaign(store)
    for body, words in (({"holdout_percent": 80}, "between 0 and 50"), ({"holdout_percent": "10"}, "a number"),
                        ({"holdout_percent": True}, "a number"), ({"holdout": 10}, "Unknown field")):
        refused = launcher.post(f"/api/campaigns/{campaign.id}/launch", body)
        assert refused.status_code == 422, refused.get_json()
        assert words in error_of(refused)["message"]
    assert store.campaigns.get(TEAM, campaign.id).status == "draft"  # nothing launched by a refusal

    launched = launcher.post(f"/api/campaigns/{campaign.id}/launch", {"holdout_percent": 10})
    assert launched.status_code == 202 and launched.get_json()["status"] == "launched"
    _, rows = expected(users, campaign.id, 10)
    got = launcher.get(f"/api/campaigns/{campaign.id}/audience.csv").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(got)))[1:] == rows
    assert any(r[1] == "true" for r in rows) and any(r[1] == "false" for r in rows)


def test_the_api_launches_without_a_body_and_with_an_empty_object(launcher: ApiClient, store: Store,
                                                                  users: list[dict[str, Any]]) -> None:
    first = big_spenders_campaign(store)
    second = store.campaigns.create(TEAM, "Second", "email", "Hello", "admin", segment_ids=first.segment_ids)
    assert launcher.client.post(f"/api/campaigns/{first.id}/launch", headers=launcher.headers).status_code == 202
    assert launcher.post(f"/api/campaigns/{second.id}/launch", {}).status_code == 202
    for campaign in (first, second):
        _, rows = expected(users, campaign.id)
        got = launcher.get(f"/api/campaigns/{campaign.id}/audience.csv").get_data(as_text=True)
        assert list(csv.reader(io.StringIO(got)))[1:] == rows
