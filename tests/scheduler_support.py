"""Helpers for the scheduler tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scheduler import SegmentsScheduler

SchedulerFactory = Callable[..., SegmentsScheduler]


def small_users(n: int) -> list[dict[str, Any]]:
    """u000..: odd users live in Pune, every third is opted in to email."""
    return [{"user_id": f"u{i:03d}", "city": "Pune" if i % 2 else "Mumbai", "email_opt_in": i % 3 == 0,
             "visits": i, "total_spend": 100.0 * i} for i in range(n)]


class RecordingNotifier:
    """Keeps what would be posted (for tests that are not about Slack itself)."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str, str, list[dict[str, Any]]]] = []

    def post(self, team_id: str, channel: str, text: str, blocks: list[dict[str, Any]]) -> None:
        self.posts.append((team_id, channel, text, blocks))
