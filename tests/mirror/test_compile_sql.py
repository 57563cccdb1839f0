"""The SQL compiler on its own: values are parameters, names are quoted catalog names, no NULL escapes.

These run on an in-memory DuckDB table, so they check what SQL does with the fragment, not its text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb
import pytest

from segcore import default_catalog, validate_json
from segcore.catalog import Field
from segcore.compile_sql import quote, to_sql

CATALOG = default_catalog()
NOW = datetime(2026, 11, 24, 12, 0, 0, 999_999, tzinfo=UTC)


@pytest.fixture
def table() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute(
        'CREATE TABLE users (user_id VARCHAR, name VARCHAR, tags VARCHAR[], visits BIGINT, '
        'total_spend DOUBLE, email_opt_in BOOLEAN, last_visit_at TIMESTAMPTZ, "order" VARCHAR)'
    )
    conn.execute(
        "INSERT INTO users VALUES "
        "('a', '100% Pure_Joy', ['vip'], 5, 10.5, true, TIMESTAMPTZ '2026-11-24 12:00:00+00', 'x'), "
        "('b', '100 PureXJoy', [], 6, NULL, false, TIMESTAMPTZ '2026-01-01 00:00:00+00', NULL), "
        "('c', NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
        "('d', 'it''s', ['vip', NULL], 5, 11, NULL, NULL, NULL)"
    )
    return conn


def ids(conn: duckdb.DuckDBPyConnection, data: dict[str, Any], catalog: Any = CATALOG) -> list[str]:
    where, params = to_sql(validate_json(data, catalog), catalog, NOW)
    return [r[0] for r in conn.execute(f"SELECT user_id FROM users WHERE {where} ORDER BY 1", params).fetchall()]


def test_values_are_parameters_never_sql_text() -> None:
    sneaky = "x'); DROP TABLE users; --"
    where, params = to_sql(validate_json({"field": "name", "op": "eq", "value": sneaky}, CATALOG), CATALOG, NOW)
    assert sneaky not in where and params == [sneaky]


def test_contains_is_literal_and_case_insensitive(table: duckdb.DuckDBPyConnection) -> None:
    assert ids(table, {"field": "name", "op": "contains", "value": "0% pure_"}) == ["a"]
    assert ids(table, {"field": "name", "op": "contains", "value": "_"}) == ["a"]
    assert ids(table, {"field": "name", "op": "contains", "value": "PURE"}) == ["a", "b"]
    assert ids(table, {"field": "name", "op": "contains", "value": "'"}) == ["d"]


def test_missing_values_follow_mongodb(table: duckdb.DuckDBPyConnection) -> None:
    assert ids(table, {"field": "visits", "op": "ne", "value": 5}) == ["b", "c"]
    assert ids(table, {"field": "visits", "op": "lt", "value": 6}) == ["a", "d"]
    assert ids(table, {"not": {"field": "visits", "op": "lt", "value": 6}}) == ["b", "c"]
    assert ids(table, {"field": "tags", "op": "has_none", "value": ["vip"]}) == ["b", "c"]
    assert ids(table, {"field": "tags", "op": "exists", "value": True}) == ["a", "b"]  # [vip, null] is null-ish
    assert ids(table, {"field": "tags", "op": "exists", "value": False}) == ["c", "d"]
    assert ids(table, {"field": "email_opt_in", "op": "is", "value": False}) == ["b", "c", "d"]
    assert ids(table, {"field": "last_visit_at", "op": "not_within_last", "value": {"amount": 1, "unit": "month"}}) \
        == ["b", "c", "d"]
    assert ids(table, {"not": {"any": [{"field": "total_spend", "op": "gt", "value": 10}, {"field": "visits", "op": "eq", "value": 6}]}}) == ["c"]


def test_numbers_keep_their_fraction_against_whole_columns(table: duckdb.DuckDBPyConnection) -> None:
    assert ids(table, {"field": "visits", "op": "gt", "value": 5.5}) == ["b"]
    assert ids(table, {"field": "visits", "op": "between", "value": [4.5, 5.5]}) == ["a", "d"]


def test_relative_dates_use_now_to_the_millisecond(table: duckdb.DuckDBPyConnection) -> None:
    # BSON dates hold milliseconds: MongoDB compares against now - 1 day cut to .999, and so must SQL.
    table.execute("INSERT INTO users (user_id, last_visit_at) VALUES ('e', TIMESTAMPTZ '2026-11-23 12:00:00.999+00')")
    assert ids(table, {"field": "last_visit_at", "op": "within_last", "value": {"amount": 1, "unit": "day"}}) \
        == ["a", "e"]
    assert ids(table, {"field": "last_visit_at", "op": "on", "value": "2026-11-24T12:00:00Z"}) == ["a"]


def test_column_names_are_quoted_catalog_names(table: duckdb.DuckDBPyConnection) -> None:
    catalog = CATALOG.with_fields([Field("order", "string", "order")])
    assert quote('we"ird') == '"we""ird"'
    assert ids(table, {"field": "order", "op": "eq", "value": "x"}, catalog) == ["a"]


def test_now_must_carry_a_time_zone() -> None:
    rule = validate_json({"field": "visits", "op": "gt", "value": 1}, CATALOG)
    with pytest.raises(ValueError, match="timezone"):
        to_sql(rule, CATALOG, datetime(2026, 1, 1))


def test_event_conditions_match_people_by_their_number() -> None:
    catalog = default_catalog()
    rule = validate_json({"event": "Order Completed", "count": {"op": "gte", "value": 3}}, catalog)
    sql, _ = to_sql(rule, catalog, datetime(2026, 11, 24, tzinfo=UTC), team_id="T1")
    assert "_person IN (SELECT person FROM events" in sql and "GROUP BY person" in sql
    assert "user_id" not in sql


def test_a_persons_number_depends_on_workspace_and_text_user_id_only() -> None:
    from segcore.mirror.schema import person_key

    assert person_key("T1", "u1") == person_key("T1", "u1")
    assert person_key("T1", "u1") != person_key("T2", "u1")
    assert person_key("T1", "u1") != person_key("T1", "u2")
    assert person_key("T1", 7) is None and person_key("T1", None) is None  # never matched, as in MongoDB
