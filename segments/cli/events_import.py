"""`segments import FILE --events` (events from Segment-spec messages or CSV) and the demo events of `segments seed`."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from segcore.events.bulk_load import event_index_after_load
from segcore.events.importing import import_events
from segcore.events.seed import seed_events
from segcore.events.store import EventStore
from segcore.importing import records_in
from segcore.seed import generate_users
from segcore.storage.database import Store
from segments.cli.common import ProgressBar, open_store_from_settings, team_of
from segments.config import Settings

SHOWN = 20
# Above this many people `seed` writes no demo events unless asked (--events): at about 10 events a person
# the embedded database takes minutes per 100,000 people.
AUTO_EVENTS_UP_TO = 100_000
EVENTS_PER_PERSON = 10


def run_import_events(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    team = team_of(args, settings)
    with open_store_from_settings(settings) as store:
        bar = ProgressBar(f"Importing events from {args.file}")
        try:
            # Default write concern: an import that stops half way is run again (message ids make it safe).
            events = EventStore(store.db, store.outage, durable=False)
            expected = records_in(Path(args.file), "csv" if str(args.file).lower().endswith(".csv") else "jsonl")
            with event_index_after_load(store, expected):
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


def add_seed_events_option(parser: Any) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--events", dest="demo_events", action="store_true", default=None,
                       help=f"also write demo events (the default up to {AUTO_EVENTS_UP_TO:,} users)")
    group.add_argument("--no-events", dest="demo_events", action="store_false", help="write no demo events")


def seed_demo_events(store: Store, team: str, args: argparse.Namespace) -> str:
    """The demo events of the people `seed` just wrote, read back as stored (so they agree with their
    ``orders`` and ``last_order_at`` whatever wrote them); a phrase for the summary."""
    wanted = args.demo_events
    if wanted is None:
        wanted = args.users <= AUTO_EVENTS_UP_TO
        if not wanted:
            return (f"no demo events (about {EVENTS_PER_PERSON * args.users:,} for {args.users:,} people would take "
                    "long on the embedded database; add --events to write them)")
    if not wanted:
        return "no demo events (--no-events)"
    ids = [u["user_id"] for u in generate_users(args.users, seed=args.seed)]
    with event_index_after_load(store, EVENTS_PER_PERSON * len(ids)):
        written = write_demo_events(store, team, ids, args.seed)
    return f"{written:,} demo events"


def write_demo_events(store: Store, team: str, user_ids: list[str], seed: int, now: datetime | None = None) -> int:
    """The demo events of people already stored (the first run's demo workspace too); how many."""
    events = EventStore(store.db, store.outage, durable=False)
    return seed_events(events, team, user_ids, now or datetime.now(UTC), seed)
