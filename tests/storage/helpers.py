"""Small builders shared by the storage tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from segcore.catalog import default_catalog
from segcore.rules import Rule
from segcore.validation import validate_json

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def rule(data: dict[str, Any]) -> Rule:
    return validate_json(data, default_catalog())


def users(n: int, **overrides: Any) -> list[dict[str, Any]]:
    """``n`` simple users u000..; user i has visits = i and spend = 1000 * i."""
    return [
        {
            "user_id": f"u{i:03d}",
            "name": f"Person {i}",
            "email": f"person{i}@example.com",
            "city": "Pune" if i % 2 else "Mumbai",
            "plan": "pro" if i % 3 == 0 else "free",
            "tags": ["vip"] if i % 5 == 0 else [],
            "visits": i,
            "total_spend": 1000.0 * i,
            **overrides,
        }
        for i in range(n)
    ]
