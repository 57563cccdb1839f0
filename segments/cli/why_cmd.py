"""`segments why`: why a saved segment's size changed since a snapshot (docs/explain.md "Why it changed")."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from segcore.errors import SegmentError
from segcore.explain.why import Why, main_cause, parse_since, why_changed
from segcore.storage.segments import Segment
from segments.cli.common import add_team_option, open_store_from_settings, team_of, with_audience
from segments.cli.parse_cmd import parse_now
from segments.config import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("why", help="who entered and left a saved segment since a snapshot, and why")
    p.add_argument("name", help="the saved segment's name (or id)")
    p.add_argument("--since", metavar="ISO|24h",
                   help="compare with the snapshot at this moment: 24h, 7d, 90m or an ISO date (default 24h)")
    p.add_argument("--until", metavar="ISO|24h",
                   help="compare with the snapshot at this moment instead of now")
    p.add_argument("--json", action="store_true",
                   help='print {"before", "after", "entered", "left"} (see docs/explain.md)')
    p.add_argument("--wait", type=float, default=10.0, metavar="SECONDS",
                   help="how long to let the audience mirror catch up before reading MongoDB (default 10)")
    add_team_option(p)
    p.set_defaults(handler=run)


def find_segment(store: Any, team: str, name: str) -> Segment:
    segment: Segment | None = store.segments.get_by_name(team, name) or store.segments.get(team, name)
    if segment is None:
        names = ", ".join(s.name for s in store.segments.list(team)[:10]) or "none yet"
        raise SegmentError(f"No saved segment named {name!r} in workspace {team}. Saved segments: {names}.")
    return segment


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    team = team_of(args, settings)
    now = parse_now(None)
    since = parse_since(args.since, now)
    until = parse_since(args.until, now) if args.until else None
    with open_store_from_settings(settings) as store:
        segment = find_segment(store, team, args.name)
        why = with_audience(settings, store, team, max(0.0, args.wait) if until is None else 0.0,
                            lambda engine: why_changed(engine, segment, since, now, until=until))
    if args.json:
        print(json.dumps(why.to_json(), ensure_ascii=False))
        return 0
    print(report(segment.name, why))
    return 0


def report(name: str, why: Why) -> str:
    """The answer as lines a person reads in a terminal (examples masked)."""
    details = why.details_json()
    lines = [f"{name}: {why.before.size:,} at {_when(why.before.as_of)} -> {why.after.size:,} at "
             f"{_when(why.after.as_of)} ({main_cause(why)})"]
    if why.rule_edited:
        lines.append("The segment's rule was edited in between.")
    for side, label, extra in (("entered", "Entered", "new_people"), ("left", "Left", "removed_people")):
        part = details[side]
        lines.append(f"{label}: {part['total']:,}")
        if part[extra]:
            lines.append(f"  {part[extra]:,} {'new to the workspace' if side == 'entered' else 'removed from the workspace'}")
        for item in part["by_condition"]:
            people = ", ".join(_person(p) for p in item.get("examples", []))
            lines.append(f"  {item['count']:,} {item['text']}" + (f"  (e.g. {people})" if people else ""))
    return "\n".join(lines)


def _person(person: dict[str, Any]) -> str:
    return " ".join(str(person[k]) for k in ("user_id", "name", "email") if person.get(k))


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")
