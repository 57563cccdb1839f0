"""What data commands share: opening the configured store and the --team option (progress: segcore.progress)."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from segcore.progress import Progress
from segcore.storage.database import Store, open_store
from segments.config import Settings


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
