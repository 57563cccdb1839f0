"""Threshold alerts: fire once each time a segment's size crosses the line its owner set.

A segment's ``alert`` is ``{"direction": "below" | "above", "threshold": N, "channel": "C123"}``. The
side of the line each segment was on at its last snapshot is kept in ``alert_states``; an alert fires
only when a snapshot finds it moved from the clear side to the alert side, and re-arms when it comes
back. When an alert is set (or changed), the first snapshot only records the side: "fire when it drops
below 1000" means a drop, not "it is below 1000 today". The state moves with compare-and-set, so an
alert cannot fire twice for one crossing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.database import Database

ALERT_STATES = "alert_states"
DIRECTIONS = ("below", "above")


@dataclass(frozen=True)
class AlertEvent:
    team_id: str
    segment_id: str
    segment_name: str
    direction: str
    threshold: int
    size: int
    previous_size: int | None
    channel: str | None
    at: datetime
    cause: str | None = None  # the main cause between the last two snapshots, when they kept members


def _side(alert: Mapping[str, Any], size: int) -> str:
    threshold = alert["threshold"]
    past = size < threshold if alert["direction"] == "below" else size > threshold
    return "alert" if past else "clear"


def valid_alert(alert: Any) -> bool:
    return (isinstance(alert, Mapping) and alert.get("direction") in DIRECTIONS
            and isinstance(alert.get("threshold"), int | float) and not isinstance(alert.get("threshold"), bool))


def evaluate(db: Database[dict[str, Any]], team_id: str,
             observed: Iterable[tuple[str, str, Mapping[str, Any] | None, int]], now: datetime) -> list[AlertEvent]:
    """``observed``: (segment_id, name, alert, size) from one snapshot; returns the alerts to post."""
    states = db[ALERT_STATES]
    events = []
    for segment_id, name, alert, size in observed:
        key = f"{team_id}:{segment_id}"
        if not valid_alert(alert):
            states.delete_one({"_id": key})
            continue
        assert alert is not None
        signature = f"{alert['direction']}:{alert['threshold']}"
        side = _side(alert, size)
        state = states.find_one({"_id": key})
        if state is None or state.get("signature") != signature:
            states.replace_one({"_id": key}, {"team_id": team_id, "segment_id": segment_id, "signature": signature,
                                              "side": side, "size": size, "at": now}, upsert=True)
            continue
        if state["side"] == side:
            states.update_one({"_id": key, "side": side}, {"$set": {"size": size, "at": now}})
            continue
        moved = states.update_one({"_id": key, "side": state["side"], "signature": signature},
                                  {"$set": {"side": side, "size": size, "at": now}})
        if moved.modified_count == 1 and side == "alert":
            events.append(AlertEvent(team_id, segment_id, name, alert["direction"], int(alert["threshold"]),
                                     size, state.get("size"), alert.get("channel"), now))
    return events
