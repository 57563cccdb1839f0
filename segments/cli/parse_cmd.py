"""`segments parse`: text in, rules, their rendering and the MongoDB filter out."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from bson import json_util

from segcore import default_catalog, describe, rule_to_json, to_mongo_filter
from segcore.catalog import FieldCatalog
from segcore.cohere_reader import CohereReader
from segcore.compile_mongo import events_as_written
from segcore.errors import SegmentError
from segcore.interpret import ENGINES, interpret
from segcore.timezones import in_zone, time_zone, zone_name
from segments.cohere_factory import cohere_reader_from_settings
from segments.config import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("parse", help="read a segment description and print its rules and MongoDB filter")
    p.add_argument("text", nargs="?", help="the description, e.g. 'spent over 5k in Pune'")
    p.add_argument("--now", help="ISO 8601 moment that relative dates count back from (default: now)")
    p.add_argument(
        "--team", metavar="TEAM_ID",
        help="read calendar words in this workspace's time zone (default: SEGMENTS_TIMEZONE, UTC unless set)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--jsonl", action="store_true", help="read one description a line on stdin")
    p.add_argument(
        "--engine", choices=ENGINES, default="auto",
        help="who reads the text: grammar, cohere (needs COHERE_API_KEY) or auto, both cross-checked (default)",
    )
    p.set_defaults(handler=run)


def parse_now(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SegmentError(f"--now {value!r} is not an ISO 8601 moment, e.g. 2026-11-24T12:00:00Z.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_one(
    text: str,
    now: datetime,
    engine: str,
    cohere: CohereReader | None = None,
    team_id: str = "local",
    catalog: FieldCatalog | None = None,
) -> dict[str, Any]:
    catalog = catalog or default_catalog()
    try:
        reading = interpret(text, catalog, now, engine=engine, cohere=cohere, team_id=team_id)
    except SegmentError as exc:
        return {"ok": False, "error": str(exc)}
    result = _reading_json(reading, catalog, now)
    result["notice"] = reading.notice
    result["time_zone"] = zone_name(now.tzinfo)
    if reading.alternatives:
        # The readers disagree: the top level is the grammar's reading (source "grammar") as in every
        # other case, and both readings are listed so a person can pick.
        result["alternatives"] = [_reading_json(r, catalog, now) for r in reading.alternatives]
    return result


def _reading_json(reading: Any, catalog: Any, now: datetime) -> dict[str, Any]:
    # Event conditions are counts over events, shown as written (``$event``): the filter is for reading.
    mongo_filter = to_mongo_filter(reading.rule, catalog, now, events_as_written(reading.rule))
    return {
        "ok": True,
        "rules": rule_to_json(reading.rule),
        "text": describe(reading.rule, catalog),
        "filter": json.loads(json_util.dumps(mongo_filter, json_options=json_util.RELAXED_JSON_OPTIONS)),
        "source": reading.source,
        "assumptions": list(reading.assumptions),
    }


def workspace_now(now: datetime, settings: Settings, team: str | None) -> datetime:
    """``now`` on the clock calendar words are read by: ``team``'s zone when given (read from the store),
    else SEGMENTS_TIMEZONE. An offset in ``--now`` only names the instant."""
    if team:
        from segments.cli.common import open_store_from_settings

        with open_store_from_settings(settings) as store:
            return store.workspaces.local_now(team, now)
    return in_zone(now, time_zone(settings.time_zone))


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    now = workspace_now(parse_now(args.now), settings, args.team)
    cohere = None if args.engine == "grammar" else cohere_reader_from_settings(settings)
    try:
        return _run(args, now, cohere, args.team or settings.team_id, settings.catalog())
    finally:
        if cohere is not None:
            cohere.close()


def _run(
    args: argparse.Namespace, now: datetime, cohere: CohereReader | None, team_id: str, catalog: FieldCatalog
) -> int:
    if args.jsonl:
        for line in sys.stdin:
            text = line.rstrip("\n")
            result = parse_one(text, now, args.engine, cohere, team_id, catalog)
            result.pop("assumptions", None)
            for alternative in result.get("alternatives", ()):
                alternative.pop("assumptions", None)
            print(json.dumps(result, ensure_ascii=False), flush=True)
        return 0
    if not args.text:
        raise SegmentError("Give the text to parse, e.g. segments parse 'spent over 5k', or use --jsonl.")
    result = parse_one(args.text, now, args.engine, cohere, team_id, catalog)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0 if result["ok"] else 1
    if result.get("alternatives"):
        print(result["notice"])
        for number, alternative in enumerate(result["alternatives"], 1):
            print(f"{number}. ({alternative['source']}) {alternative['text']}")
            print(f"   Rules:  {json.dumps(alternative['rules'], ensure_ascii=False)}")
        return 0
    if not result["ok"]:
        print(f"Not understood: {result['error']}", file=sys.stderr)
        return 1
    if result.get("notice"):
        print(f"Note:     {result['notice']}")
    print(f"Segment:  {result['text']}")
    if result["time_zone"] != "UTC":
        print(f"Zone:     calendar words in {result['time_zone']}")
    for note in result["assumptions"]:
        print(f"Assumed:  {note}")
    print(f"Read by:  {result['source']}")
    print(f"Rules:    {json.dumps(result['rules'], ensure_ascii=False)}")
    print(f"Filter:   {json.dumps(result['filter'], ensure_ascii=False)}")
    return 0
