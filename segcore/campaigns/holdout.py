"""Deterministic holdouts: the same user in the same campaign always lands on the same side.

The side comes from SHA-256 of ``campaign_id`` and ``user_id``, read as a number in [0, 1): no random
state to store or lose, and a relaunch after a crash puts everyone exactly where they were. Different
campaigns hold out different people, so nobody is held out of everything.
"""

from __future__ import annotations

import hashlib

from segcore.campaigns.errors import LaunchError

MAX_HOLDOUT_PERCENT = 50.0


def holdout_fraction(campaign_id: str, user_id: str) -> float:
    digest = hashlib.sha256(f"{campaign_id}\x1f{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def in_holdout(campaign_id: str, user_id: str, percent: float) -> bool:
    if percent <= 0:
        return False
    return holdout_fraction(campaign_id, user_id) < percent / 100.0


def check_holdout_percent(percent: float | None) -> float:
    """The percentage as a float, or a clear error; None means no holdout."""
    if percent is None:
        return 0.0
    try:
        value = float(percent)
    except (TypeError, ValueError):
        raise LaunchError(f"Holdout {percent!r} is not a number; give a percentage such as 10.") from None
    if not 0 <= value <= MAX_HOLDOUT_PERCENT:
        raise LaunchError(
            f"Holdout {value:g}% is out of range: choose between 0 and {MAX_HOLDOUT_PERCENT:g} percent."
        )
    return value
