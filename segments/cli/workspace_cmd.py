"""`segments workspace delete --team T --yes`: remove everything a workspace owns (after it left, or on request).

Uninstalling the Slack app keeps a workspace's data (a reinstall finds it); this is how an operator removes
it for good. The deletion is recorded in ``workspace_deletions`` and logged, since the workspace's own audit
log goes with the rest (``segcore.storage.workspaces``).
"""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from segcore.errors import SegmentError
from segcore.storage.workspaces import delete_workspace
from segments.cli.common import open_store_from_settings
from segments.config import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("workspace", help="manage a workspace's data (delete all of it)")
    actions = p.add_subparsers(dest="workspace_action", required=True, metavar="ACTION")
    delete = actions.add_parser(
        "delete", help="delete ALL data of a workspace: people, events, segments, campaigns, history, tokens, "
                       "Slack installation, audit log (a record of the deletion is kept)")
    delete.add_argument("--team", required=True, help="the Slack team id of the workspace, e.g. T0123ABC")
    delete.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    delete.set_defaults(handler=run_delete)


def run_delete(args: argparse.Namespace) -> int:
    if not args.yes:
        raise SegmentError(f"This deletes every piece of data of workspace {args.team} and cannot be undone; "
                           "add --yes to confirm.")
    store = open_store_from_settings(Settings.from_env())
    try:
        done = delete_workspace(store.db, args.team, actor=f"cli:{_operator()}")
    finally:
        store.close()
    if not done.removed:
        print(f"Workspace {args.team} had no data; the request is recorded in workspace_deletions.")
        return 0
    print(f"Deleted all data of workspace {args.team}: {done.total} documents "
          f"({', '.join(f'{name} {n}' for name, n in done.removed.items())}). "
          "The deletion is recorded in workspace_deletions.")
    return 0


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
