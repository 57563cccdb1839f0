"""`segments indexes build`: build the per-field user indexes the embedded database leaves for later."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from segcore.storage.bulk_load import build_user_indexes
from segments.cli.common import open_store_from_settings
from segments.config import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("indexes", help="the users' indexes in MongoDB")
    actions = p.add_subparsers(dest="indexes_action", required=True, metavar="ACTION")
    build = actions.add_parser(
        "build", help="build every missing user index now (on the embedded database it pauses every request)")
    build.set_defaults(handler=run_build)
    status = actions.add_parser("status", help="list the user indexes that are missing")
    status.set_defaults(handler=run_status)


def run_build(args: argparse.Namespace) -> int:
    with open_store_from_settings(Settings.from_env()) as store:
        missing = store.missing_user_indexes()
        if not missing:
            print("Every user index is built; nothing to do.")
            return 0
        started = time.monotonic()
        build_user_indexes(store, sys.stderr)
    print(f"Built {len(missing)} user indexes in {time.monotonic() - started:.0f} s.")
    return 0


def run_status(args: argparse.Namespace) -> int:
    with open_store_from_settings(Settings.from_env()) as store:
        missing = store.missing_user_indexes()
    if not missing:
        print("Every user index is built.")
    else:
        print(f"{len(missing)} user indexes are missing: {', '.join(missing)}. Build them with "
              "`segments indexes build`.")
    return 0
