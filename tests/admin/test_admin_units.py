"""Pure parts of the admin app: the rule builder's rows and the size chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from admin.charts import size_chart
from admin.rulebuilder import Row, rows_from_rule, rule_json_from_rows
from segcore import default_catalog, validate_json
from segcore.errors import RuleError


@pytest.mark.parametrize(
    ("row", "condition"),
    [
        (Row("total_spend", "gt", "₹5,000"), {"field": "total_spend", "op": "gt", "value": 5000}),
        (Row("total_spend", "gt", "2.5k"), {"field": "total_spend", "op": "gt", "value": 2500}),
        (Row("visits", "between", "10 and 20"), {"field": "visits", "op": "between", "value": [10, 20]}),
        (Row("city", "in", "Pune, Bombay"), {"field": "city", "op": "in", "value": ["Pune", "Bombay"]}),
        (Row("tags", "has_none", "vip"), {"field": "tags", "op": "has_none", "value": ["vip"]}),
        (Row("email_opt_in", "is", "yes"), {"field": "email_opt_in", "op": "is", "value": True}),
        (Row("last_visit_at", "not_within_last", "5 months"),
         {"field": "last_visit_at", "op": "not_within_last", "value": {"amount": 5, "unit": "month"}}),
        (Row("signup_date", "on", "last month"),
         {"field": "signup_date", "op": "on", "value": {"period": "month", "offset": -1}}),
        (Row("signup_date", "before", "2025-03"), {"field": "signup_date", "op": "before", "value": "2025-03"}),
        (Row("last_order_at", "exists", ""), {"field": "last_order_at", "op": "exists", "value": True}),
    ],
)
def test_rows_become_rules_and_back(row: Row, condition: dict[str, object]) -> None:
    catalog = default_catalog()
    assert rule_json_from_rows("all", [row], catalog) == condition
    rule = validate_json(condition, catalog)
    shape = rows_from_rule(rule)
    assert shape is not None
    again = rule_json_from_rows(shape[0], shape[1], catalog)
    assert validate_json(again, catalog) == rule


def test_several_rows_make_a_group() -> None:
    rows = [Row("visits", "gt", "50"), Row("city", "eq", "Pune")]
    assert rule_json_from_rows("any", rows, default_catalog()) == {"any": [
        {"field": "visits", "op": "gt", "value": 50}, {"field": "city", "op": "eq", "value": "Pune"}]}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "at least one condition"),
        ([Row("", "gt", "5")], "choose a field"),
        ([Row("visits", "has", "5")], "visits can use"),
        ([Row("visits", "gt", "lots")], "not a number"),
        ([Row("visits", "between", "5")], "two values"),
        ([Row("last_visit_at", "within_last", "soon")], "amount and a unit"),
        ([Row("email_opt_in", "is", "maybe")], "true or false"),
    ],
)
def test_rows_that_cannot_be_read_say_why(rows: list[Row], message: str) -> None:
    with pytest.raises(RuleError, match=message):
        rule_json_from_rows("all", rows, default_catalog())


def test_nested_rules_do_not_fit_the_builder() -> None:
    rule = validate_json({"all": [{"any": [{"field": "visits", "op": "gt", "value": 1},
                                          {"field": "orders", "op": "gt", "value": 1}]},
                                  {"field": "city", "op": "eq", "value": "Pune"}]}, default_catalog())
    assert rows_from_rule(rule) is None


def test_chart_draws_every_point_in_order() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    points = [(start + timedelta(days=i), size) for i, size in enumerate([10, 30, 20])]
    svg = str(size_chart(points, width=100, height=50))
    assert svg.startswith("<svg") and svg.count("<circle") == 3
    line = svg.split('points="')[1].split('"')[0]
    coords = [tuple(map(float, p.split(","))) for p in line.split()]
    assert [x for x, _ in coords] == sorted(x for x, _ in coords)
    ys = [y for _, y in coords]
    assert ys[1] < ys[2] < ys[0]  # bigger sizes are drawn higher up
    assert "10 to 20" in svg


def test_chart_of_nothing_and_of_one_point() -> None:
    assert "no history" in str(size_chart([]))
    one = str(size_chart([(datetime(2026, 11, 1, tzinfo=UTC), 5)]))
    assert one.count("<circle") == 1


def test_chart_escapes_its_label() -> None:
    svg = str(size_chart([(datetime(2026, 11, 1, tzinfo=UTC), 5)], label="<script>x</script>"))
    assert "<script>" not in svg


def test_big_charts_write_their_dates_and_extremes() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    points = [(start, 1200), (start + timedelta(days=30), 900)]
    svg = str(size_chart(points, width=640, height=160))
    assert "highest 1,200 · lowest 900" in svg and "now 900" in svg
    assert "2026-11-01" in svg and "2026-12-01" in svg
    assert "<text" not in str(size_chart(points, width=140, height=36))
