"""Two workspaces of sample users in the real embedded server, and a mirror built from them.

T1 holds all 6,000 sample users. T2 holds the first 3,000 again with fields changed, removed, set to
null, and tags in odd shapes (empty, a lone string, holding null), plus 300 users of its own. A document
without a workspace sits beside them and must never be counted.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import ASCENDING, MongoClient
from pymongo.database import Database

from segcore import default_catalog
from segcore.mirror import UserMirror

_OPTIONAL = ("name", "email", "city", "country", "plan", "tags", "age", "email_opt_in", "visits", "orders",
             "total_spend", "signup_date", "last_visit_at", "last_order_at")


def second_workspace(sample_users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rng = random.Random(10)
    docs = []
    for i, user in enumerate(sample_users[:3000]):
        doc = {k: v for k, v in user.items() if k != "_id"}
        doc["team_id"] = "T2"
        if i % 5 == 0:
            doc["visits"] = doc["visits"] + 3
            doc["city"] = rng.choice(["Delhi", "Pune", "Chennai", "Kochi"])
        if i % 7 == 0:
            doc.pop(rng.choice(_OPTIONAL), None)
        if i % 11 == 0:
            doc[rng.choice(_OPTIONAL)] = None
        if i % 13 == 0:
            doc["tags"] = rng.choice([[], "vip", ["vip", None], [None], ["beta", "beta"]])
        docs.append(doc)
    for i in range(300):
        base = dict(sample_users[3000 + i])
        base.pop("_id", None)
        base.update(team_id="T2", user_id=f"x{i:04d}", plan="enterprise", orders=i % 4)
        docs.append(base)
    return docs


@pytest.fixture(scope="module")
def two_workspaces(mongo_client: MongoClient[dict[str, Any]],
                   sample_users: list[dict[str, Any]]) -> Iterator[Database[dict[str, Any]]]:
    name = f"mirror_{uuid.uuid4().hex[:10]}"
    db = mongo_client[name]
    db.users.create_index([("team_id", ASCENDING), ("user_id", ASCENDING)], unique=True)
    first = [{**{k: v for k, v in u.items() if k != "_id"}, "team_id": "T1"} for u in sample_users]
    db.users.insert_many(first + second_workspace(sample_users))
    db.users.insert_one({"user_id": "nobody", "visits": 1000, "plan": "enterprise"})
    try:
        yield db
    finally:
        mongo_client.drop_database(name)


@pytest.fixture(scope="module")
def built_mirror(two_workspaces: Database[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[UserMirror]:
    """Built once, not following: parity tests read a still database, so lag does not matter here."""
    path = Path(tmp_path_factory.mktemp("mirror")) / "mirror.duckdb"
    mirror = UserMirror(path, two_workspaces, default_catalog(), max_lag=1e9)
    mirror.build()
    try:
        yield mirror
    finally:
        mirror.stop()
