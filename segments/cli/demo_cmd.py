"""`segments demo remove`: take the demo workspace a first run loaded away again."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from segcore import demo
from segments.cli.common import add_team_option, open_store_from_settings, team_of
from segments.config import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="the demo people a first run loads into an empty embedded database")
    actions = p.add_subparsers(dest="demo_action", required=True, metavar="ACTION")
    remove = actions.add_parser("remove", help="delete the demo's people and events (it is never loaded again)")
    add_team_option(remove)
    remove.set_defaults(handler=run_remove)


def run_remove(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    team = team_of(args, settings)
    with open_store_from_settings(settings) as store:
        removed = demo.remove(store.db, team, datetime.now(UTC))
    if removed is None:
        print(f"Workspace {team} holds no demo data; nothing removed.")
        return 0
    print(f"Removed the demo from workspace {team}: {removed.people:,} people"
          + (" and their events" if removed.events else "") + ". It will not be loaded again.")
    return 0
