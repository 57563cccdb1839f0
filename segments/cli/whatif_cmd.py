"""`segments whatif`: the segment's size as each of its thresholds moves (docs/explain.md "What if")."""

from __future__ import annotations

import argparse
import json
from typing import Any

from segcore.explain.whatif import what_if
from segcore.explain.whatif_text import table
from segcore.interpret import ENGINES
from segcore.rendering import describe
from segments.cli.common import add_team_option, open_store_from_settings, reading_of, team_of, with_audience
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
        rule = reading_of(args.text, args.rules, catalog, now, args.engine, "whatif").rule
        answer = with_audience(settings, store, team, max(0.0, args.wait),
                               lambda engine: what_if(engine, team, rule, now))
    if args.json:
        print(json.dumps(answer.to_json(catalog), ensure_ascii=False))
        return 0
    print(f"Segment:  {describe(rule, catalog)}")
    print(f"Audience: {answer.size:,} users in workspace {team} ({answer.engine})")
    print()
    print(table(answer, catalog))
    return 0
