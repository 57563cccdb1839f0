"""Campaign launch, checklist, export and webhook delivery on a workspace of generated users.

    python bench/bench_campaigns.py --users 50000 [--chunk 2000]

Prints how long the checklist takes, how long freezing the audience takes (users matched per second),
the CSV export, and a delivery to a local receiver that checks every signature.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from campaign_support import webhook_receiver  # the tests' receiver: real HTTP, verifies the HMAC

from bench.common import NOW, TEAM, loaded_store, rules, timed
from segcore.audience import AudienceEngine
from segcore.campaigns import WebhookDelivery, deliver, export_csv, launch, prepare_launch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    with loaded_store(args.users) as store:
        engine = AudienceEngine(store)
        picked = dict(rules())
        segments = [
            store.segments.create(TEAM, name[:60], picked[name], name, "user", "bench").id
            for name in ("visits > 50", "users in Hyderabad")
        ]
        campaign = store.campaigns.create(TEAM, "Bench", "email", "m", "bench", segment_ids=segments)
        check, ms = timed(lambda: prepare_launch(store, engine, TEAM, campaign.id, NOW, holdout_percent=10))
        print(f"checklist: {ms:,.0f} ms (audience {check.audience_size:,}, reachable {check.reachable_size:,}, "
              f"holdout {check.holdout_size:,})")
        result, ms = timed(lambda: launch(store, TEAM, campaign.id, NOW, "bench", 10, chunk_size=args.chunk))
        print(f"launch: {ms:,.0f} ms for {result.scanned:,} matching users in {result.chunks} chunks "
              f"({result.scanned / (ms / 1000):,.0f} users/s), {result.audience_size:,} rows frozen")
        lines, ms = timed(lambda: sum(1 for _ in export_csv(store, TEAM, campaign.id)))
        print(f"export: {ms:,.0f} ms for {lines - 1:,} rows")
        with webhook_receiver("bench-secret") as receiver:
            adapter = WebhookDelivery(receiver.url, "bench-secret", batch_size=args.batch)
            report, ms = timed(lambda: deliver(store, TEAM, campaign.id, adapter))
            assert receiver.bad_signatures == 0 and len(receiver.users) == report.sent_users
        print(f"deliver: {ms:,.0f} ms for {report.sent_users:,} users in {report.sent_batches} signed batches")


if __name__ == "__main__":
    main()
