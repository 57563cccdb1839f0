"""Data commands: `segments import`, `seed`, `ask` and `sizes`, against the configured database."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from segcore.audience import AudienceEngine
from segcore.errors import SegmentError
from segcore.importing import FORMATS, WRITE_BATCH, detect_format, import_users, records_in
from segcore.interpret import ENGINES
from segcore.progress import Progress
from segcore.rendering import describe
from segcore.rules import rule_to_json
from segcore.seed import generate_users
from segcore.storage.bulk_load import indexes_after_load, indexes_left_note
from segcore.storage.database import Store
from segcore.storage.users import UpsertReport, coerce_user
from segcore.timezones import calendar_note, zone_name
from segments.cli.common import add_team_option, open_store_from_settings, reading_of, team_of, with_audience
from segments.cli.events_import import (
    add_seed_events_option,
    run_import_events,
    seed_demo_events,
    write_demo_events,
)
from segments.cli.parse_cmd import parse_now
from segments.config import Settings

MAX_SEED = 5_000_000


def register(sub: Any) -> None:
    p = sub.add_parser("import", help="import users from a JSONL, JSON or CSV file (upsert by user_id)")
    p.add_argument("file", help="the file: .jsonl (MongoDB Extended JSON), .json (an array) or .csv")
    p.add_argument("--format", choices=FORMATS, help="the file's format (default: from its extension)")
    p.add_argument("--events", action="store_true",
                   help="the file holds events: Segment-spec messages one a line (.jsonl) or CSV (docs/events.md)")
    add_team_option(p)
    p.set_defaults(handler=run_import)

    p = sub.add_parser("seed", help="add realistic demo users")
    p.add_argument("--users", type=int, required=True, metavar="N", help="how many users to generate")
    p.add_argument("--seed", type=int, default=0, help="random seed (the same seed gives the same users)")
    add_seed_events_option(p)
    add_team_option(p)
    p.set_defaults(handler=run_seed)

    p = sub.add_parser("ask", help="read a segment description and print its rules and audience size")
    p.add_argument("text", nargs="?", help="the description, e.g. 'spent over 5k in Pune'")
    p.add_argument("--rules", metavar="JSON", help="rules as JSON instead of text")
    p.add_argument("--now", help="ISO 8601 moment that relative dates count back from (default: now)")
    p.add_argument("--engine", choices=ENGINES, default="auto", help="who reads the text (default auto)")
    p.add_argument("--json", action="store_true", help='print {"size", "engine", "as_of", "elapsed_ms"}')
    p.add_argument("--wait", type=float, default=10.0, metavar="SECONDS",
                   help="how long to let the audience mirror catch up before counting in MongoDB (default 10)")
    add_team_option(p)
    p.set_defaults(handler=run_ask)

    p = sub.add_parser("sizes", help="print every saved segment with its audience size")
    p.add_argument("--now", help="ISO 8601 moment that relative dates count back from (default: now)")
    p.add_argument("--record", action="store_true", help="also record the sizes in the segments' history")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_team_option(p)
    p.set_defaults(handler=run_sizes)


def run_import(args: argparse.Namespace) -> int:
    if args.events:
        return run_import_events(args)
    settings = Settings.from_env()
    team = team_of(args, settings)
    with open_store_from_settings(settings) as store:
        fmt = args.format or detect_format(str(args.file))
        progress = Progress(0, f"Importing {args.file}")
        with indexes_after_load(store, records_in(Path(args.file), fmt)):
            try:
                report = import_users(store.users, team, args.file, fmt, progress=progress.set)
            finally:
                progress.done()
        # Journaled (the audit log's write concern): it also makes every user write before it durable.
        store.audit.record(team, "cli", "users.imported", str(args.file), {
            "new": report.imported, "updated": report.updated, "unchanged": report.unchanged,
            "rejected": report.rejected_count})
        note = indexes_left_note(store)
    print(f"Imported into workspace {team}: {report.summary()}.")
    if note:
        print(note)
    for where, message in report.rejected[:20]:
        print(f"  {report.unit} {where}: {message}", file=sys.stderr)
    if report.rejected_count > 20:
        print(f"  ... and {report.rejected_count - 20:,} more rejected.", file=sys.stderr)
    return 1 if report.rejected_count else 0


@dataclass(frozen=True)
class Seeded:
    """What one seeding wrote: the people (by id, so the demo can take exactly them away) and events."""

    report: UpsertReport
    user_ids: tuple[str, ...]
    events: int = 0


def seed_workspace(store: Store, team: str, people: int, seed: int = 0, now: datetime | None = None,
                   progress: Callable[[int, int], None] | None = None, events: bool = False) -> Seeded:
    """`segments seed` itself: demo people into one workspace, and their demo events when ``events``."""
    now = now or datetime.now(UTC)
    ids: list[str] = []

    def users() -> Any:
        for user in generate_users(people, seed=seed, now=now):
            ids.append(user["user_id"])
            if progress is not None and len(ids) % 1000 == 0:
                progress(len(ids), people)
            yield coerce_user(user, store.catalog)

    report = store.users.upsert_coerced(team, users())
    written = write_demo_events(store, team, ids, seed, now) if events else 0
    return Seeded(report, tuple(ids), written)


def run_seed(args: argparse.Namespace) -> int:
    if not 1 <= args.users <= MAX_SEED:
        raise SegmentError(f"--users must be between 1 and {MAX_SEED:,}.")
    settings = Settings.from_env()
    team = team_of(args, settings)
    with open_store_from_settings(settings) as store:
        progress = Progress(args.users, "Seeding")
        with indexes_after_load(store, args.users):
            writer = store.users.writer(team, batch=WRITE_BATCH)
            try:
                for done, user in enumerate(generate_users(args.users, seed=args.seed), start=1):
                    writer.add(coerce_user(user, store.catalog))
                    if done % 1000 == 0:
                        progress.set(done)
                report = writer.close()
                progress.set(args.users)
            finally:
                progress.done()
        store.audit.record(team, "cli", "users.seeded", "demo users", {
            "new": report.inserted, "updated": report.updated, "unchanged": report.unchanged})
        events = seed_demo_events(store, team, args)
        note = indexes_left_note(store)
    print(f"Seeded workspace {team}: {report.inserted:,} new, {report.updated:,} updated, "
          f"{report.unchanged:,} unchanged demo users; {events}.")
    if note:
        print(note)
    return 0


def run_ask(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    team = team_of(args, settings)
    with open_store_from_settings(settings) as store:
        # The workspace's clock: "today" starts at its midnight; an offset in --now only names the instant.
        now = store.workspaces.local_now(team, parse_now(args.now))
        catalog = store.catalog
        reading = reading_of(args.text, args.rules, catalog, now, args.engine, "ask")
        rule, source, assumptions = reading.rule, reading.source, reading.assumptions
        size = with_audience(settings, store, team, max(0.0, args.wait),
                             lambda engine: engine.count(team, rule, now))
    if args.json:
        print(json.dumps({"size": size.size, "engine": size.engine, "as_of": _iso(size.as_of),
                          "elapsed_ms": size.elapsed_ms, "time_zone": zone_name(now.tzinfo)}))
        return 0
    print(f"Segment:  {describe(rule, catalog)}")
    zone = calendar_note(rule, now)
    if zone:
        print(f"Zone:     {zone}")
    for note in assumptions:
        print(f"Assumed:  {note}")
    print(f"Read by:  {source}")
    print(f"Rules:    {json.dumps(rule_to_json(rule), ensure_ascii=False)}")
    print(f"Audience: {size.size:,} users in workspace {team} ({size.engine}, {size.elapsed_ms:,.0f} ms)")
    return 0


def run_sizes(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    team = team_of(args, settings)
    now = parse_now(args.now)
    with open_store_from_settings(settings) as store:
        engine = AudienceEngine(store)
        segments = store.segments.list(team)
        sizes = engine.snapshot_all(team, now) if args.record else engine.segment_sizes(team, now)
    if args.json:
        print(json.dumps({"team": team, "segments": [
            {"id": s.id, "name": s.name, "size": sizes.get(s.id)} for s in segments]}, ensure_ascii=False))
        return 0
    if not segments:
        print(f"No saved segments in workspace {team}.")
        return 0
    width = max(len(s.name) for s in segments)
    for segment in segments:
        size = sizes.get(segment.id)
        shown = f"{size:>12,}" if size is not None else "  (rule no longer fits the catalog)"
        print(f"{segment.name:<{width}}  {shown}")
    return 0


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
