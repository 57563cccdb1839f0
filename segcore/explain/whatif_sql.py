"""A what-if curve from the DuckDB mirror in one query.

Whether a person is in the rule with the moving condition at value v is "the condition at v holds, and
the rest of the rule given it holds" or "it does not, and the rest given it does not" (``whatif.given``).
So a point's size is (in with or without the condition) + (in only with it, and it holds at v) + (in only
without it, and it fails at v). Each part is a scan with the rest as its WHERE and a ``count(*) FILTER``
per value testing only the moved condition, compiled by ``compile_sql.to_sql`` itself (and its negation by
``to_sql`` of ``Not``), so a point selects exactly what a count of the edited rule selects. In an ``all``
group (the usual case) only the second part exists and a nine-value curve costs about one count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from segcore.compile_sql import to_sql
from segcore.mirror.mirror import UserMirror
from segcore.rules import Condition, EventCondition, Not, Rule

Fragment = tuple[str, list[Any]]


def mirror_curve(mirror: UserMirror, team_id: str, rule: Rule, path: tuple[int, ...],
                 leaves: list[Condition | EventCondition], now: datetime) -> list[int]:
    """Sizes of ``rule`` with the condition at ``path`` replaced by each of ``leaves`` (validated)."""
    from segcore.explain.whatif import given

    catalog = mirror.catalog

    def sql(part: Rule) -> Fragment:
        # to_sql's fragment is true exactly for the people a rule selects (false or NULL otherwise).
        return to_sql(part, catalog, now, team_id)

    met, unmet = given(rule, path, True), given(rule, path, False)
    holds = [sql(leaf) for leaf in leaves]
    fails = [sql(Not(leaf)) for leaf in leaves]
    # The usual shapes skip the per-person choice: a condition in an "all" group (the rest must hold and it
    # must hold), one under a "not" there, one in an "any" group (the rest, or it).
    if unmet is False or met is False:
        rest, tests = (met, holds) if unmet is False else (unmet, fails)
        where, where_params = sql(rest) if not isinstance(rest, bool) else ("true", [])
        query = f"SELECT {_counts(tests)} FROM users WHERE team_id = ? AND {where}"
        params = [*_params(tests), team_id, *where_params]
    elif met is True or unmet is True:
        # In an "any" group: everyone the rest selects, plus those it does not select whom the condition
        # does (or, under a "not", does not). Two scans of the cost of a count, not a choice per person.
        other, tests = (unmet, holds) if met is True else (met, fails)
        assert not isinstance(other, bool)
        rest_sql, rest_params = sql(other)
        outside_sql, outside_params = sql(Not(other))
        query = (f"SELECT (SELECT count(*) FROM users WHERE team_id = ? AND {rest_sql}), {_counts(tests)} "
                 f"FROM users WHERE team_id = ? AND {outside_sql}")
        params = [team_id, *rest_params, *_params(tests), team_id, *outside_params]
        rows, _ = mirror.answer(team_id, [rule, *leaves], query, params)
        base, *more = rows[0]
        return [int(base) + int(n) for n in more]
    else:
        # In with or without the condition; in only with it; in only without it: three scans of the cost of
        # a count (each its own WHERE), rather than a choice per person and value.
        met_sql, met_params = sql(met)
        unmet_sql, unmet_params = sql(unmet)
        not_met_sql, not_met_params = sql(Not(met))
        not_unmet_sql, not_unmet_params = sql(Not(unmet))
        query = (
            f"SELECT * FROM (SELECT count(*) FROM users WHERE team_id = ? AND {met_sql} AND {unmet_sql}), "
            f"(SELECT {_counts(holds)} FROM users WHERE team_id = ? AND {met_sql} AND {not_unmet_sql}), "
            f"(SELECT {_counts(fails)} FROM users WHERE team_id = ? AND {not_met_sql} AND {unmet_sql})"
        )
        params = [team_id, *met_params, *unmet_params,
                  *_params(holds), team_id, *met_params, *not_unmet_params,
                  *_params(fails), team_id, *not_met_params, *unmet_params]
        rows, _ = mirror.answer(team_id, [rule, *leaves], query, params)
        both, *parts = rows[0]
        with_it, without_it = parts[:len(leaves)], parts[len(leaves):]
        return [int(both) + int(a) + int(b) for a, b in zip(with_it, without_it, strict=True)]
    rows, _ = mirror.answer(team_id, [rule, *leaves], query, params)
    return [int(n) for n in rows[0]]


def _counts(tests: list[Fragment]) -> str:
    return ", ".join(f"count(*) FILTER (WHERE {test})" for test, _ in tests)


def _params(tests: list[Fragment]) -> list[Any]:
    return [p for _, params in tests for p in params]
