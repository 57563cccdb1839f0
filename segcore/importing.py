"""Importing users from files: JSONL (MongoDB Extended JSON), JSON arrays and CSV.

Every record is typed by the catalog (``coerce_user``). A record that does not fit is reported with its
line (or item) number and what was wrong; the others are written. Each record is one atomic write by
(team_id, user_id), so nothing is half written and importing the same file twice changes nothing. The writes
go in large unordered batches (``BulkUserWriter``): a first import is not read back, a re-import reads the
batch's people in bulk and writes only what changed.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bson import json_util

from segcore.errors import SegmentError
from segcore.storage.users import UpsertReport, UserRepository, coerce_user, unknown_fields

FORMATS = ("jsonl", "json", "csv")
MAX_REPORTED = 1000  # rejected rows kept with their message; the count is always exact
Progress = Callable[[int, int], None]  # (records read, records in the file or 0 when unknown)
PROGRESS_EVERY = 1000  # records between two progress calls
WRITE_BATCH = 5000  # users in one bulk write: fewer round trips; the server commits them in chunks anyway


class ImportFailed(SegmentError):
    """The file as a whole cannot be imported (unknown format, unreadable, not a JSON array...)."""


@dataclass
class ImportReport:
    imported: int = 0  # new users
    updated: int = 0  # users that already existed (matched by user_id) and changed
    unchanged: int = 0  # users that already existed with exactly these values (nothing written)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line or item number, message)
    rejected_count: int = 0
    skipped_fields: list[str] = field(default_factory=list)  # columns that are not catalog fields
    unit: str = "line"  # what the numbers in ``rejected`` count: "line" or "item"
    journaled: bool = True  # False: the last writes may still be only in memory until a journaled write follows

    def reject(self, where: int, message: str) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_REPORTED:
            self.rejected.append((where, message))

    def add(self, result: UpsertReport) -> None:
        self.imported += result.inserted
        self.updated += result.updated
        self.unchanged += result.unchanged

    def summary(self) -> str:
        text = (
            f"{self.imported:,} new, {self.updated:,} updated, {self.unchanged:,} unchanged, "
            f"{self.rejected_count:,} rejected"
        )
        if self.skipped_fields:
            text += f"; columns not in the catalog were skipped: {', '.join(self.skipped_fields)}"
        return text


def detect_format(name: str) -> str:
    lower = name.lower()
    for ext, fmt in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "json"), (".csv", "csv")):
        if lower.endswith(ext):
            return fmt
    raise ImportFailed(
        f"Cannot tell the format of {name!r} from its extension; use .jsonl, .json or .csv, or say --format."
    )


def import_users(
    repo: UserRepository,
    team_id: str,
    source: Path | str | TextIO,
    fmt: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import users from a file path or an open text stream into one workspace."""
    if fmt is not None and fmt not in FORMATS:
        raise ImportFailed(f"Unknown format {fmt!r}; allowed: {', '.join(FORMATS)}.")
    if isinstance(source, str | Path):
        path = Path(source)
        fmt = fmt or detect_format(path.name)
        try:
            total = records_in(path, fmt) if progress else 0
            with open(path, encoding="utf-8-sig", newline="") as stream:
                return _import(repo, team_id, stream, fmt, progress, total)
        except FileNotFoundError:
            raise ImportFailed(f"There is no file {str(path)!r}.") from None
        except UnicodeDecodeError:
            raise ImportFailed(f"{str(path)!r} is not UTF-8 text.") from None
        except IsADirectoryError:
            raise ImportFailed(f"{str(path)!r} is a folder, not a file.") from None
    if fmt is None:
        fmt = detect_format(getattr(source, "name", "") or "")
    return _import(repo, team_id, source, fmt, progress, 0)


def records_in(path: Path, fmt: str) -> int:
    """About how many records the file holds (its lines), 0 when that cannot be told; never raises."""
    if fmt == "json":
        return 0
    lines = 0
    with contextlib.suppress(OSError), open(path, "rb") as raw:
        while block := raw.read(1 << 20):
            lines += block.count(b"\n")
    return max(0, lines - 1) if fmt == "csv" else lines


