"""`segments import FILE --events` (events from Segment-spec messages or CSV) and the demo events of `segments seed`."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from segcore.events.importing import import_events
from segcore.events.seed import seed_events
from segcore.events.store import EventStore
from segcore.seed import generate_users
from segcore.storage.database import Store
from segcore.storage.users import coerce_user
from segments.cli.common import ProgressBar, open_store_from_settings, team_of
from segments.config import Settings

SHOWN = 20


def run_import_events(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    team = team_of(args, settings)
    with open_store_from_settings(settings) as store:
        bar = ProgressBar(f"Importing events from {args.file}")
        try:
            # Default write concern: an import that stops half way is run again (message ids make it safe).
            events = EventStore(store.db, store.outage, durable=False)
            report = import_events(events, store.catalog, team, args.file, args.format, progress=bar)
        finally:
            bar.close()
    print(f"Imported into workspace {team}: {report.summary()}.")
    for line, message in report.rejected[:SHOWN]:
        print(f"  line {line}: {message}", file=sys.stderr)
    if report.rejected_count > SHOWN:
        print(f"  ... and {report.rejected_count - SHOWN:,} more rejected.", file=sys.stderr)
    for line, message in report.notes[:SHOWN]:
        print(f"  line {line} (kept): {message}", file=sys.stderr)
    return 1 if report.rejected_count else 0


def seed_demo_events(store: Store, team: str, users: int, seed: int, now: datetime) -> int:
    """The demo events of the demo users `seed` just wrote (the same users: same seed, same ``now``)."""
    people = (coerce_user(u, store.catalog) for u in generate_users(users, seed=seed, now=now))
    return seed_events(EventStore(store.db, store.outage, durable=False), team, people, now, seed)
