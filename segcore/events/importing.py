"""Importing events from files: Segment-spec messages one per line, or CSV.

JSONL is how Segment and RudderStack archive what they received: one message a line (track, page,
identify, alias). CSV has the columns ``user_id`` (or ``anonymous_id``), ``event``, ``timestamp``,
``message_id`` and ``properties.NAME`` for each property. A line that cannot be stored is reported with
its number and why; the others are kept. Each line needs a time (a file says when things happened, and a
line without a time or a message id would count again on every import); with a ``message_id`` (or one
derived from the line's content) importing the same file twice changes nothing.

Writes are bulk, unordered, in batches of ``BATCH`` with the default write concern: an import that stops
half way is simply run again. The next batch is parsed while one is written.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from segcore.catalog import FieldCatalog
from segcore.errors import SegmentError
from segcore.events.messages import InvalidMessage, Message, parse_message
from segcore.events.store import EventStore, IngestReport
from segcore.importing import csv_rows

FORMATS = ("jsonl", "csv")
BATCH = 1000
MAX_REPORTED = 1000
Progress = Callable[[int, int], None]  # (bytes read, total bytes or 0 when unknown)
PROPERTY_PREFIX = "properties."


class EventImportFailed(SegmentError):
    """The file as a whole cannot be imported (unknown format, unreadable, no usable columns)."""


@dataclass
class EventImportReport:
    stored: int = 0  # new events
    duplicates: int = 0  # messages already stored (same message id): nothing written
    identified: int = 0  # identify lines (people upserted)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, why)
    rejected_count: int = 0
    notes: list[tuple[int, str]] = field(default_factory=list)  # (line, what was left out of a kept line)

    def reject(self, line: int, message: str) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_REPORTED:
            self.rejected.append((line, message))

    def add(self, result: IngestReport) -> None:
        self.stored += result.stored
        self.duplicates += result.duplicates
        self.identified += result.identified
        self.notes.extend(result.notes[: MAX_REPORTED - len(self.notes)])

    def summary(self) -> str:
        return (f"{self.stored:,} new events, {self.duplicates:,} already there, {self.identified:,} people "
                f"identified, {self.rejected_count:,} lines rejected")


def detect_format(name: str) -> str:
    lower = name.lower()
    for ext, fmt in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "jsonl"), (".csv", "csv")):
        if lower.endswith(ext):
            return fmt
    raise EventImportFailed(
        f"Cannot tell the format of {name!r} from its extension; use .jsonl (one message a line) or .csv, "
        "or say --format."
    )


def import_events(events: EventStore, catalog: FieldCatalog, team_id: str, source: Path | str | TextIO,
                  fmt: str | None = None, progress: Progress | None = None) -> EventImportReport:
    """Import the events (and identify/alias lines) of a file into one workspace."""
    if fmt is not None and fmt not in FORMATS:
        raise EventImportFailed(f"Unknown format {fmt!r} for events; allowed: {', '.join(FORMATS)}.")
    if not isinstance(source, str | Path):
        return _import(events, catalog, team_id, source, fmt or detect_format(getattr(source, "name", "")),
                       progress, 0)
    path = Path(source)
    fmt = fmt or detect_format(path.name)
    try:
        total = path.stat().st_size
        with open(path, encoding="utf-8-sig", newline="") as stream:
            return _import(events, catalog, team_id, stream, fmt, progress, total)
    except FileNotFoundError:
        raise EventImportFailed(f"There is no file {str(path)!r}.") from None
    except UnicodeDecodeError:
        raise EventImportFailed(f"{str(path)!r} is not UTF-8 text.") from None
    except IsADirectoryError:
        raise EventImportFailed(f"{str(path)!r} is a folder, not a file.") from None


def _import(events: EventStore, catalog: FieldCatalog, team_id: str, stream: TextIO, fmt: str,
            progress: Progress | None, total: int) -> EventImportReport:
    report = EventImportReport()
    received_at = datetime.now(UTC)
    lines = _jsonl(stream, report) if fmt == "jsonl" else _csv(stream, report)
    batch: list[tuple[int, Message]] = []
    read = 0
    # One batch is written while the next is read: the database and our parsing each use a core. Only one
    # batch is ever in flight, so batches are stored in file order (links before the events after them).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="events-import") as writer:
        pending: Future[IngestReport] | None = None
        for line, raw, size in lines:
            read += size
            try:
                if not isinstance(raw.get("timestamp") or raw.get("originalTimestamp"), str):
                    raise InvalidMessage("a timestamp is needed in a file (when did it happen?).")
                batch.append((line, parse_message(raw, catalog, received_at)))
            except InvalidMessage as exc:
                report.reject(line, str(exc))
            if len(batch) >= BATCH:
                if pending is not None:
                    report.add(pending.result())
                pending = writer.submit(events.ingest, team_id, batch, received_at)
                batch = []
                if progress:
                    progress(read, total)
        if pending is not None:
            report.add(pending.result())
    if batch:
        report.add(events.ingest(team_id, batch, received_at))
    if progress:
        progress(total or read, total)
    return report


def _jsonl(stream: TextIO, report: EventImportReport) -> Iterator[tuple[int, dict[str, Any], int]]:
    for number, text in enumerate(stream, start=1):
        size = len(text)
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except ValueError as exc:
            report.reject(number, f"not valid JSON ({str(exc).splitlines()[0][:120]}).")
            continue
        if not isinstance(record, dict):
            report.reject(number, "each line must be one JSON object: a Segment-spec message.")
            continue
        yield number, record, size


def _csv(stream: TextIO, report: EventImportReport) -> Iterator[tuple[int, dict[str, Any], int]]:
    reader = csv.reader(stream)
    try:
        header = [c.strip() for c in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        raise EventImportFailed(f"The CSV header cannot be read ({exc}).") from None
    known = {"user_id", "anonymous_id", "event", "timestamp", "message_id"}
    odd = [c for c in header if c not in known and not (c.startswith(PROPERTY_PREFIX) and len(c) > 11)]
    if odd or "event" not in header or not ({"user_id", "anonymous_id"} & set(header)):
        raise EventImportFailed(
            "An events CSV has the columns user_id (or anonymous_id), event, timestamp, message_id and "
            f"properties.NAME; this one has: {', '.join(header)}."
        )
    for line, row in csv_rows(reader, len(header), report.reject):
        cells = dict(zip(header, row, strict=True))
        message: dict[str, Any] = {
            "type": "track",
            "userId": cells.get("user_id"),
            "anonymousId": cells.get("anonymous_id"),
            "event": cells.get("event"),
            "timestamp": cells.get("timestamp") or None,
            "messageId": cells.get("message_id"),
            "properties": {k[len(PROPERTY_PREFIX):]: v for k, v in cells.items()
                           if k.startswith(PROPERTY_PREFIX) and v.strip()},
        }
        yield line, message, sum(len(c) + 1 for c in row)


__all__ = ["FORMATS", "EventImportFailed", "EventImportReport", "detect_format", "import_events"]