def _import(
    repo: UserRepository, team_id: str, stream: TextIO, fmt: str, progress: Progress | None, total: int
) -> ImportReport:
    report = ImportReport(unit="item" if fmt == "json" else "line")
    records = {"jsonl": _jsonl, "json": _json_array, "csv": _csv}[fmt](stream, report)
    skipped: set[str] = set()
    catalog = repo.catalog
    known_keys: set[str] = set()  # keys already checked against the catalog (the same few in every row)
    # The writer keeps file order where it matters: a user listed twice ends with the later row.
    writer = repo.writer(team_id, batch=WRITE_BATCH)
    read = 0
    for where, raw in records:
        read += 1
        try:
            if not known_keys.issuperset(raw):
                skipped.update(unknown_fields(raw, catalog))
                known_keys.update(k for k in raw if isinstance(k, str))
            writer.add(coerce_user(raw, catalog))
        except SegmentError as exc:
            report.reject(where, str(exc))
        if progress and read % PROGRESS_EVERY == 0:
            progress(read, max(total, read))
    report.add(writer.close())
    report.journaled = writer.journaled
    if progress:
        progress(read, max(total, read) if total else read)
    report.skipped_fields = sorted(skipped)
    return report


def _jsonl(stream: TextIO, report: ImportReport) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            # A line without "$" has no Extended JSON in it: plain json gives the same objects.
            record = json.loads(line, object_hook=_extended) if '"$' in line else json.loads(line)
        except (ValueError, TypeError) as exc:
            report.reject(number, f"not valid JSON ({_first_line(exc)}).")
            continue
        if not isinstance(record, dict):
            report.reject(number, "each line must be one JSON object describing a user.")
            continue
        yield number, record


def _extended(obj: dict[str, Any]) -> Any:
    """Extended JSON objects as json_util reads them, with the common ``{"$date": "ISO text"}`` read by
    ``datetime.fromisoformat`` (json_util's own parsing was about 40 µs a date, most of a line's reading)."""
    date = obj.get("$date") if len(obj) == 1 else None
    # Only the form json_util writes (and reads) itself: anything else keeps json_util's answer, errors too.
    if isinstance(date, str) and len(date) >= 20 and date[10] == "T" and date[-1] == "Z":
        try:
            return datetime.fromisoformat(date).astimezone(UTC)
        except ValueError:
            return json_util.object_hook(obj)
    for key in obj:
        if key.startswith("$"):
            return json_util.object_hook(obj)
    return obj


def _json_array(stream: TextIO, report: ImportReport) -> Iterator[tuple[int, Any]]:
    text = stream.read()
    try:
        data = json_util.loads(text)
    except (ValueError, TypeError) as exc:
        raise ImportFailed(f"The file is not valid JSON ({_first_line(exc)}).") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ImportFailed("A .json file must hold an array of user objects.")
    for number, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            report.reject(number, "each item must be a JSON object describing a user.")
            continue
        yield number, record


def _csv(stream: TextIO, report: ImportReport) -> Iterator[tuple[int, Any]]:
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise ImportFailed(f"The CSV header cannot be read ({exc}).") from None
    columns = [c.strip() for c in header]
    if "user_id" not in columns:
        raise ImportFailed(f"The CSV file needs a user_id column; its columns are: {', '.join(columns)}.")
    for line, row in csv_rows(reader, len(columns), report.reject):
        yield line, dict(zip(columns, row, strict=True))


def csv_rows(reader: Any, width: int, reject: Callable[[int, str], Any]) -> Iterator[tuple[int, list[str]]]:
    """The rows after the header with their line numbers; a row that cannot be read or has the wrong number
    of values is rejected by line (and the rest kept), blank rows are skipped."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reject(reader.line_num, f"this row cannot be read as CSV ({exc}).")
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            reject(line, f"has {len(row)} values but the header has {width} columns.")
            continue
        yield line, row


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def import_text(repo: UserRepository, team_id: str, text: str, fmt: str) -> ImportReport:
    """Import from text in memory (the JSON API uses this)."""
    return import_users(repo, team_id, io.StringIO(text), fmt)


__all__ = ["FORMATS", "ImportFailed", "ImportReport", "detect_format", "import_text", "import_users", "records_in"]
