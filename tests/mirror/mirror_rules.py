"""Hand-written rule JSON for every prompt of nl-examples.jsonl, and random valid rules for hypothesis.

The rules are written here, not parsed, so the parity of the two executors is tested whatever the state
of the grammar; a separate test checks each hand-written rule against the prompt's reference filter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from segcore.catalog import Field, FieldCatalog
from segcore.errors import RuleError
from segcore.rules import Rule, rule_from_json
from segcore.validation import validate

TEAMS = ("T1", "T2")  # the workspaces tests/mirror/conftest.py loads


def _c(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def _ago(amount: int, unit: str) -> dict[str, Any]:
    return {"amount": amount, "unit": unit}


EXAMPLE_RULES: dict[str, dict[str, Any]] = {
    "people who haven't visited in 5 months but spent more than ₹5000": {
        "all": [_c("last_visit_at", "not_within_last", _ago(5, "month")), _c("total_spend", "gt", 5000)]
    },
    "visits > 50": _c("visits", "gt", 50),
    "total_spend > 10000": _c("total_spend", "gt", 10000),
    "visits > 50 and total_spend > 10000": {"all": [_c("visits", "gt", 50), _c("total_spend", "gt", 10000)]},
    "orders >= 2 or plan = enterprise": {"any": [_c("orders", "gte", 2), _c("plan", "eq", "enterprise")]},
    "users who spent over 5k": _c("total_spend", "gt", 5000),
    "customers with spend of at least ₹1,00,000": _c("total_spend", "gte", 100000),
    "spent more than 1 lakh": _c("total_spend", "gt", 100000),
    "spend under Rs. 2000": _c("total_spend", "lt", 2000),
    "spent between 10k and 20k": _c("total_spend", "between", [10000, 20000]),
    "users with at most 3 visits": _c("visits", "lte", 3),
    "more than 20 visits": _c("visits", "gt", 20),
    "people with exactly 10 visits": _c("visits", "eq", 10),
    "customers with 5 or more orders": _c("orders", "gte", 5),
    "users with zero orders": _c("orders", "eq", 0),
    "visited in the last 7 days": _c("last_visit_at", "within_last", _ago(7, "day")),
    "active within the last month": _c("last_visit_at", "within_last", _ago(1, "month")),
    "haven't visited in 90 days": _c("last_visit_at", "not_within_last", _ago(90, "day")),
    "inactive for 6 months": _c("last_visit_at", "not_within_last", _ago(6, "month")),
    "last visit more than 2 weeks ago": _c("last_visit_at", "more_than_ago", _ago(2, "week")),
    "haven't ordered in 3 months": _c("last_order_at", "not_within_last", _ago(3, "month")),
    "ordered within the last 14 days": _c("last_order_at", "within_last", _ago(14, "day")),
    "signed up in the last 3 months": _c("signup_date", "within_last", _ago(3, "month")),
    "joined more than a year ago": _c("signup_date", "more_than_ago", _ago(1, "year")),
    "signed up in 2025": _c("signup_date", "on", "2025"),
    "signed up before 2023-01-01": _c("signup_date", "before", "2023-01-01"),
    "signed up after March 2026": _c("signup_date", "after", "2026-03"),
    "users in Hyderabad": _c("city", "eq", "Hyderabad"),
    "users in Mumbai or Pune": _c("city", "in", ["Mumbai", "Pune"]),
    "users not in Delhi": _c("city", "ne", "Delhi"),
    "users from Singapore": _c("city", "eq", "Singapore"),
    "users outside the US": _c("country", "ne", "US"),
    "users on the enterprise plan": _c("plan", "eq", "enterprise"),
    "free users": _c("plan", "eq", "free"),
    "users tagged newsletter": _c("tags", "has", "newsletter"),
    "users who are not tagged churn-risk": _c("tags", "has_none", ["churn-risk"]),
    "opted in to email": _c("email_opt_in", "is", True),
    "aged between 18 and 24": _c("age", "between", [18, 24]),
    "older than 50": _c("age", "gt", 50),
    "pro users in Delhi who spent over 10k": {
        "all": [_c("plan", "eq", "pro"), _c("city", "eq", "Delhi"), _c("total_spend", "gt", 10000)]
    },
    "vip users who haven't visited in 2 months": {
        "all": [_c("tags", "has", "vip"), _c("last_visit_at", "not_within_last", _ago(2, "month"))]
    },
    "users with more than 30 visits or more than 10 orders": {
        "any": [_c("visits", "gt", 30), _c("orders", "gt", 10)]
    },
    "new users from the last 30 days with no orders": {
        "all": [_c("signup_date", "within_last", _ago(30, "day")), _c("orders", "eq", 0)]
    },
    "How many customers in Chennai spent more than ₹20,000?": {
        "all": [_c("city", "eq", "Chennai"), _c("total_spend", "gt", 20000)]
    },
    "users who spent over 50000 and signed up this year": {
        "all": [_c("total_spend", "gt", 50000), _c("signup_date", "after", "2025")]
    },
}


# ---------------------------------------------------------------------------------------------- random


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class RuleStrategies:
    """Valid rules over a catalog, with values near the sample data so that rules select someone."""

    def __init__(self, catalog: FieldCatalog, sample_users: list[dict[str, Any]]) -> None:
        self.catalog = catalog
        self.fields = catalog.queryable()
        self.seen: dict[str, list[Any]] = {}
        for f in self.fields:
            values = [u[f.name] for u in sample_users[:400] if u.get(f.name) is not None]
            self.seen[f.name] = values

    def _text(self, f: Field) -> st.SearchStrategy[str]:
        known = list(f.values) + [str(v) for v in self.seen[f.name][:60] if isinstance(v, str)]
        options: list[st.SearchStrategy[str]] = [st.sampled_from(known)] if known else []
        if not f.closed:
            options.append(st.text(alphabet="abcdeu XYZ-", min_size=1, max_size=6).filter(lambda s: s.strip() != ""))
        return st.one_of(options)

    def _fragment(self, f: Field) -> st.SearchStrategy[str]:
        """Literal pieces for ``contains``: parts of real values, odd case, LIKE and regex characters."""
        texts = [str(v) for v in self.seen[f.name][:60] if isinstance(v, str)] + list(f.values)
        cut = st.sampled_from(texts or ["a"]).flatmap(
            lambda s: st.tuples(st.integers(0, max(0, len(s) - 1)), st.integers(1, 5)).map(
                lambda ij: s[ij[0]: ij[0] + ij[1]]
            )
        )
        odd = st.sampled_from(["%", "_", ".", "a%", "e_", "(", "[a]", "*", "\\", "user1", "EXAMPLE.COM", "é"])
        return st.one_of(cut.map(lambda s: s.swapcase()), cut, odd).filter(lambda s: s.strip() != "")

    def _number(self, f: Field) -> st.SearchStrategy[int | float]:
        seen = [v for v in self.seen[f.name] if isinstance(v, int | float)]
        top = max(seen) if seen else 100
        return st.one_of(
            st.sampled_from(seen or [0]),
            st.integers(-2, int(top) + 2),
            st.floats(-1, float(top) + 1, allow_nan=False).map(lambda x: round(x, 2)),
        )

    def _date(self, f: Field) -> st.SearchStrategy[Any]:
        seen = [v for v in self.seen[f.name] if isinstance(v, datetime)]
        return st.one_of(
            st.integers(2021, 2027).map(str),
            st.tuples(st.integers(2022, 2026), st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
            st.dates(datetime(2022, 1, 1).date(), datetime(2027, 1, 1).date()).map(lambda d: d.isoformat()),
            st.sampled_from(seen).map(_instant) if seen else st.just("2026-01-01"),
            st.builds(lambda p, o: {"period": p, "offset": o},
                      st.sampled_from(["day", "week", "month", "quarter", "year"]), st.integers(-6, 1)),
        )

    def _value(self, f: Field, op: str) -> st.SearchStrategy[Any]:
        if op == "exists":
            return st.booleans()
        if f.type in ("int", "number"):
            if op == "between":
                return st.tuples(self._number(f), self._number(f)).map(lambda t: sorted(t))
            return self._number(f)
        if f.type == "string":
            if op in ("in", "not_in"):
                return st.lists(self._text(f), min_size=1, max_size=4)
            if op == "contains":
                return self._fragment(f)
            return self._text(f)
        if f.type == "array":
            if op == "has":
                return self._text(f)
            return st.lists(self._text(f), min_size=1, max_size=3)
        if f.type == "bool":
            return st.booleans()
        if op in ("within_last", "not_within_last", "more_than_ago"):
            return st.builds(lambda a, u: {"amount": a, "unit": u},
                             st.integers(1, 40), st.sampled_from(["day", "week", "month", "quarter", "year"]))
        if op == "between":
            return st.tuples(self._date(f), self._date(f)).map(list)
        return self._date(f)

    def condition(self) -> st.SearchStrategy[dict[str, Any]]:
        return st.sampled_from(self.fields).flatmap(
            lambda f: st.sampled_from(f.operators).flatmap(
                lambda op: self._value(f, op).map(lambda v: {"field": f.name, "op": op, "value": v})
            )
        )

    def tree(self) -> st.SearchStrategy[dict[str, Any]]:
        def extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
            group = st.lists(children, min_size=1, max_size=4)
            return st.one_of(
                group.map(lambda rules: {"all": rules}),
                group.map(lambda rules: {"any": rules}),
                children.map(lambda rule: {"not": rule}),
            )

        return st.recursive(self.condition(), extend, max_leaves=10)

    def valid(self, data: dict[str, Any]) -> Rule | None:
        """The validated rule, or None when the draw is not a valid rule (e.g. a date range backwards)."""
        try:
            return validate(rule_from_json(data), self.catalog)
        except RuleError:
            return None
