"""`segments source create|list|revoke`: write keys for the event endpoints (/v1), one workspace each."""

from __future__ import annotations

import argparse
import json
from typing import Any

from admin.tracking.keys import SourceStore
from segcore.storage.database import Store
from segments.cli.common import open_secrets, secret_row


def register(sub: Any) -> None:
    p = sub.add_parser("source", help="create, list or revoke write keys for sending events (/v1)")
    actions = p.add_subparsers(dest="source_action", required=True, metavar="ACTION")

    create = actions.add_parser("create", help="make a new write key for a workspace (printed once)")
    create.add_argument("--team", required=True, help="the Slack team id of the workspace, e.g. T0123ABC")
    create.add_argument("--name", help="a name to tell it apart, e.g. website or backend")
    create.set_defaults(handler=run_create)

    listing = actions.add_parser("list", help="list sources (never their keys)")
    listing.add_argument("--team", help="only this workspace")
    listing.add_argument("--all", action="store_true", help="include revoked sources")
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    listing.set_defaults(handler=run_list)

    revoke = actions.add_parser("revoke", help="revoke a source's write key by id or name")
    revoke.add_argument("source", help="the source's id or name")
    revoke.add_argument("--team", help="the workspace, when the name is used in several")
    revoke.set_defaults(handler=run_revoke)


def _sources() -> tuple[SourceStore, Store]:
    return open_secrets(SourceStore)


def run_create(args: argparse.Namespace) -> int:
    sources, store = _sources()
    try:
        record, key = sources.create(args.team, args.name)
    finally:
        store.close()
    print(f"Created source {record.name!r} (id {record.id}) for workspace {record.team_id}.")
    print("Its write key sends events to POST /v1/batch, /v1/track, /v1/identify, /v1/page and /v1/alias "
          "(Segment's and RudderStack's libraries: set the host to this server). It reads nothing.")
    print("Copy it now; it is not shown again:")
    print(key)
    return 0


def run_list(args: argparse.Namespace) -> int:
    sources, store = _sources()
    try:
        records = sources.list(args.team, include_revoked=args.all)
    finally:
        store.close()
    for r in records:
        row = secret_row(r)
        if args.json:
            print(json.dumps(row))
        else:
            state = "revoked" if r.revoked_at else "active"
            used = f"last used {row['last_used_at']}" if r.last_used_at else "never used"
            print(f"{r.id}  {r.team_id}  {r.name}  {row['hint']}  {state}  {used}")
    if not records and not args.json:
        print("No sources. Create one with: segments source create --team TEAM")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    sources, store = _sources()
    try:
        record = sources.revoke(args.source, args.team)
    finally:
        store.close()
    print(f"Revoked source {record.name!r} (id {record.id}) of workspace {record.team_id}; its key now gets 401.")
    return 0
