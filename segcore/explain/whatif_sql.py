"""A what-if curve from the DuckDB mirror in one query.

Whether a person is in the rule with the moving condition at value v is "the condition at v holds, and
the rest of the rule given it holds" or "it does not, and the rest given it does not" (``whatif.given``).
The rest is computed once per person in an inner query; the outer one counts, per value, with a
``count(*) FILTER`` that tests only the moved condition. Each moved condition is compiled by
``compile_sql.to_sql`` itself, so a curve point selects exactly what a count of the edited rule selects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from segcore.compile_sql import to_sql
from segcore.mirror.mirror import UserMirror
from segcore.rules import Condition, EventCondition, Rule

Fragment = tuple[str, list[Any]]


def mirror_curve(mirror: UserMirror, team_id: str, rule: Rule, path: tuple[int, ...],
                 leaves: list[Condition | EventCondition], now: datetime) -> list[int]:
    """Sizes of ``rule`` with the condition at ``path`` replaced by each of ``leaves`` (validated)."""
    from segcore.explain.whatif import given

    catalog = mirror.catalog

    def fragment(part: Rule | bool) -> Fragment:
        if isinstance(part, bool):
            return ("true" if part else "false"), []
        return to_sql(part, catalog, now, team_id)

    if_met, met_params = fragment(given(rule, path, True))
    if_not, not_params = fragment(given(rule, path, False))
    counts, count_params = [], []
    for leaf in leaves:
        # to_sql's fragment is true exactly for the people the condition selects (false or NULL otherwise).
        sql, params = to_sql(leaf, catalog, now, team_id)
        counts.append(f"count(*) FILTER (WHERE CASE WHEN coalesce({sql}, false) THEN _if_met ELSE _if_not END)")
        count_params += params
    query = (
        f"SELECT {', '.join(counts)} FROM ("
        f"SELECT *, coalesce({if_met}, false) AS _if_met, coalesce({if_not}, false) AS _if_not "
        "FROM users WHERE team_id = ?) AS people WHERE _if_met OR _if_not"
    )
    rows, _ = mirror.answer(team_id, [rule, *leaves], query, [*count_params, *met_params, *not_params, team_id])
    return [int(n) for n in rows[0]]
