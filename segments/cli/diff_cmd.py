"""`segments diff "TEXT A" "TEXT B"`: what changes from one segment to the other, in words and in people."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from segcore.audience import AudienceEngine
from segcore.catalog import FieldCatalog
from segcore.errors import SegmentError
from segcore.explain.difference import diff
from segcore.interpret import ENGINES, interpret
from segcore.rendering import describe
from segcore.rules import Rule
from segcore.validation import validate_json
from segments.cli.common import add_team_option, open_store_from_settings, team_of
from segments.cli.parse_cmd import parse_now
from segments.config import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("diff", help="what changes from one segment to another: the edit in words, who enters and leaves")
    p.add_argument("before", help="the segment before, in words (or rules as JSON), e.g. 'spent over 5k in Pune'")
    p.add_argument("after", help="the segment after, in words (or rules as JSON)")
    p.add_argument("--now", help="ISO 8601 moment that relative dates count back from (default: now)")
    p.add_argument("--engine", choices=ENGINES, default="auto", help="who reads the text (default auto)")
    p.add_argument("--json", action="store_true", help='print {"before", "after", "entered", "left", "changes"}')
    add_team_option(p)
    p.set_defaults(handler=run)


def read_rule(text: str, which: str, catalog: FieldCatalog, now: datetime, engine: str) -> Rule:
    """A description, or rules as JSON when it starts with ``{``."""
    if not text.strip():
        raise SegmentError(f"The {which} segment is empty: describe it, e.g. 'spent over 5k in Pune'.")
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SegmentError(f"The {which} segment looks like rules as JSON but is not valid JSON ({exc}).") from None
        return validate_json(data, catalog)
    try:
        return interpret(text, catalog, now, engine=engine).rule
    except SegmentError as exc:
        raise SegmentError(f"The {which} segment: {exc}") from None


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    team = team_of(args, settings)
    with open_store_from_settings(settings) as store:
        # The workspace's clock: "last month" starts at its midnight; an offset in --now only names the instant.
        now = store.workspaces.local_now(team, parse_now(args.now))
        before = read_rule(args.before, "before", store.catalog, now, args.engine)
        after = read_rule(args.after, "after", store.catalog, now, args.engine)
        found = diff(AudienceEngine(store), team, before, after, now)
    if args.json:
        print(json.dumps(found.to_json(), ensure_ascii=False))
        return 0
    print(f"Before:   {describe(before, store.catalog)}")
    print(f"After:    {describe(after, store.catalog)}")
    if found.unchanged:
        print(f"Nothing changed: both select the same people ({found.before:,}) in workspace {team}.")
        return 0
    for line in found.changes:
        print(f"Changed:  {line}")
    print(f"Audience: {found.before:,} → {found.after:,} in workspace {team} "
          f"({found.entered:,} enter, {found.left:,} leave)")
    return 0
