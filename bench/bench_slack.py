"""The Slack front door over loopback HTTP: how long Slack waits for the ack, and how long until the card.

    python bench/bench_slack.py --users 100000 --requests 30

Signed /segment commands go to the real app (Flask blueprint, Bolt, process_before_response=False); the
replies land on the tests' Slack stand-in. The ack must stay far below Slack's 3 s whatever the count costs.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import NOW, PROMPTS, TEAM, loaded_store
from bot import BotConfig, BotServices, create_app, default_client_factory
from bot.reading import make_interpret
from segcore.audience import AudienceEngine
from tests.bot.conftest import serve
from tests.bot.driver import SlackDriver
from tests.bot.slack_standin import SlackStandIn

SECRET = "bench-signing-secret"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=21)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    standin = SlackStandIn(team_id=TEAM).start()
    try:
        with loaded_store(args.users) as store:
            services = BotServices(store, AudienceEngine(store), store.catalog, lambda: NOW,
                                   make_interpret(store.catalog, lambda: NOW),
                                   default_client_factory(standin.base_url))
            app = create_app(services, BotConfig(bot_token="xoxb-bench", signing_secret=SECRET, team_id=TEAM,
                                                 api_url=standin.base_url))
            for url in serve(app):
                slack = SlackDriver(url, SECRET, standin, TEAM)
                acks: list[float] = []
                cards: list[float] = []
                for i in range(args.requests):
                    text = PROMPTS[i % len(PROMPTS)][0]
                    started = time.perf_counter()
                    answer, reply = slack.command("/segment", text, response_name=f"bench{i}")
                    acks.append((time.perf_counter() - started) * 1000)
                    assert answer.status == 200
                    standin.wait_for(lambda c, r=reply: c.path.endswith("/" + r.rsplit("/", 1)[1])
                                     and c.params.get("replace_original"), timeout=120)
                    cards.append((time.perf_counter() - started) * 1000)
        print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.users:,} users, {args.requests} /segment commands")
        print(f"ack ms:  median {statistics.median(acks):.1f}  p95 {percentile(acks, 95):.1f}  max {max(acks):.1f}")
        print(f"card ms: median {statistics.median(cards):.1f}  p95 {percentile(cards, 95):.1f}  max {max(cards):.1f}")
    finally:
        standin.stop()


if __name__ == "__main__":
    main()
