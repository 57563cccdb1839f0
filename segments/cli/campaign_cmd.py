"""`segments campaign list|launch|export|deliver` and `segments jobs run JOB`, against the configured database.

The CLI is an operator's tool (whoever can run it can read the database), so it does not check the Slack
campaign-manager role; launches are audited as ``cli``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from scheduler.compose import scheduler_from_settings
from segcore.audience import AudienceEngine
from segcore.campaigns import (
    CampaignNotFound,
    WebhookDelivery,
    deliver,
    export_csv,
    launch,
    launch_state,
    prepare_launch,
)
from segcore.errors import SegmentError
from segcore.storage.database import Store
from segments.cli.common import add_team_option, open_store_from_settings, team_of
from segments.config import Settings

ACTOR = "cli"


def register(sub: Any) -> None:
    p = sub.add_parser("campaign", help="list, launch, export or deliver campaigns")
    csub = p.add_subparsers(dest="campaign_command", required=True, metavar="ACTION")
    q = csub.add_parser("list", help="every campaign of the workspace with its status and audience")
    add_team_option(q)
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.set_defaults(handler=run_list)
    q = csub.add_parser("launch", help="show the launch checklist, then freeze the audience and launch")
    q.add_argument("name", help="the campaign's name")
    add_team_option(q)
    q.add_argument("--holdout", type=float, default=None, metavar="PERCENT", help="hold out this share, e.g. 10")
    q.add_argument("--check", action="store_true", help="only print the checklist; do not launch")
    q.set_defaults(handler=run_launch)
    q = csub.add_parser("export", help="print the frozen audience as CSV (user_id, holdout)")
    q.add_argument("name")
    add_team_option(q)
    q.add_argument("--pii", action="store_true", help="add email and name columns")
    q.set_defaults(handler=run_export)
    q = csub.add_parser("deliver", help="post the frozen audience to SEGMENTS_WEBHOOK_URL (only what is missing)")
    q.add_argument("name")
    add_team_option(q)
    q.set_defaults(handler=run_deliver)
    j = sub.add_parser("jobs", help="run a scheduled job once, here and now")
    j.add_argument("job", choices=("launch_due", "snapshot", "digest"))
    j.set_defaults(handler=run_job)


def _find(store: Store, team: str, name: str) -> str:
    campaign = store.campaigns.get_by_name(team, name)
    if campaign is None:
        known = ", ".join(c.name for c in store.campaigns.list(team)) or "none yet"
        raise CampaignNotFound(f"No campaign named {name!r} in workspace {team}. Campaigns: {known}.")
    return campaign.id


def run_list(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    team = team_of(args, settings)
    with open_store_from_settings(settings) as store:
        rows: list[dict[str, Any]] = []
        for c in store.campaigns.list(team):
            state = launch_state(store, team, c.id)
            rows.append({"name": c.name, "channel": c.channel, "status": c.status,
                         "segments": len(c.segment_ids),
                         "schedule_at": c.schedule_at.isoformat() if c.schedule_at else None,
                         "audience_size": state.audience_size if state else None,
                         "holdout_size": state.holdout_size if state else None})
    if args.json:
        print(json.dumps({"team": team, "campaigns": rows}, ensure_ascii=False))
        return 0
    if not rows:
        print(f"No campaigns in workspace {team}.")
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        audience = f"{r['audience_size']:,} frozen" if r["audience_size"] is not None else ""
        when = f"at {r['schedule_at']}" if r["status"] == "scheduled" and r["schedule_at"] else ""
        print(f"{r['name']:<{width}}  {r['channel']:<5}  {r['status']:<9}  {audience}{when}".rstrip())
    return 0


def run_launch(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    team = team_of(args, settings)
    now = datetime.now(UTC)
    with open_store_from_settings(settings) as store:
        campaign_id = _find(store, team, args.name)
        check = prepare_launch(store, AudienceEngine(store), team, campaign_id, now, args.holdout)
        print(f"Campaign:   {check.campaign_name} ({check.channel}, {check.status})")
        for name, size in check.segments:
            print(f"Segment:    {name}: {size:,}")
        print(f"Audience:   {check.audience_size:,}")
        consent = f" ({check.excluded_no_consent:,} without {check.consent_field})" if check.consent_field else ""
        print(f"Reachable:  {check.reachable_size:,}{consent}")
        print(f"Holdout:    {check.holdout_size:,} ({check.holdout_percent:g}%)")
        for name, overlap in check.overlap_recent:
            print(f"Overlap:    {overlap:,} also in {name} (launched in the last 7 days)")
        for problem in check.problems:
            print(f"Problem:    {problem}", file=sys.stderr)
        if args.check or not check.can_launch:
            return 0 if check.can_launch else 1
        result = launch(store, team, campaign_id, now, ACTOR, args.holdout)
    resumed = " (resumed)" if result.resumed else ""
    print(f"Launched{resumed}: {result.send_size:,} to send, {result.holdout_size:,} held out, "
          f"{result.excluded_no_consent:,} excluded without consent.")
    return 0


def run_export(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    team = team_of(args, settings)
    with open_store_from_settings(settings) as store:
        for line in export_csv(store, team, _find(store, team, args.name), include_pii=args.pii):
            sys.stdout.write(line)
    return 0


def run_deliver(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    team = team_of(args, settings)
    if not settings.webhook_url or not settings.webhook_secret:
        raise SegmentError("Set SEGMENTS_WEBHOOK_URL and SEGMENTS_WEBHOOK_SECRET to deliver campaigns.")
    adapter = WebhookDelivery(settings.webhook_url, settings.webhook_secret)
    with open_store_from_settings(settings) as store:
        report = deliver(store, team, _find(store, team, args.name), adapter)
    print(f"Delivered {report.sent_users:,} users in {report.sent_batches} batches "
          f"({report.skipped_batches} batches were already delivered).")
    return 0


def run_job(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    with open_store_from_settings(settings) as store:
        outcome = scheduler_from_settings(store, AudienceEngine(store), settings).run_job_now(args.job)
    if not outcome.ran:
        print(f"{args.job}: another instance is running it right now; nothing done.")
        return 0
    if outcome.error:
        print(f"{args.job}: {outcome.error}", file=sys.stderr)
        return 1
    print(f"{args.job}: {json.dumps(outcome.result, ensure_ascii=False, default=str)}")
    return 0
