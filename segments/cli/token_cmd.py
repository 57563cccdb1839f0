"""`segments token create|list|revoke`: API tokens for the JSON API, one workspace each."""

from __future__ import annotations

import argparse
import json
from typing import Any

from admin.tokens import TokenStore
from segcore.campaigns.roles import LAUNCH_SCOPE
from segcore.privacy import PII_SCOPE
from segcore.storage.database import Store
from segments.cli.common import open_secrets, secret_row


def register(sub: Any) -> None:
    p = sub.add_parser("token", help="create, list or revoke API tokens")
    actions = p.add_subparsers(dest="token_action", required=True, metavar="ACTION")

    create = actions.add_parser("create", help="make a new token for a workspace (printed once)")
    create.add_argument("--team", required=True, help="the Slack team id of the workspace, e.g. T0123ABC")
    create.add_argument("--name", help="a name to tell it apart, e.g. crm-sync")
    create.add_argument("--pii", action="store_true",
                        help="let the token read names and emails in full (others get them masked)")
    create.add_argument("--launch", action="store_true",
                        help="let the token launch and schedule campaigns, and delete scheduled or launched ones "
                             "(others get 403 for that)")
    create.set_defaults(handler=run_create)

    listing = actions.add_parser("list", help="list tokens (never the tokens themselves)")
    listing.add_argument("--team", help="only this workspace")
    listing.add_argument("--all", action="store_true", help="include revoked tokens")
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    listing.set_defaults(handler=run_list)

    revoke = actions.add_parser("revoke", help="revoke a token by id or name")
    revoke.add_argument("token", help="the token's id or name")
    revoke.add_argument("--team", help="the workspace, when the name is used in several")
    revoke.set_defaults(handler=run_revoke)


def _tokens() -> tuple[TokenStore, Store]:
    return open_secrets(TokenStore)


def run_create(args: argparse.Namespace) -> int:
    tokens, store = _tokens()
    try:
        scopes = tuple(scope for scope, wanted in ((PII_SCOPE, args.pii), (LAUNCH_SCOPE, args.launch)) if wanted)
        record, token = tokens.create(args.team, args.name, scopes=scopes)
    finally:
        store.close()
    print(f"Created token {record.name!r} (id {record.id}) for workspace {record.team_id}.")
    if record.reads_pii:
        print("It reads personal data (names and emails) in full; each read is written to the audit log.")
    if record.launches:
        print("It may launch and schedule campaigns, which message real people; each launch is audited "
              "under its name.")
    print("Copy it now; it is not shown again:")
    print(token)
    return 0


def run_list(args: argparse.Namespace) -> int:
    tokens, store = _tokens()
    try:
        records = tokens.list(args.team, include_revoked=args.all)
    finally:
        store.close()
    for r in records:
        row = {**secret_row(r), "pii": r.reads_pii, "launch": r.launches}
        if args.json:
            print(json.dumps(row))
        else:
            state = "revoked" if r.revoked_at else "active"
            used = f"last used {row['last_used_at']}" if r.last_used_at else "never used"
            pii = "personal data in full" if r.reads_pii else "personal data masked"
            launch = "may launch campaigns" if r.launches else "cannot launch"
            print(f"{r.id}  {r.team_id}  {r.name}  {row['hint']}  {state}  {used}  {pii}  {launch}")
    if not records and not args.json:
        print("No tokens. Create one with: segments token create --team TEAM")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    tokens, store = _tokens()
    try:
        record = tokens.revoke(args.token, args.team)
    finally:
        store.close()
    print(f"Revoked token {record.name!r} (id {record.id}) of workspace {record.team_id}.")
    return 0
