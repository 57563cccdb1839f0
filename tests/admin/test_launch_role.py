"""Who may launch or schedule a campaign over the JSON API and on the admin page.

A token with the launch scope may; any other token gets 403 on launching, on scheduling (create or change)
and on changing a campaign that is already scheduled, and nothing is written. On the page the password
admin may; someone signed in with Slack may only when they are a campaign manager: otherwise there is no
Launch button and a forged POST is refused with a message, changing nothing. Each launch is audited under
the token's name, the Slack user or "admin password".
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient

from admin import AdminServices
from admin.tokens import TokenStore
from segcore.rules import rule_from_json
from segcore.storage.database import Store
from tests.admin.admin_helpers import (
    NOW,
    SPEND_RULE,
    TEAM,
    ApiClient,
    AuthActions,
    csrf_from,
    error_of,
    make_services,
    real_launcher,
)

MANAGER = "U0MANAGER"
MARKETER = "U0MARKETER"
LATER = "2026-12-01T09:00:00Z"


@pytest.fixture
def services(store: Store) -> AdminServices:
    """As `segments serve` builds it: the real launcher and one campaign manager."""
    return replace(make_services(store), launch=real_launcher(store), campaign_managers=(MANAGER,))


@pytest.fixture
def ids(store: Store, users: list[dict[str, Any]]) -> dict[str, str]:
    """A segment, a draft campaign on it, and a campaign scheduled on it by a campaign manager."""
    segment = store.segments.create(TEAM, "Big", rule_from_json(SPEND_RULE), "big", "user", MANAGER)
    draft = store.campaigns.create(TEAM, "Winback", "email", "Come back", MANAGER, segment_ids=(segment.id,))
    scheduled = store.campaigns.create(TEAM, "Later", "email", "Soon", MANAGER, segment_ids=(segment.id,),
                                       schedule_at=NOW.replace(month=12))
    other = store.segments.create(TEAM, "Other", rule_from_json({"field": "visits", "op": "gt", "value": 1}),
                                  "other", "user", MANAGER)
    return {"sid": segment.id, "cid": draft.id, "scheduled": scheduled.id, "other_sid": other.id}


def stored(store: Store) -> dict[str, list[str]]:
    """Everything in the database but the tokens (whose last use is recorded): a refusal must change none
    of it, the audit log included."""
    db = store.db
    return {name: sorted(json.dumps(d, default=str, sort_keys=True) for d in db[name].find())
            for name in sorted(db.list_collection_names()) if name != "api_tokens"}


def assert_refused(response: Any) -> None:
    assert response.status_code == 403, response.get_json()
    error = error_of(response)
    assert error["code"] == "launch_not_allowed"
    assert "segments token create" in error["message"] and "--launch" in error["message"]


# ------------------------------------------------------------------------------------------------- API


def test_a_token_without_the_launch_scope_cannot_launch_or_schedule(api: ApiClient, store: Store,
                                                                    ids: dict[str, str]) -> None:
    before = stored(store)
    cid, scheduled = ids["cid"], ids["scheduled"]
    for response in (
        api.post(f"/api/campaigns/{cid}/launch"),
        api.post(f"/api/campaigns/{scheduled}/launch"),
        api.post("/api/campaigns", {"name": "Sneaky", "schedule_at": LATER, "segment_ids": [ids["sid"]]}),
        api.patch(f"/api/campaigns/{cid}", {"schedule_at": LATER}),
        # Refused as a whole: the harmless part of the change is not applied either.
        api.patch(f"/api/campaigns/{cid}", {"message": "changed", "schedule_at": LATER}),
        # A scheduled campaign launches by itself as it stands: changing it is a launch decision.
        api.patch(f"/api/campaigns/{scheduled}", {"message": "Everyone, now"}),
        api.patch(f"/api/campaigns/{scheduled}", {"schedule_at": "2026-11-24T12:01:00Z"}),
        api.post(f"/api/campaigns/{scheduled}/segments", {"segment_id": ids["other_sid"]}),
    ):
        assert_refused(response)
    assert stored(store) == before
    assert store.campaigns.get(TEAM, cid).status == "draft"
    assert store.campaigns.get_by_name(TEAM, "Sneaky") is None


def test_a_token_without_the_scope_still_prepares_campaigns(api: ApiClient, store: Store,
                                                            ids: dict[str, str]) -> None:
    created = api.post("/api/campaigns", {"name": "Draft", "channel": "sms", "segment_ids": [ids["sid"]],
                                          "schedule_at": None})
    assert created.status_code == 201 and created.get_json()["status"] == "draft"
    cid = created.get_json()["id"]
    assert api.patch(f"/api/campaigns/{cid}", {"message": "Hello", "name": "Draft 2"}).status_code == 200
    attached = api.post(f"/api/campaigns/{cid}/segments", {"segment_id": ids["other_sid"]})
    assert attached.status_code == 200 and attached.get_json()["segment_ids"] == [ids["sid"], ids["other_sid"]]
    assert api.delete(f"/api/campaigns/{cid}").status_code == 204
    assert api.get(f"/api/campaigns/{ids['scheduled']}").status_code == 200


@pytest.mark.parametrize("scopes", [None, (), ("pii",)])
def test_old_tokens_and_pii_tokens_cannot_launch(client: FlaskClient, store: Store, ids: dict[str, str],
                                                 scopes: tuple[str, ...] | None) -> None:
    tokens = TokenStore(store.db)
    record, token = tokens.create(TEAM, "older", now=NOW, scopes=scopes or ())
    if scopes is None:  # stored before scopes existed
        store.db.api_tokens.update_one({"_id": record.id}, {"$unset": {"scopes": ""}})
    before = stored(store)
    assert_refused(ApiClient(client, token).post(f"/api/campaigns/{ids['cid']}/launch"))
    assert stored(store) == before


def test_a_token_with_the_launch_scope_schedules_and_launches(launcher: ApiClient, store: Store,
                                                              ids: dict[str, str]) -> None:
    created = launcher.post("/api/campaigns", {"name": "Planned", "schedule_at": LATER,
                                               "segment_ids": [ids["sid"]]})
    assert created.status_code == 201 and created.get_json()["status"] == "scheduled"
    moved = launcher.patch(f"/api/campaigns/{ids['cid']}", {"schedule_at": LATER})
    assert moved.status_code == 200 and moved.get_json()["schedule_at"] == LATER
    changed = launcher.patch(f"/api/campaigns/{ids['scheduled']}", {"message": "Soon, really"})
    assert changed.status_code == 200
    launched = launcher.post(f"/api/campaigns/{ids['scheduled']}/launch")
    assert launched.status_code == 202 and launched.get_json()["status"] == "launched"
    entry = next(e for e in store.audit.list(TEAM, 50) if e.action == "campaign.launch")
    assert (entry.actor, entry.target) == ("api:launcher", ids["scheduled"])


def test_deleting_a_scheduled_or_launched_campaign_needs_the_launch_role(api: ApiClient, launcher: ApiClient,
                                                                        store: Store, ids: dict[str, str]) -> None:
    launched = launcher.post(f"/api/campaigns/{ids['cid']}/launch")
    assert launched.status_code == 202 and launched.get_json()["status"] == "launched"
    before = stored(store)
    for cid, words in ((ids["scheduled"], "cancels its launch"), (ids["cid"], "erases the record")):
        refused = api.delete(f"/api/campaigns/{cid}")
        assert_refused(refused)
        assert words in error_of(refused)["message"]
    assert stored(store) == before
    for cid in (ids["scheduled"], ids["cid"]):
        assert launcher.delete(f"/api/campaigns/{cid}").status_code == 204
        assert store.campaigns.get(TEAM, cid) is None
    deletions = [e for e in store.audit.list(TEAM, 50) if e.action == "campaign.delete"]
    assert sorted(e.target for e in deletions) == sorted([ids["scheduled"], ids["cid"]])
    assert {e.actor for e in deletions} == {"api:launcher"}


def test_no_one_deletes_a_campaign_while_it_is_being_launched(launcher: ApiClient, store: Store,
                                                              ids: dict[str, str]) -> None:
    store.campaigns.update(TEAM, ids["cid"], by=MANAGER, status="launching")
    refused = launcher.delete(f"/api/campaigns/{ids['cid']}")
    assert refused.status_code == 409, refused.get_json()
    error = error_of(refused)
    assert error["code"] == "wrong_state" and error["details"] == {"status": "launching"}
    assert "being launched right now" in error["message"]
    assert store.campaigns.get(TEAM, ids["cid"]).status == "launching"


def test_a_campaign_is_deleted_only_in_the_status_that_was_checked(store: Store, ids: dict[str, str]) -> None:
    # The API checks who may delete for the status it read; a launch starting in between wins.
    store.campaigns.update(TEAM, ids["cid"], by=MANAGER, status="launching")
    assert store.campaigns.delete(TEAM, ids["cid"], by="api:someone", status="draft") is False
    assert store.campaigns.get(TEAM, ids["cid"]).status == "launching"
    assert store.campaigns.delete(TEAM, ids["cid"], by="api:someone", status="launching") is True


def test_another_workspace_gets_404_before_any_403(other_api: ApiClient, store: Store,
                                                  ids: dict[str, str]) -> None:
    response = other_api.post(f"/api/campaigns/{ids['cid']}/launch")
    assert response.status_code == 404 and "Winback" not in response.get_data(as_text=True)


# ----------------------------------------------------------------------------------------------- pages


def slack_session(client: FlaskClient, user_id: str) -> None:
    """The session "Sign in with Slack" leaves (the sign-in itself is tried in test_slack_signin.py)."""
    with client.session_transaction() as session:
        session.update({"signed_in": True, "actor": f"slack:{user_id}", "signed_in_with": "slack",
                        "slack_user_id": user_id, "csrf_token": "x"})


def test_a_slack_user_who_is_not_a_manager_sees_no_launch_button_and_cannot_forge_one(
        client: FlaskClient, store: Store, ids: dict[str, str]) -> None:
    slack_session(client, MARKETER)
    listing = client.get("/campaigns").get_data(as_text=True)
    assert "Winback" in listing and 'data-confirm="Launch' not in listing
    assert 'id="launch-not-allowed"' in listing
    page = client.get(f"/campaigns/{ids['cid']}").get_data(as_text=True)
    assert 'id="check-audience"' in page  # the checklist is there: only the button is missing
    assert 'id="launch"' not in page and "Only campaign managers can launch" in page
    # Attaching to the scheduled campaign is not offered either.
    segment_page = client.get(f"/segments/{ids['other_sid']}").get_data(as_text=True)
    assert f'value="{ids["cid"]}"' in segment_page and f'value="{ids["scheduled"]}"' not in segment_page

    before = stored(store)
    forged = client.post(f"/campaigns/{ids['cid']}/launch", data={"csrf_token": "x", "back": "campaign"})
    attach = client.post(f"/segments/{ids['other_sid']}/attach",
                         data={"csrf_token": "x", "campaign_id": ids["scheduled"]})
    assert forged.status_code == attach.status_code == 302
    assert stored(store) == before
    assert store.campaigns.get(TEAM, ids["cid"]).status == "draft"
    # The refusals are flashed on the next page shown, saying what is needed.
    flashed = client.get(forged.headers["Location"]).get_data(as_text=True)
    assert flashed.count('class="flash error" role="status">Only campaign managers can launch or schedule') == 2


def test_a_campaign_manager_signed_in_with_slack_launches(client: FlaskClient, store: Store,
                                                          ids: dict[str, str]) -> None:
    slack_session(client, MANAGER)
    assert 'data-confirm="Launch Winback?"' in client.get("/campaigns").get_data(as_text=True)
    assert 'id="launch"' in client.get(f"/campaigns/{ids['cid']}").get_data(as_text=True)
    done = client.post(f"/campaigns/{ids['cid']}/launch", data={"csrf_token": "x"})
    assert done.status_code == 302
    assert store.campaigns.get(TEAM, ids["cid"]).status == "launched"
    entry = next(e for e in store.audit.list(TEAM, 50) if e.action == "campaign.launch")
    assert entry.actor == f"slack:{MANAGER}"


def test_the_password_admin_launches(client: FlaskClient, auth: AuthActions, store: Store,
                                     ids: dict[str, str]) -> None:
    auth.login()
    page = client.get(f"/campaigns/{ids['cid']}").get_data(as_text=True)
    assert 'id="launch"' in page and 'id="launch-not-allowed"' not in page
    done = client.post(f"/campaigns/{ids['cid']}/launch", data={"csrf_token": csrf_from(page)})
    assert done.status_code == 302
    assert store.campaigns.get(TEAM, ids["cid"]).status == "launched"
    entry = next(e for e in store.audit.list(TEAM, 50) if e.action == "campaign.launch")
    assert entry.actor == "admin password"


@pytest.mark.parametrize(("session", "allowed"), [
    ({"actor": "admin"}, True),  # a password session from before the method was recorded
    ({"actor": f"slack:{MANAGER}"}, False),  # a Slack session from before the user id was recorded
    ({"actor": f"slack:{MANAGER}", "slack_user_id": MANAGER}, True),
])
def test_sessions_started_before_the_upgrade(client: FlaskClient, store: Store, ids: dict[str, str],
                                             session: dict[str, str], allowed: bool) -> None:
    with client.session_transaction() as cookie:
        cookie.update({"signed_in": True, "csrf_token": "x", **session})
    client.post(f"/campaigns/{ids['cid']}/launch", data={"csrf_token": "x"})
    assert (store.campaigns.get(TEAM, ids["cid"]).status == "launched") is allowed
