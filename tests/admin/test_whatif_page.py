"""The segment form's preview shows a what-if chart per threshold; each bar is the edited rule's size."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from admin.whatif_charts import bar_chart
from segcore import default_catalog, rule_from_json, to_mongo_filter
from tests.admin.admin_helpers import NOW, TEAM, AuthActions


def counted(store: Any, rule_json: dict[str, Any]) -> int:
    query = to_mongo_filter(rule_from_json(rule_json), default_catalog(), NOW)
    return int(store.db.users.count_documents({"$and": [{"team_id": TEAM}, query]}))


def test_the_preview_shows_a_chart_per_threshold(client: FlaskClient, auth: AuthActions, users: Any,
                                                 store: Any) -> None:
    auth.login()
    form = {"csrf_token": auth.csrf("/segments/new"), "name": "", "text": "", "match": "all",
            "field": ["visits", "city"], "op": ["gt", "eq"], "value": ["20", "Pune"], "action": "preview"}
    html = client.post("/segments/new", data=form).get_data(as_text=True)
    section = html[html.index('id="whatif"'):]
    assert section.count('class="chart-box whatif-curve"') == 1 and "more than 20 visits" in section
    bars = re.findall(r'<g class="point (current|other)"><title>([^:]+): ([\d,]+) people', section)
    assert len(bars) >= 7 and [kind for kind, *_ in bars].count("current") == 1
    for _, label, size in bars:
        rule = {"all": [{"field": "visits", "op": "gt", "value": int(label)},
                        {"field": "city", "op": "eq", "value": "Pune"}]}
        assert int(size.replace(",", "")) == counted(store, rule), label
    current = next(size for kind, _, size in bars if kind == "current")
    assert f"<strong>{current}</strong> people right now" in html


def test_the_chart_escapes_labels_and_draws_nobody_as_no_bar() -> None:
    svg = str(bar_chart([("<b>", 0, False), ("x", 0, True)], "a & b"))
    assert "<b>" not in svg and "&lt;b&gt;" in svg and 'height="0.0"' in svg and "a &amp; b" in svg
