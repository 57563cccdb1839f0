"""A what-if curve from the DuckDB mirror in one query.

Whether a person is in the rule with the moving condition at value v is "the condition at v holds, and
the rest of the rule given it holds" or "it does not, and the rest given it does not" (``whatif.given``).
The rest is computed once per person; the query counts, per value, with a ``count(*) FILTER`` that
tests only the moved condition. When the rest is a constant for one of the two answers (a condition in an
``all`` group: nobody is in unless it holds) the rest becomes the query's WHERE and each value a plain
filter, which costs about one count. Each moved condition is compiled by
``compile_sql.to_sql`` itself, so a curve point selects exactly what a count of the edited rule selects.
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
        other, tests = (unmet, holds) if met is True else (met, fails)
        assert not isinstance(other, bool)
        rest_sql, rest_params = sql(other)
        either = [(f"_rest OR coalesce({test}, false)", p) for test, p in tests]
        query = (f"SELECT {_counts(either)} FROM (SELECT *, coalesce({rest_sql}, false) AS _rest "
                 "FROM users WHERE team_id = ?) AS people")
        params = [*_params(either), *rest_params, team_id]
    else:
        met_sql, met_params = sql(met)
        unmet_sql, unmet_params = sql(unmet)
        choice = [(f"CASE WHEN coalesce({test}, false) THEN _if_met ELSE _if_not END", p) for test, p in holds]
        query = (
            f"SELECT {_counts(choice)} FROM ("
            f"SELECT *, coalesce({met_sql}, false) AS _if_met, coalesce({unmet_sql}, false) AS _if_not "
            "FROM users WHERE team_id = ?) AS people WHERE _if_met OR _if_not"
        )
        params = [*_params(choice), *met_params, *unmet_params, team_id]
    rows, _ = mirror.answer(team_id, [rule, *leaves], query, params)
    return [int(n) for n in rows[0]]


def _counts(tests: list[Fragment]) -> str:
    return ", ".join(f"count(*) FILTER (WHERE {test})" for test, _ in tests)


def _params(tests: list[Fragment]) -> list[Any]:
    return [p for _, params in tests for p in params]
