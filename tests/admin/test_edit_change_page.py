"""The admin edit page: Preview shows what saving would change and who enters and leaves; Save says it."""

from __future__ import annotations

import html
from typing import Any

from flask.testing import FlaskClient

from segcore import default_catalog, rule_from_json, to_mongo_filter
from tests.admin.admin_helpers import NOW, SPEND_RULE, TEAM, ApiClient, AuthActions, csrf_from

HIGHER = {"field": "total_spend", "op": "gt", "value": 10000}


def _count(store: Any, *rules: dict[str, Any]) -> int:
    parts = [to_mongo_filter(rule_from_json(r), default_catalog(), NOW) for r in rules]
    return int(store.db.users.count_documents({"$and": [{"team_id": TEAM}, *parts]}))


def _form(page: str, value: str, action: str) -> dict[str, Any]:
    return {"csrf_token": csrf_from(page), "name": "Big", "match": "all", "field": ["total_spend"],
            "op": ["gt"], "value": [value], "action": action}


def test_preview_then_save_says_what_changed(client: FlaskClient, auth: AuthActions, api: ApiClient, users: Any,
                                             store: Any) -> None:
    sid = api.post("/api/segments", {"name": "Big", "rule": SPEND_RULE}).get_json()["id"]
    auth.login()
    page = client.get(f"/segments/{sid}/edit").get_data(as_text=True)
    assert 'id="edit-change"' not in page  # nothing to compare before the form is previewed
    old, new = _count(store, SPEND_RULE), _count(store, HIGHER)
    assert old > new > 0
    preview = client.post(f"/segments/{sid}/edit", data=_form(page, "10000", "preview"))
    assert preview.status_code == 200
    shown = html.unescape(preview.get_data(as_text=True))
    assert "<li>total spend threshold raised from ₹5,000 to ₹10,000</li>" in shown
    assert f"Audience {old:,} → {new:,}:\n      <strong>0</strong> enter, <strong>{old - new:,}</strong> leave." in shown
    assert store.segments.get(TEAM, sid).rule.value == 5000  # a preview saves nothing

    same = html.unescape(client.post(f"/segments/{sid}/edit", data=_form(page, "5000", "preview")).get_data(as_text=True))
    assert f"Nothing changed: these rules are the saved ones ({old:,} people)." in same

    saved = client.post(f"/segments/{sid}/edit", data=_form(page, "10000", "save"), follow_redirects=True)
    assert saved.status_code == 200
    flashed = html.unescape(saved.get_data(as_text=True))
    assert (f"Updated segment Big: Total spend threshold raised from ₹5,000 to ₹10,000. Audience {old:,} → {new:,}: "
            f"0 people enter, {old - new:,} leave.") in flashed
    assert store.segments.get(TEAM, sid).rule.value == 10000
