"""What data commands share: opening the configured store and the --team option (progress: segcore.progress)."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from segcore.progress import Progress
from segcore.storage.database import Store, open_store
from segments.config import Settings


def open_store_from_settings(settings: Settings) -> Store:
    """The store ``MONGODB_URI`` names, or the embedded server on ``SEGMENTS_DATA_DIR``."""
    return open_store(settings.mongodb_uri, settings.data_dir, settings.database_name, settings.catalog(),
                      time_zone=settings.time_zone)


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
