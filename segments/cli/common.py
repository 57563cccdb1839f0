"""What data commands share: opening the configured store, the --team option, a progress bar."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, TextIO

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
    """A one-line progress bar on stderr, shown only for work that takes a while and only on a terminal."""

    def __init__(self, label: str, stream: TextIO | None = None, min_seconds: float = 1.0) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.min_seconds = min_seconds
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if time.monotonic() - self.started < self.min_seconds or not self.stream.isatty():
            return
        self.shown = True
        if total:
            share = min(1.0, done / total)
            filled = int(share * 30)
            text = f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {share:4.0%}"
        else:
            text = f"\r{self.label} {done:,}"
        self.stream.write(text)
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
