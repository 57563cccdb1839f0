"""`segments whatif`: the segment's size as each of its thresholds moves (docs/explain.md "What if")."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from segcore.audience import AudienceEngine
from segcore.errors import SegmentError
from segcore.explain.whatif import what_if
from segcore.explain.whatif_text import table
from segcore.interpret import ENGINES, interpret
from segcore.rendering import describe
from segcore.validation import validate_json
from segments.cli.common import add_team_option, open_store_from_settings, team_of
from segments.cli.parse_cmd import parse_now
from segments.config import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("whatif", help="the audience size as each threshold of a segment moves")
    p.add_argument("text", nargs="?", help="the description, e.g. 'spent over 5k and visited in the last 30 days'")
    p.add_argument("--rules", metavar="JSON", help="rules as JSON instead of text")
    p.add_argument("--now", help="ISO 8601 moment that relative dates count back from (default: now)")
    p.add_argument("--engine", choices=ENGINES, default="auto", help="who reads the text (default auto)")
    p.add_argument("--json", action="store_true",
                   help='print {"size", "conditions": [{"field" or "event", "op", "value", "text", "points"}]}')
    p.add_argument("--wait", type=float, default=10.0, metavar="SECONDS",
                   help="how long to let the audience mirror catch up before counting in MongoDB (default 10)")
    add_team_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    team = team_of(args, settings)
    with open_store_from_settings(settings) as store:
        # The workspace's clock: "today" starts at its midnight; an offset in --now only names the instant.
        now = store.workspaces.local_now(team, parse_now(args.now))
        catalog = store.catalog
        if args.rules:
            try:
                data = json.loads(args.rules)
            except ValueError as exc:
                raise SegmentError(f"--rules is not valid JSON ({exc}).") from None
            rule = validate_json(data, catalog)
        elif args.text:
            rule = interpret(args.text, catalog, now, engine=args.engine).rule
        else:
            raise SegmentError("Give a description, e.g. segments whatif 'spent over 5k', or --rules JSON.")
        answer = _with_mirror(settings, store, lambda engine: what_if(engine, team, rule, now), team,
                              max(0.0, args.wait))
    if args.json:
        print(json.dumps(answer.to_json(catalog), ensure_ascii=False))
        return 0
    print(f"Segment:  {describe(rule, catalog)}")
    print(f"Audience: {answer.size:,} users in workspace {team} ({answer.engine})")
    print()
    print(table(answer, catalog))
    return 0


def _with_mirror(settings: Settings, store: Any, ask: Any, team: str, wait: float) -> Any:
    """``ask(engine)`` with the mirror in front when it is (or within ``wait`` seconds becomes) fresh."""
    from segcore.mirror.counter import MirrorCounter
    from segments.services import start_mirror

    mirror = start_mirror(settings, store) if wait > 0 else None
    try:
        if mirror is not None:
            deadline = time.monotonic() + wait
            while not mirror.fresh_for(team) and time.monotonic() < deadline:
                time.sleep(0.1)
        return ask(AudienceEngine(store, [MirrorCounter(mirror)] if mirror is not None else []))
    finally:
        if mirror is not None:
            mirror.stop()
