"""When two readers understand a text differently, nothing is saved until someone chooses a reading.

The interpreter here is a stand-in that returns two readings for one phrase (as the Cohere cross-check does
when the grammar and Cohere disagree on the audience); everything else is the real app and database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from admin import AdminServices, create_app
from segcore import default_catalog, validate_json
from segcore.interpret import interpret
from segcore.reading import Reading
from tests.admin.admin_helpers import NOW, TEAM, ApiClient, AuthActions, error_of, make_services

AMBIGUOUS = "big spenders"
GRAMMAR = {"field": "total_spend", "op": "gt", "value": 5000}
COHERE = {"field": "total_spend", "op": "gt", "value": 50000}


@dataclass(frozen=True)
class TwoReadings(Reading):
    """A Reading with the fields the Cohere cross-check adds (alternatives, notice)."""

    alternatives: tuple[Reading, ...] = ()
    notice: str | None = None


def two_readers(text: str, team_id: str) -> Reading:
    catalog = default_catalog()
    if text == AMBIGUOUS:
        grammar = Reading(validate_json(GRAMMAR, catalog), (), "grammar")
        cohere = Reading(validate_json(COHERE, catalog), (), "cohere")
        return TwoReadings(grammar.rule, (), "grammar", (grammar, cohere), "Grammar and Cohere disagree.")
    return interpret(text, catalog, NOW)


@pytest.fixture
def services(store: Any) -> AdminServices:
    return replace(make_services(store), interpret=two_readers)


@pytest.fixture
def app(services: AdminServices) -> Flask:
    return create_app(services, {"TESTING": True})


def test_api_preview_shows_both_readings_with_sizes(api: ApiClient, users: Any) -> None:
    body = api.post("/api/segments/preview", {"text": AMBIGUOUS}).get_json()
    assert [a["rule"] for a in body["alternatives"]] == [GRAMMAR, COHERE]
    assert [a["source"] for a in body["alternatives"]] == ["grammar", "cohere"]
    assert body["alternatives"][0]["size"] > body["alternatives"][1]["size"]
    assert body["notice"] == "Grammar and Cohere disagree."
    plain = api.post("/api/segments/preview", {"text": "visits > 50"}).get_json()
    assert plain["alternatives"] == [] and plain["notice"] is None


def test_api_refuses_to_save_an_ambiguous_text(api: ApiClient, users: Any) -> None:
    response = api.post("/api/segments", {"name": "Spenders", "text": AMBIGUOUS})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "ambiguous"
    assert [a["rule"] for a in error["details"]["alternatives"]] == [GRAMMAR, COHERE]
    assert api.get("/api/segments").get_json()["segments"] == []
    chosen = api.post("/api/segments", {"name": "Spenders", "rule": COHERE})
    assert chosen.status_code == 201 and chosen.get_json()["source"] == "user"
    sid = chosen.get_json()["id"]
    assert api.patch(f"/api/segments/{sid}", {"name": "Renamed", "text": AMBIGUOUS}).status_code == 422
    unchanged = api.get(f"/api/segments/{sid}").get_json()
    assert (unchanged["name"], unchanged["rule"]) == ("Spenders", COHERE)  # nothing half written


def test_page_offers_the_readings_and_saves_the_chosen_one(client: FlaskClient, auth: AuthActions, users: Any,
                                                          store: Any) -> None:
    auth.login()
    csrf = auth.csrf("/segments/new")
    form = {"csrf_token": csrf, "name": "Spenders", "text": AMBIGUOUS, "match": "all"}
    read = client.post("/segments/new", data=form | {"action": "read"})
    html = read.get_data(as_text=True)
    assert "more than one way" in html and "₹50,000" in html and "₹5,000" in html
    assert client.post("/segments/new", data=form | {"action": "save"}).status_code == 422
    assert store.segments.list(TEAM) == []
    picked = client.post("/segments/new", data=form | {"pick": "1"}).get_data(as_text=True)
    assert 'value="50000"' in picked  # the builder now holds Cohere's reading
    saved = client.post("/segments/new", data=form | {"action": "save", "field": ["total_spend"], "op": ["gt"],
                                                      "value": ["50000"]})
    assert saved.status_code == 302
    (segment,) = store.segments.list(TEAM)
    assert segment.source == "user" and segment.rule.value == 50000

