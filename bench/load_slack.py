"""Load on the Slack endpoint, served exactly as render.yaml serves it (not a test: it prints numbers).

    python bench/load_slack.py                      # 20,000 users, concurrency 1, 4, 16, 32, 10 s each
    python bench/load_slack.py --users 100000 --seconds 5 --levels 1,8
    python bench/load_slack.py --million --data ~/load  # 1,000,000 users, kept for the next run

It starts an embedded database on a temporary folder and loads generated users (segcore.seed), a stand-in of
the Slack Web API and of response_url, and `gunicorn segments.wsgi:app --workers 2 --threads 4 --timeout 60`
with the environment pointing at both (scheduler on, snapshots every minute). The users are indexed first (as
`segments import` leaves them) and the load waits until both workers' audience mirrors are fresh. Then, at
each concurrency level for a bounded time, threads POST signed requests to /slack/events on loopback: slash
commands (help, list, a counted segment), app mentions, and `new_campaign` view submissions (each a campaign
write with a unique name); level 0 is the idle baseline. It reports requests/s, p50/p95/p99/max ack latency,
errors (non-2xx or timeouts over Slack's 3 s), the RSS of the gunicorn processes, CPU used by gunicorn, the
database and the load generator, and, after the work queues drain, campaign writes lost or doubled.

The load generator runs on the same machine (and cores) as the server; numbers are a floor, not a ceiling.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from pymongo import MongoClient
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from segcore.catalog import default_catalog  # noqa: E402
from segcore.seed import generate_users  # noqa: E402
from segcore.storage.database import Store  # noqa: E402
from segcore.storage.embedded import EmbeddedServer, free_port  # noqa: E402
from segcore.storage.users import coerce_user  # noqa: E402
from tests.bot.slack_standin import SlackStandIn  # noqa: E402

TEAM = "T0BENCH"
WORKERS = 2  # render.yaml's --workers
SECRET = "bench-signing-secret"
DB_NAME = "segments"
PROMPTS = ["visits > 50", "spent over 5k in Pune", "pro users in Delhi who spent over 10k"]


def load_users(uri: str, n: int) -> float:
    started = time.perf_counter()
    client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True)
    catalog = default_catalog()
    users = client[DB_NAME]["users"]
    batch: list[dict[str, Any]] = []
    for raw in generate_users(n, seed=7):
        batch.append({**coerce_user(raw, catalog), "team_id": TEAM})
        if len(batch) == 5000:
            users.insert_many(batch, ordered=False)
            batch = []
    if batch:
        users.insert_many(batch, ordered=False)
    client.close()
    return time.perf_counter() - started


def rss_mb(pid: int) -> float:
    """RSS of a process and all its children, in MB (from /proc)."""
    total = 0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total / 1024


def process_tree(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        p = pending.pop()
        found.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (all threads), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except (OSError, ValueError, IndexError):
            continue
    return total / ticks


def guard_memory(pid: int | None, limit_gb: float) -> None:
    """Stop before the embedded database takes the machine down (large scans are held in its memory)."""
    used = rss_mb(pid or 0) / 1024
    if used > limit_gb:
        raise SystemExit(f"the embedded database uses {used:.1f} GB (limit --max-db-gb {limit_gb:g}); stopped")


class Load:
    def __init__(self, url: str, standin: SlackStandIn) -> None:
        self.url = url + "/slack/events"
        self.signer = SignatureVerifier(SECRET)
        self.standin = standin
        self.lock = threading.Lock()
        self.counter = 0
        self.campaigns_acked: list[str] = []  # accepted: the modal closed, the write is promised
        self.campaigns_refused: list[str] = []  # the modal showed an error instead (nothing promised)

    def next(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def post(self, body: str, ctype: str) -> tuple[int, float, str]:
        ts = str(int(time.time()))
        request = urllib.request.Request(self.url, data=body.encode(), method="POST", headers={
            "Content-Type": ctype, "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": self.signer.generate_signature(timestamp=ts, body=body)})
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=3.0) as response:
                text = response.read().decode(errors="replace")
                status = response.status
        except urllib.error.HTTPError as exc:
            status, text = exc.code, ""
        except OSError:
            status, text = 0, ""  # timed out (Slack gives up after 3 s) or refused
        return status, time.perf_counter() - started, text

    def one(self, rng: random.Random) -> tuple[str, int, float]:
        n = self.next()
        pick = rng.random()
        if pick < 0.5:
            text = rng.choice(["help", "list", "help"]) if pick < 0.4 else rng.choice(PROMPTS)
            form = {"team_id": TEAM, "user_id": "U0LOAD", "command": "/segment", "text": text,
                    "response_url": self.standin.response_url(f"c{n}"), "trigger_id": f"trig.{n}.{time.time_ns()}",
                    "channel_id": "C0LOAD", "api_app_id": "A0SEGMENTS"}
            status, took, _ = self.post(urlencode(form), "application/x-www-form-urlencoded")
            return "command", status, took
        if pick < 0.75:
            ts = f"{time.time():.6f}"
            body = {"team_id": TEAM, "api_app_id": "A0SEGMENTS", "type": "event_callback",
                    "event_id": f"EvLOAD{n}", "event_time": int(time.time()),
                    "event": {"type": "app_mention", "user": "U0LOAD", "text": "<@UBOT> help", "ts": ts,
                              "channel": "C0LOAD", "event_ts": ts}}
            status, took, _ = self.post(json.dumps(body), "application/json")
            return "event", status, took
        name = f"load campaign {n}"
        payload = {"type": "view_submission", "team": {"id": TEAM}, "user": {"id": "U0LOAD", "team_id": TEAM},
                   "api_app_id": "A0SEGMENTS", "trigger_id": f"trig.v{n}",
                   "view": {"id": f"V{n}", "type": "modal", "callback_id": "new_campaign", "hash": "1",
                            "private_metadata": json.dumps({"u": self.standin.response_url(f"v{n}")}),
                            "state": {"values": {
                                "campaign_name": {"name": {"type": "plain_text_input", "value": name}},
                                "campaign_message": {"message": {"type": "plain_text_input", "value": "hi"}},
                                "campaign_channel": {"channel": {"type": "static_select",
                                                                 "selected_option": {"value": "email"}}}}}}}
        status, took, text = self.post(urlencode({"payload": json.dumps(payload)}),
                                       "application/x-www-form-urlencoded")
        with self.lock:
            if status == 200 and "response_action" not in text:
                self.campaigns_acked.append(name)
            elif status == 200:
                self.campaigns_refused.append(text[:200])
        return "campaign", status, took

    def level(self, concurrency: int, seconds: float) -> tuple[list[tuple[str, int, float]], float]:
        """The results of each request, and the seconds the level really took (the last requests sent
        before the deadline finish after it: dividing by the nominal duration overstated the rate)."""
        results: list[tuple[str, int, float]] = []
        started = time.monotonic()
        deadline = started + seconds

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            mine = []
            while time.monotonic() < deadline:
                mine.append(self.one(rng))
            with self.lock:
                results.extend(mine)

        if concurrency == 0:  # level 0: the idle baseline (what the scheduler and the mirror cost alone)
            time.sleep(seconds)
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return results, time.monotonic() - started


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--million", action="store_true", help="1,000,000 users")
    parser.add_argument("--levels", default="1,4,16,32")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (render.yaml: 4)")
    parser.add_argument("--data", help="keep the database in this folder and reuse its users next time "
                        "(loading and indexing 1M users takes many minutes)")
    parser.add_argument("--max-db-gb", type=float, default=12.0,
                        help="stop when the embedded database's memory passes this many GB")
    parser.add_argument("--boot-wait", type=float, default=600.0,
                        help="max seconds to wait for gunicorn to answer /api/health")
    parser.add_argument("--mirror-wait", type=float, default=1800.0,
                        help="max seconds to wait for the workers' audience mirrors to be fresh")
    parser.add_argument("--drain", type=float, default=120.0, help="max seconds to wait for queued work")
    args = parser.parse_args()
    users = 1_000_000 if args.million else args.users
    levels = [int(x) for x in args.levels.split(",")]

    with tempfile.TemporaryDirectory(prefix="segments-load-") as tmp:
        db_dir = Path(args.data) / f"db-{users}" if args.data else Path(tmp) / "db"
        server = EmbeddedServer(db_dir, port=free_port()).start()
        standin = SlackStandIn(team_id=TEAM).start()
        gunicorn = None
        try:
            probe: MongoClient[dict[str, Any]] = MongoClient(server.uri, tz_aware=True)
            present = probe[DB_NAME]["users"].count_documents({"team_id": TEAM}, limit=users)
            # A kept folder from an earlier run: its users are reused; what the last run wrote is cleared.
            for name in ("campaigns", "segments", "segment_snapshots", "slack_deliveries", "slack_drafts",
                         "slack_pending", "audit_log"):
                probe[DB_NAME][name].delete_many({})
            if 0 < present < users:
                probe[DB_NAME]["users"].drop()  # an interrupted load: start it again
            probe.close()
            if present >= users:
                print(f"reusing {present:,} users in {db_dir}", flush=True)
            else:
                took = load_users(server.uri, users)
                print(f"loaded {users:,} users in {took:.1f} s", flush=True)
            # As `segments import` leaves a workspace: indexed. (Building them inside a gunicorn worker's boot
            # would outlast its --timeout on a large collection.)
            started = time.perf_counter()
            indexing: MongoClient[dict[str, Any]] = MongoClient(server.uri, tz_aware=True)
            Store.from_database(indexing[DB_NAME], default_catalog()).ensure_indexes()
            indexing.close()
            print(f"indexes built in {time.perf_counter() - started:.1f} s", flush=True)
            port = free_port()
            env = {**os.environ, "MONGODB_URI": server.uri, "SEGMENTS_DB_NAME": DB_NAME,
                   "SEGMENTS_DATA_DIR": str(Path(tmp) / "app"), "SLACK_BOT_TOKEN": "xoxb-load",
                   "SLACK_SIGNING_SECRET": SECRET, "SLACK_TEAM_ID": TEAM, "SLACK_API_URL": standin.base_url,
                   "SEGMENTS_SNAPSHOT_MINUTES": "1", "SEGMENTS_SCHEDULER": "on", "PORT": str(port)}
            log_path = (Path(args.data) if args.data else Path(tmp)) / "gunicorn.log"
            log = open(log_path, "wb")  # noqa: SIM115 (closed with the folder)
            # render.yaml's startCommand, on loopback.
            gunicorn = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "segments.wsgi:app", "--bind", f"127.0.0.1:{port}",
                 "--workers", str(WORKERS), "--threads", str(args.threads), "--timeout", "60", "--graceful-timeout", "110",
                 "--access-logfile", "-"],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            base = f"http://127.0.0.1:{port}"
            booted = time.monotonic()
            deadline = booted + args.boot_wait
            while True:
                try:
                    with urllib.request.urlopen(base + "/api/health", timeout=10) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline or gunicorn.poll() is not None:
                    tail = log_path.read_text(errors="replace").splitlines()[-30:]
                    raise SystemExit("gunicorn did not come up; the end of its log:\n" + "\n".join(tail))
                guard_memory(server.pid, args.max_db_gb)
                time.sleep(0.5)
            print(f"gunicorn answered /api/health after {time.monotonic() - booted:.1f} s", flush=True)
            # Both workers build their own mirror of the users; until then sizes come from MongoDB, which the
            # load would then measure instead. Health answers from either worker: wait for several fresh answers.
            started = time.monotonic()
            fresh_in_a_row = 0
            # Health answers from whichever worker takes the request, so several fresh answers in a row can
            # all come from one; each worker also logs "mirror built" when its mirror is ready.
            while (fresh_in_a_row < 8 or log_path.read_text(errors="replace").count("mirror built") < WORKERS) \
                    and time.monotonic() - started < args.mirror_wait:
                try:
                    with urllib.request.urlopen(base + "/api/health", timeout=5) as r:
                        fresh = bool(json.loads(r.read()).get("mirror", {}).get("fresh"))
                except OSError:
                    fresh = False
                fresh_in_a_row = fresh_in_a_row + 1 if fresh else 0
                guard_memory(server.pid, args.max_db_gb)
                time.sleep(0.25)
            print(f"audience mirrors {'fresh' if fresh_in_a_row >= 8 else 'NOT fresh'} after "
                  f"{time.monotonic() - started:.1f} s", flush=True)
            db = MongoClient(server.uri, tz_aware=True)[DB_NAME]
            # A few saved segments, so the scheduler's snapshots have work while the load runs.
            from segcore.rules import rule_from_json

            store_rules = [{"field": "visits", "op": "gt", "value": v} for v in (10, 50, 100)]
            store = Store.from_database(db, default_catalog())
            for i, rule in enumerate(store_rules):
                store.segments.create(TEAM, f"load segment {i}", rule_from_json(rule), "", "user", "bench")
            load = Load(base, standin)
            print(f"gunicorn up (2 workers x {args.threads} threads), RSS {rss_mb(gunicorn.pid):.0f} MB", flush=True)
            print("| concurrency | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | RSS MB |")
            print("|---|---|---|---|---|---|---|---|---|")
            per_kind: list[str] = []
            cpu: list[str] = []
            for level in levels:
                before = (cpu_seconds(gunicorn.pid), cpu_seconds(server.pid or 0), time.process_time())
                results, elapsed = load.level(level, args.seconds)
                after = (cpu_seconds(gunicorn.pid), cpu_seconds(server.pid or 0), time.process_time())
                app_cpu, db_cpu, gen_cpu = (b - a for a, b in zip(before, after, strict=True))
                cpu.append(f"concurrency {level}: CPU s per wall s: gunicorn {app_cpu / elapsed:.2f}, "
                           f"database {db_cpu / elapsed:.2f}, load generator + Slack stand-in "
                           f"{gen_cpu / elapsed:.2f} (of {os.cpu_count()} cores); gunicorn CPU ms per "
                           f"request {1000 * app_cpu / max(1, len(results)):.1f}")
                lat = [t * 1000 for _, s, t in results if s == 200]
                errors = sum(1 for _, s, _ in results if s != 200)
                print(f"| {level} | {len(results)} | {len(results) / elapsed:.0f} | {pct(lat, .5):.1f} | "
                      f"{pct(lat, .95):.1f} | {pct(lat, .99):.1f} | {max(lat, default=float('nan')):.1f} | "
                      f"{errors} | {rss_mb(gunicorn.pid):.0f} |", flush=True)
                by_kind = {k: [t * 1000 for kind, st, t in results if kind == k and st == 200]
                           for k in ("command", "event", "campaign")}
                per_kind.append(f"concurrency {level}: " + ", ".join(
                    f"{k} p50/p99 {pct(v, .5):.0f}/{pct(v, .99):.0f} ms (n={len(v)})" for k, v in by_kind.items()))
            print("\n".join(per_kind))
            print("\n".join(cpu))
            # Writes: every acked campaign submission must be stored exactly once once the queues drain.
            sent = set(load.campaigns_acked)
            drain_started = time.monotonic()
            end = drain_started + args.drain
            stored = 0
            while time.monotonic() < end:
                stored = db["campaigns"].count_documents({"team_id": TEAM, "name": {"$regex": "^load campaign "}})
                if stored >= len(sent):
                    break
                time.sleep(1)
            names = [d["name"] for d in db["campaigns"].find({"team_id": TEAM}, {"name": 1})]
            doubled = len(names) - len(set(names))
            lost = len(sent - set(names))
            snapshots = db["segment_snapshots"].count_documents({})
            for name in sorted(sent - set(names))[:5]:
                told = [c.text()[:160] for c in standin.calls if c.path.endswith(f"/v{name.rsplit(' ', 1)[1]}")]
                print(f"  not stored: {name!r}; the user was told: {told or 'nothing'}")
            if load.campaigns_refused:
                print(f"  {len(load.campaigns_refused)} submissions were refused in the modal, e.g. "
                      f"{load.campaigns_refused[0]}")
            print(f"campaign writes: {len(sent)} acked, {stored} stored, {lost} lost, {doubled} doubled "
                  f"(queued work done {time.monotonic() - drain_started:.0f} s after the load; "
                  f"waited up to {args.drain:.0f} s); scheduler snapshots recorded: {snapshots}")
        finally:
            if gunicorn is not None and gunicorn.poll() is None:
                os.killpg(gunicorn.pid, signal.SIGTERM)
                try:
                    gunicorn.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(gunicorn.pid, signal.SIGKILL)
            standin.stop()
            server.stop()


if __name__ == "__main__":
    main()
