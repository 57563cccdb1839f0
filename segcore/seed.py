"""Realistic demo users, shaped like the sample workspace: so a fresh install has audiences to size.

Deterministic for a given ``seed``. Dates are spread relative to ``now`` so "visited in the last month"
finds people whenever the demo is run.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from segcore.rules import to_millisecond

CITIES = (
    ("Mumbai", "IN"), ("Delhi", "IN"), ("Bengaluru", "IN"), ("Kolkata", "IN"), ("Hyderabad", "IN"),
    ("Chennai", "IN"), ("Pune", "IN"), ("Ahmedabad", "IN"), ("Jaipur", "IN"), ("San Francisco", "US"),
    ("New York", "US"), ("Singapore", "SG"), ("London", "GB"), ("Dubai", "AE"),
)
FIRST = ("Sara", "John", "Ravi", "Dev", "Li", "Asha", "Omar", "Meera", "Arjun", "Priya", "Kabir", "Nina")
LAST = ("Khan", "Rao", "Smith", "Singh", "Iyer", "Das", "Tan", "Shah", "Jones", "Patel")
PLANS = ("free", "pro", "enterprise")
PLAN_WEIGHTS = (0.6, 0.3, 0.1)
TAGS = ("vip", "newsletter", "churn-risk", "beta", "wholesale", "student")
EPOCH = datetime(2021, 1, 1, tzinfo=UTC)


def generate_users(n: int, seed: int = 0, now: datetime | None = None, prefix: str = "u") -> Iterator[dict[str, Any]]:
    """``n`` demo users ``u00000``..; about 5% never visited and 8% never ordered (fields missing)."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    width = max(5, len(str(max(n - 1, 0))))
    span = (now - EPOCH).total_seconds()
    for i in range(n):
        city, country = CITIES[rng.randrange(len(CITIES))]
        plan = rng.choices(PLANS, PLAN_WEIGHTS)[0]
        # Most people signed up long ago; a steady trickle recently.
        signup = EPOCH + timedelta(seconds=span * (1 - rng.random() ** 1.5))
        since_signup = (now - signup).total_seconds()
        visits = min(300, int(rng.lognormvariate(3.4, 1.3)))
        orders = 0 if rng.random() < 0.08 else min(60, 1 + int(rng.expovariate(1 / 4)))
        spend = 0.0 if orders == 0 else round(orders * rng.lognormvariate(7.6, 0.9), 2)
        if rng.random() < 0.0005:
            spend = round(spend * 500, 2)  # a few whales, as in real shops
        tags = rng.sample(TAGS, k=rng.choices((0, 1, 2, 3), (0.33, 0.33, 0.17, 0.17))[0])
        user: dict[str, Any] = {
            "user_id": f"{prefix}{i:0{width}d}",
            "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "email": f"user{i}@example.com",
            "city": city,
            "country": country,
            "plan": plan,
            "tags": tags,
            "age": rng.randint(18, 70),
            "email_opt_in": rng.random() < 0.7,
            "visits": visits,
            "orders": orders,
            "total_spend": spend,
            "signup_date": to_millisecond(signup),
        }
        if visits > 0 and rng.random() > 0.05:
            # Recency skews recent: half the visitors came in the last ~3 months.
            user["last_visit_at"] = to_millisecond(now - timedelta(seconds=since_signup * rng.random() ** 3))
        if orders > 0:
            user["last_order_at"] = to_millisecond(now - timedelta(seconds=since_signup * rng.random() ** 2))
        yield user
