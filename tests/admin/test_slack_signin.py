"""Sign in with Slack (OpenID Connect) against a stand-in for Slack's API, served over real HTTP."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from admin_helpers import NOW, TEAM, make_services
from flask.testing import FlaskClient
from werkzeug.wrappers import Request, Response

from admin import create_app
from admin.slack_signin import SlackSignIn
from tests.loopback import on_loopback

CLIENT_ID = "111.222"


def _jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


class FakeSlack:
    """Answers openid.connect.token like Slack does, with claims the test chooses."""

    def __init__(self) -> None:
        self.claims: dict[str, Any] = {}
        self.requests: list[dict[str, list[str]]] = []
        self.error: str | None = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        form = parse_qs(request.get_data(as_text=True))
        self.requests.append({"path": [request.path], "authorization": [request.headers.get("Authorization", "")],
                              **form})
        if request.path != "/api/openid.connect.token":
            body: dict[str, Any] = {"ok": False, "error": "unknown_method"}
        elif self.error:
            body = {"ok": False, "error": self.error}
        else:
            body = {"ok": True, "access_token": "xoxp-1", "token_type": "Bearer", "id_token": _jwt(self.claims)}
        return Response(json.dumps(body), mimetype="application/json")(environ, start_response)


@pytest.fixture
def fake_slack() -> Iterator[tuple[FakeSlack, str]]:
    slack = FakeSlack()
    with on_loopback(slack, join_timeout=10) as url:
        yield slack, f"{url}/api/"


@pytest.fixture
def slack_client(store: Any, fake_slack: tuple[FakeSlack, str]) -> FlaskClient:
    sign_in = SlackSignIn(CLIENT_ID, "shh", api_url=fake_slack[1])
    services = replace(make_services(store), slack_sign_in=sign_in)
    return create_app(services, {"TESTING": True}).test_client()


def start(client: FlaskClient) -> dict[str, str]:
    response = client.get("/auth/slack?next=/campaigns")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://slack.com/openid/connect/authorize"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["client_id"] == CLIENT_ID and query["team"] == TEAM
    assert query["redirect_uri"] == "http://localhost/auth/slack/callback"
    assert set(query["scope"].split(",")) == {"openid", "profile", "email"}
    assert len(query["nonce"]) >= 32 and query["nonce"] != query["state"]
    return query


def good_claims(query: dict[str, str]) -> dict[str, Any]:
    return {"iss": "https://slack.com", "aud": CLIENT_ID, "exp": int(NOW.timestamp()) + 600, "nonce": query["nonce"],
            "https://slack.com/team_id": TEAM, "https://slack.com/user_id": "U123", "name": "Asha",
            "email": "asha@example.com", "sub": "U123"}


def signed_in_as_u123(store: Any, fake_slack: tuple[FakeSlack, str], **changes: Any) -> FlaskClient:
    """A client of an admin app built with ``changes`` to its services, signed in with Slack as U123."""
    slack, api_url = fake_slack
    services = replace(make_services(store), slack_sign_in=SlackSignIn(CLIENT_ID, "shh", api_url=api_url),
                       **changes)
    client = create_app(services, {"TESTING": True}).test_client()
    query = start(client)
    slack.claims = good_claims(query)
    assert client.get(f"/auth/slack/callback?code=abc&state={query['state']}").status_code == 302
    return client


def test_sign_in_with_slack(slack_client: FlaskClient, fake_slack: tuple[FakeSlack, str], store: Any) -> None:
    slack, _ = fake_slack
    assert "Sign in with Slack" in slack_client.get("/auth/login").get_data(as_text=True)
    query = start(slack_client)
    slack.claims = good_claims(query)
    response = slack_client.get(f"/auth/slack/callback?code=abc&state={query['state']}")
    assert response.status_code == 302 and response.headers["Location"] == "/campaigns"
    assert slack.requests[-1]["code"] == ["abc"]
    # The client authenticates with HTTP Basic: client id and secret.
    basic = base64.b64encode(f"{CLIENT_ID}:shh".encode()).decode()
    assert slack.requests[-1]["authorization"] == [f"Basic {basic}"]
    assert slack_client.get("/segments").status_code == 200
    entry = store.audit.list(TEAM, 1)[0]
    assert (entry.actor, entry.action) == ("slack:U123", "admin.signed_in")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"https://slack.com/team_id": "T_ELSEWHERE"}, "another Slack workspace"),
        ({"nonce": "replayed"}, "does not belong to this sign-in"),
        ({"nonce": None}, "does not belong to this sign-in"),
        ({"aud": "someone-else"}, "another app"),
        ({"aud": ["someone-else", "another"]}, "another app"),
        ({"aud": [CLIENT_ID, "another"], "azp": "another"}, "another app"),
        ({"exp": int(NOW.timestamp()) - 1}, "expired"),
        ({"exp": None}, "expired"),
        ({"iss": "https://evil.example"}, "not issued by Slack"),
        ({"iss": "https://slack.com.evil.example"}, "not issued by Slack"),
        ({"iss": None}, "not issued by Slack"),
    ],
)
def test_slack_answers_we_do_not_accept(slack_client: FlaskClient, fake_slack: tuple[FakeSlack, str],
                                        change: dict[str, Any], message: str) -> None:
    slack, _ = fake_slack
    query = start(slack_client)
    slack.claims = {k: v for k, v in (good_claims(query) | change).items() if v is not None}
    response = slack_client.get(f"/auth/slack/callback?code=abc&state={query['state']}")
    assert response.status_code == 403
    assert message in response.get_data(as_text=True)
    assert slack_client.get("/segments").status_code == 302


def test_several_audiences_including_ours_are_accepted_when_we_are_the_authorized_party(
        slack_client: FlaskClient, fake_slack: tuple[FakeSlack, str]) -> None:
    slack, _ = fake_slack
    query = start(slack_client)
    slack.claims = good_claims(query) | {"aud": [CLIENT_ID, "another"], "azp": CLIENT_ID}
    assert slack_client.get(f"/auth/slack/callback?code=abc&state={query['state']}").status_code == 302


def test_forged_or_cancelled_callbacks(slack_client: FlaskClient, fake_slack: tuple[FakeSlack, str]) -> None:
    slack, _ = fake_slack
    assert slack_client.get("/auth/slack/callback?code=abc&state=forged").status_code == 400  # never started
    query = start(slack_client)
    assert slack_client.get("/auth/slack/callback?code=abc&state=wrong").status_code == 400
    query = start(slack_client)
    cancelled = slack_client.get(f"/auth/slack/callback?error=access_denied&state={query['state']}")
    assert cancelled.status_code == 401
    query = start(slack_client)
    slack.error = "invalid_code"
    refused = slack_client.get(f"/auth/slack/callback?code=abc&state={query['state']}")
    assert refused.status_code == 403 and "invalid_code" in refused.get_data(as_text=True)
    assert slack_client.get("/segments").status_code == 302


def test_no_slack_routes_without_configuration(client: FlaskClient) -> None:
    assert client.get("/auth/slack").status_code == 404
    assert client.get("/auth/slack/callback?code=x&state=y").status_code == 404
    assert "Sign in with Slack" not in client.get("/auth/login").get_data(as_text=True)


@pytest.mark.parametrize(("viewers", "full"), [(("U123",), True), (("U999",), False)])
def test_a_pii_viewer_signed_in_with_slack_sees_names_and_emails(
        store: Any, fake_slack: tuple[FakeSlack, str], users: list[dict[str, Any]], viewers: tuple[str, ...],
        full: bool) -> None:
    from admin_helpers import SPEND_RULE

    from segcore.rules import rule_from_json

    client = signed_in_as_u123(store, fake_slack, pii_viewers=viewers)
    segment = store.segments.create(TEAM, "big", rule_from_json(SPEND_RULE), "big", "user", "U123")
    html = client.get(f"/segments/{segment.id}").get_data(as_text=True)
    shown = [u["email"] for u in users if u.get("email") and u["email"] in html]
    assert bool(shown) is full
    assert ("Names and emails are masked." in html) is not full
    revealed = [e for e in store.audit.list(TEAM, 10) if e.action == "pii.revealed"]
    assert [(e.actor, e.target) for e in revealed] == ([("slack:U123", segment.id)] if full else [])


@pytest.mark.parametrize(("managers", "allowed"), [(("U123",), True), (("U999",), False), ((), False)])
def test_only_a_campaign_manager_signed_in_with_slack_may_launch(
        store: Any, fake_slack: tuple[FakeSlack, str], users: list[dict[str, Any]], managers: tuple[str, ...],
        allowed: bool) -> None:
    from admin_helpers import SPEND_RULE, csrf_from

    from segcore.rules import rule_from_json

    client = signed_in_as_u123(store, fake_slack, campaign_managers=managers)
    segment = store.segments.create(TEAM, "big", rule_from_json(SPEND_RULE), "big", "user", "U123")
    campaign = store.campaigns.create(TEAM, "Winback", "email", "hi", "U123", segment_ids=(segment.id,))
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert ('id="launch"' in page) is allowed
    # Posted even when no button is shown, as a forged form would be.
    client.post(f"/campaigns/{campaign.id}/launch", data={"csrf_token": csrf_from(page)})
    assert store.campaigns.get(TEAM, campaign.id).status == ("launching" if allowed else "draft")
    changed_by = [e.actor for e in store.audit.list(TEAM, 10) if e.action == "campaign.update"]
    assert changed_by == (["slack:U123"] if allowed else [])
