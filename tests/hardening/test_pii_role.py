"""The PII viewer role, tried on every path where personal data can leave the product.

Each path is asked twice: by someone with the role (a Slack user in SEGMENTS_PII_VIEWERS, an API token made
with --pii, an admin signed in with Slack as a PII viewer), who sees full names and emails, and by someone
without it, whose answer holds only masked values: no sample user's full email appears in it anywhere.
Every full reveal writes one audit entry naming who saw which segment's or campaign's personal data.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pymongo import MongoClient

from admin.tokens import TokenStore
from segcore.campaigns import launch
from segcore.privacy import REVEALED
from segcore.storage.embedded import EmbeddedServer
from tests.bot.slack_standin import Call, SlackStandIn
from tests.hardening.conftest import ADMIN_PASSWORD, MANAGER, TEAM, USERS, Product, build_product

VIEWER = "U0PIIVIEWER"
MARKETER = "U0MARKETER"
SPEND = {"field": "total_spend", "op": "gt", "value": 5000}


@pytest.fixture
def pii_product(mongo_server: EmbeddedServer, mongo_client: MongoClient[dict[str, Any]], tmp_path: Path,
                standin: SlackStandIn, sample_users: list[dict[str, Any]]) -> Iterator[Product]:
    yield from build_product(mongo_server.uri, mongo_client, tmp_path, standin, sample_users,
                             SEGMENTS_PII_VIEWERS=f"U0SOMEONE, {VIEWER}")


@pytest.fixture
def emails(sample_users: list[dict[str, Any]]) -> list[str]:
    return [u["email"] for u in sample_users[:USERS] if u.get("email")]


@pytest.fixture
def world(pii_product: Product) -> dict[str, str]:
    """A saved segment and a launched campaign on it, and a token with the pii scope."""
    product = pii_product
    seg = product.api("POST", "/api/segments", json={"name": "big spenders", "rule": SPEND})
    assert seg.status_code == 201, seg.get_json()
    camp = product.api("POST", "/api/campaigns", json={"name": "diwali", "channel": "email", "message": "hi",
                                                       "segment_ids": [seg.get_json()["id"]]})
    assert camp.status_code == 201, camp.get_json()
    cid = camp.get_json()["id"]
    launch(product.running.services.store, TEAM, cid, datetime.now(UTC), MANAGER)
    full = TokenStore(product.db).create(TEAM, "crm-full", scopes=("pii",))[1]
    member = product.db["users"].find_one({"team_id": TEAM, "total_spend": {"$gt": 5000}})
    assert member is not None
    return {"sid": seg.get_json()["id"], "cid": cid, "full_token": full, "uid": member["user_id"],
            "email": member["email"]}


def full_emails_in(text: str, emails: list[str]) -> list[str]:
    return [e for e in emails if e in text]


def assert_masked_only(text: str, emails: list[str], what: str) -> None:
    assert "***@" in text, f"{what}: no masked email at all, so the scan would prove nothing"
    leaked = full_emails_in(text, emails)
    assert not leaked, f"{what} showed {len(leaked)} full email(s), e.g. {leaked[0]}"


def reveals(product: Product) -> list[dict[str, Any]]:
    return list(product.db["audit_log"].find({"team_id": TEAM, "action": REVEALED}, {"_id": 0}).sort("at", 1))


def reply_on(standin: SlackStandIn, url: str, needle: str) -> Call:
    name = url.rsplit("/", 1)[1]
    return standin.wait_for(lambda c: c.path.endswith("/" + name) and needle.lower() in c.text().lower(),
                            what=f"a reply on {name} containing {needle!r}")


# ------------------------------------------------------------------------------------------------- Slack


def test_slack_members_page(pii_product: Product, world: dict[str, str], emails: list[str]) -> None:
    product, standin = pii_product, pii_product.standin
    _, url = product.slack.command("/segment", "users big spenders", user=MARKETER)
    masked = reply_on(standin, url, "Members of big spenders").text()
    assert "names and emails masked" in masked
    assert_masked_only(masked, emails, "the members page of a marketer")
    assert reveals(product) == []

    _, url = product.slack.command("/segment", "users big spenders", user=VIEWER)
    full = reply_on(standin, url, "Members of big spenders").text()
    assert "shown in full, only to you" in full and "names and emails masked" not in full
    assert len(full_emails_in(full, emails)) >= 5
    entry = reveals(product)[-1]
    assert (entry["actor"], entry["target"], entry["details"]["name"]) == (VIEWER, world["sid"], "big spenders")
    assert entry["details"]["rows"] == len(full_emails_in(full, emails))


def test_slack_sample(pii_product: Product, world: dict[str, str], emails: list[str]) -> None:
    product, standin = pii_product, pii_product.standin
    _, url = product.slack.command("/segment", json.dumps(SPEND), user=MARKETER)
    masked = reply_on(standin, url, "A few of them").text()
    assert "names and emails masked" in masked
    assert_masked_only(masked, emails, "the sample shown to a marketer")
    assert reveals(product) == []

    _, url = product.slack.command("/segment", json.dumps(SPEND), user=VIEWER)
    full = reply_on(standin, url, "A few of them").text()
    assert "names and emails shown in full, only to you" in full
    assert full_emails_in(full, emails)
    entry = reveals(product)[-1]
    assert entry["actor"] == VIEWER and entry["details"]["what"] == "segment sample"

    # The same viewer asking in a channel thread: everyone in the channel reads the card, so it is masked.
    count = len(reveals(product))
    standin.clear()
    product.slack.event({"type": "app_mention", "user": VIEWER, "text": f"<@UBOT> {json.dumps(SPEND)}",
                         "ts": f"{time.time():.6f}", "channel": "C0GENERAL"})
    card = standin.wait_for(lambda c: c.method in ("chat.update", "chat.postMessage") and "A few of them" in c.text(),
                            what="the card in the thread")
    assert_masked_only(card.text(), emails, "a PII viewer's card in a channel thread")
    assert len(reveals(product)) == count


def test_slack_csv_export(pii_product: Product, world: dict[str, str], emails: list[str]) -> None:
    product, standin = pii_product, pii_product.standin
    _, url = product.slack.command("/campaign", "export diwali", user=MARKETER, channel="C0CAMPAIGNS")
    reply_on(standin, url, "names and emails are left out")
    upload = standin.calls_to("file_upload")[-1].params["content"]
    rows = list(csv.reader(io.StringIO(upload)))
    assert rows[0] == ["user_id", "holdout"] and len(rows) > 1
    assert full_emails_in(upload, emails) == [] and "@" not in upload
    assert standin.calls_to("files.completeUploadExternal")[-1].params["channel_id"] == "C0CAMPAIGNS"
    assert reveals(product) == []

    standin.clear()
    _, url = product.slack.command("/campaign", "export diwali", user=VIEWER, channel="C0CAMPAIGNS")
    reply_on(standin, url, "to our direct message")
    upload = standin.calls_to("file_upload")[-1].params["content"]
    rows = list(csv.reader(io.StringIO(upload)))
    assert rows[0] == ["user_id", "holdout", "email", "name"]
    assert len(full_emails_in(upload, emails)) == len(rows) - 1
    # The file holds personal data, so it goes to the viewer's DM, not to the channel everyone reads.
    assert standin.calls_to("conversations.open")[-1].params["users"] == VIEWER
    assert standin.calls_to("files.completeUploadExternal")[-1].params["channel_id"] == f"D{VIEWER}"
    entry = reveals(product)[-1]
    assert (entry["actor"], entry["target"], entry["details"]["rows"]) == (VIEWER, world["cid"], len(rows) - 1)


# --------------------------------------------------------------------------------------------------- API


def test_api_user_members_and_csv(pii_product: Product, world: dict[str, str], emails: list[str]) -> None:
    product = pii_product
    paths = [f"/api/users/{world['uid']}", f"/api/segments/{world['sid']}/users?limit=200",
             f"/api/campaigns/{world['cid']}/audience.csv"]
    for path in paths:
        response = product.api("GET", path)
        assert response.status_code == 200, (path, response.status_code)
        text = response.get_data(as_text=True)
        if path.endswith(".csv"):
            assert text.splitlines()[0] == "user_id,holdout" and "@" not in text
        else:
            assert_masked_only(text, emails, f"GET {path} with a token without the pii scope")
    assert reveals(product) == []

    for path in paths:
        response = product.api("GET", path, token=world["full_token"])
        assert response.status_code == 200, (path, response.status_code)
        text = response.get_data(as_text=True)
        assert world["email"] in text, f"GET {path} with the pii scope did not show the full email"
        if path.endswith(".csv"):
            assert text.splitlines()[0] == "user_id,holdout,email,name"
    found = reveals(product)
    assert [(e["actor"], e["target"]) for e in found] == [
        ("api:crm-full", world["uid"]), ("api:crm-full", world["sid"]), ("api:crm-full", world["cid"])]


# ---------------------------------------------------------------------------------------------- admin page


def password_admin(product: Product) -> FlaskClient:
    client = product.client
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/auth/login").get_data(as_text=True))
    assert found
    csrf = found.group(1)
    assert client.post("/auth/login", data={"password": ADMIN_PASSWORD, "csrf_token": csrf}).status_code == 302
    return client


def slack_admin(product: Product, user_id: str) -> FlaskClient:
    """A session as "Sign in with Slack" leaves it (the sign-in itself is tried in tests/admin)."""
    client = product.client
    with client.session_transaction() as session:
        session.update({"signed_in": True, "actor": f"slack:{user_id}", "slack_user_id": user_id,
                        "csrf_token": "x"})
    return client


def test_admin_pages(pii_product: Product, world: dict[str, str], emails: list[str]) -> None:
    product = pii_product
    page, csv_path = f"/segments/{world['sid']}", f"/campaigns/{world['cid']}/audience.csv"
    for client, who in ((password_admin(product), "the password admin"),
                        (slack_admin(product, MARKETER), "a Slack admin who is not a PII viewer")):
        html = client.get(page).get_data(as_text=True)
        assert "Names and emails are masked." in html
        assert_masked_only(html, emails, f"the segment page for {who}")
        download = client.get(csv_path)
        assert download.status_code == 200
        assert download.get_data(as_text=True).splitlines()[0] == "user_id,holdout"
        assert "@" not in download.get_data(as_text=True)
        campaign = client.get(f"/campaigns/{world['cid']}").get_data(as_text=True)
        assert "names and emails are left out" in campaign
    assert reveals(product) == []

    viewer = slack_admin(product, VIEWER)
    html = viewer.get(page).get_data(as_text=True)
    assert "Names and emails are masked." not in html and "shown in full" in html
    assert len(full_emails_in(html, emails)) >= 5
    download = viewer.get(csv_path).get_data(as_text=True)
    assert download.splitlines()[0] == "user_id,holdout,email,name" and world["email"] in download
    found = reveals(product)
    assert [(e["actor"], e["target"]) for e in found] == [(f"slack:{VIEWER}", world["sid"]),
                                                          (f"slack:{VIEWER}", world["cid"])]


def test_slack_csv_export_when_no_dm_can_be_opened(pii_product: Product, world: dict[str, str]) -> None:
    product, standin = pii_product, pii_product.standin
    standin.failures["conversations.open"] = "missing_scope"
    _, url = product.slack.command("/campaign", "export diwali", user=VIEWER, channel="C0CAMPAIGNS")
    reply_on(standin, url, "never to a channel")
    assert standin.calls_to("files.completeUploadExternal") == []
    assert reveals(product) == []
