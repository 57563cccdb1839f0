"""What data commands share: opening the configured store and the --team option (progress: segcore.progress)."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO, TypeVar

from segcore.audience import AudienceEngine
from segcore.catalog import FieldCatalog
from segcore.errors import SegmentError
from segcore.interpret import interpret
from segcore.progress import Progress
from segcore.reading import Reading
from segcore.storage.database import Store, open_store
from segcore.validation import validate_json
from segments.config import Settings

T = TypeVar("T")


def open_store_from_settings(settings: Settings) -> Store:
    """The store ``MONGODB_URI`` names, or the embedded server on ``SEGMENTS_DATA_DIR``."""
    store = open_store(settings.mongodb_uri, settings.data_dir, settings.database_name, settings.catalog(),
                       time_zone=settings.time_zone)
    store.snapshots.member_days = settings.snapshot_days
    return store


def add_team_option(parser: Any) -> None:
    parser.add_argument(
        "--team",
        metavar="TEAM_ID",
        help="the Slack workspace the data belongs to (default: SLACK_TEAM_ID, or 'local')",
    )


def team_of(args: argparse.Namespace, settings: Settings) -> str:
    return str(args.team or settings.team_id)


class ProgressBar:
    """A ``(done, total)`` progress callback over ``segcore.progress.Progress`` (for work that reports where it is,
    such as the events import, in bytes); shown on a terminal only. ``close()`` ends the line."""

    def __init__(self, label: str, stream: TextIO | None = None, unit: str = "bytes") -> None:
        self.progress = Progress(0, label, stream, unit=unit)

    def __call__(self, done: int, total: int) -> None:
        self.progress.set(done, total)

    def close(self) -> None:
        self.progress.done()


def open_secrets(kind: Any) -> tuple[Any, Store]:
    """A shown-once secret store (API tokens, write keys) on the configured database, with its indexes."""
    store = open_store_from_settings(Settings.from_env())
    secrets = kind(store.db)
    secrets.ensure_indexes()
    return secrets, store


def secret_row(record: Any) -> dict[str, Any]:
    """What a listing shows of a shown-once secret: never the secret, only its first characters."""
    return {
        "id": record.id, "team_id": record.team_id, "name": record.name, "hint": record.hint + "…",
        "created_at": record.created_at.isoformat(),
        "last_used_at": record.last_used_at.isoformat() if record.last_used_at else None,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
    }


def reading_of(text: str | None, rules: str | None, catalog: FieldCatalog, now: datetime, engine: str,
               command: str) -> Reading:
    """What ``--rules JSON`` (given by the user, source ``user``) or else the description say."""
    if rules:
        try:
            data = json.loads(rules)
        except ValueError as exc:
            raise SegmentError(f"--rules is not valid JSON ({exc}).") from None
        return Reading(validate_json(data, catalog), source="user")
    if text:
        return interpret(text, catalog, now, engine=engine)
    raise SegmentError(f"Give a description, e.g. segments {command} 'spent over 5k', or --rules JSON.")


def with_audience(settings: Settings, store: Store, team: str, wait: float, ask: Callable[[AudienceEngine], T]) -> T:
    """``ask(engine)`` with the mirror in front when it is (or within ``wait`` seconds becomes) fresh, else
    MongoDB alone; a mirror being built meanwhile shows its progress on a terminal."""
    from segcore.mirror.counter import MirrorCounter  # the mirror is optional; its module imports DuckDB
    from segments.services import start_mirror

    mirror = start_mirror(settings, store) if wait > 0 else None
    try:
        if mirror is not None:
            deadline = time.monotonic() + wait
            progress: Progress | None = None
            while not mirror.fresh_for(team) and time.monotonic() < deadline:
                if progress is None and mirror.status().get("state") == "building":
                    progress = Progress(store.db["users"].estimated_document_count(), "Building the audience mirror")
                if progress is not None:
                    progress.set(mirror.scanned)
                time.sleep(0.1)
            if progress is not None:
                progress.done()
        return ask(AudienceEngine(store, [MirrorCounter(mirror)] if mirror is not None else []))
    finally:
        if mirror is not None:
            mirror.stop()
