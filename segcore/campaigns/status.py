"""Campaign statuses and the moves allowed between them.

draft -> scheduled -> launching -> launched, with cancelled and failed on the side. ``launching`` may be
entered again (a launch resumed after a crash) and ``failed`` may be retried.
"""

from __future__ import annotations

from collections.abc import Mapping

from segcore.campaigns.errors import InvalidTransition

STATUSES = ("draft", "scheduled", "launching", "launched", "cancelled", "failed")

ALLOWED: Mapping[str, frozenset[str]] = {
    "draft": frozenset({"scheduled", "launching", "cancelled"}),
    "scheduled": frozenset({"draft", "launching", "cancelled", "failed"}),
    "launching": frozenset({"launching", "launched", "failed"}),
    "failed": frozenset({"launching", "cancelled", "draft"}),
    "launched": frozenset(),
    "cancelled": frozenset({"draft"}),
}

_WHY = {
    "launched": "it has already been launched; its audience is frozen. Create a new campaign to send again.",
    "cancelled": "it was cancelled. Move it back to draft first if you want to use it again.",
    "launching": "it is being launched right now; wait for the launch to finish (or fail) first.",
}


def sources_for(wanted: str) -> frozenset[str]:
    """Every status from which ``wanted`` may be reached."""
    return frozenset(s for s, targets in ALLOWED.items() if wanted in targets)


def check_transition(name: str, current: str, wanted: str) -> None:
    if wanted not in STATUSES:
        raise InvalidTransition(
            f"{wanted!r} is not a campaign status; statuses are {', '.join(STATUSES)}.", current, wanted
        )
    if wanted in ALLOWED.get(current, frozenset()):
        return
    reason = _WHY.get(current)
    allowed = sorted(ALLOWED.get(current, frozenset()) - {current})
    if reason is None:
        reason = f"from {current} it can only become {', '.join(allowed) or 'nothing else'}."
    raise InvalidTransition(f"Campaign {name!r} is {current} and cannot become {wanted}: {reason}", current, wanted)
