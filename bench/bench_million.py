"""A million people end to end on the embedded default (not a test: it prints numbers, and takes many minutes).

    python bench/bench_million.py                        # 1,000,000 people, in a temporary folder
    python bench/bench_million.py --users 200000 --data ~/m   # keep the folder; a second run reuses the people
    python bench/bench_million.py --via seed             # `segments seed` instead of `segments import`

Steps, each timed as a team meets it:
1. load: `segments import people.jsonl` (the file is generated first, not timed) or `segments seed --users N`,
   into an empty workspace of an embedded server started here (the CLI finds it running);
2. the audience mirror: a full build from MongoDB into `SEGMENTS_DATA_DIR/mirror.duckdb`, the file
   `segments serve` and `segments ask` then open without rebuilding;
3. `segments ask "visits > 50" --json` (the process start, the mirror opening and catching up, the count);
4. `segments serve` with a Slack stand-in: signed `/segment visits > 50` slash commands, timed from the POST to
   the first message on `response_url` that carries the size; the admin JSON API's preview of the same text;
5. the memory (RSS) of `segments serve` and of the database process.

Targets (issue 18): load under 3 minutes, mirror build under 60 s, Slack answer under 100 ms median.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bson import json_util  # noqa: E402
from pymongo import MongoClient  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402

from admin.tokens import TokenStore  # noqa: E402
from bench.load_slack import rss_mb  # noqa: E402
from segcore.catalog import default_catalog  # noqa: E402
from segcore.mirror import UserMirror  # noqa: E402
from segcore.seed import generate_users  # noqa: E402
from segcore.storage.embedded import EmbeddedServer, free_port  # noqa: E402
from tests.bot.slack_standin import SlackStandIn  # noqa: E402

TEAM = "T0MILLION"
SECRET = "bench-signing-secret"
DB_NAME = "segments"
TEXT = "visits > 50"
SEGMENTS = str(Path(sys.executable).parent / "segments")  # the console script of this environment


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        ram = f"{int(memory) / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration):
        ram = "RAM unknown"
    load = os.getloadavg()
    return (f"{os.cpu_count()} cores ({cpu}), {ram}, {platform.system()} {platform.release()}, Python "
            f"{platform.python_version()}; load average at start {load[0]:.1f}")


def cli(env: dict[str, str], *args: str, timeout: float = 3600) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([SEGMENTS, *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"segments {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return took, done.stdout


def slack_answer(url: str, standin: SlackStandIn, size: int, n: int) -> tuple[float, float]:
    """Seconds from the POST of a signed slash command to its ack, and to the first message with the size."""
    signer = SignatureVerifier(SECRET)
    name = f"m{n}"
    form = urlencode({"team_id": TEAM, "user_id": "U0BENCH", "command": "/segment", "text": TEXT,
                      "response_url": standin.response_url(name), "trigger_id": f"trig.{n}.{time.time_ns()}",
                      "channel_id": "C0BENCH", "api_app_id": "A0SEGMENTS"})
    ts = str(int(time.time()))
    request = urllib.request.Request(url + "/slack/events", data=form.encode(), method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signer.generate_signature(timestamp=ts, body=form)})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
    acked = time.perf_counter() - started
    # Digits only: the card groups them as the workspace's currency does (₹: 3,40,655).
    shown = str(size)
    standin.wait_for(lambda c: c.path.endswith("/" + name) and shown in c.text().replace(",", ""), timeout=120,
                     what=f"a message with the size {size:,}")
    return acked, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--via", choices=("import", "seed"), default="import")
    parser.add_argument("--data", help="keep the data in this folder (a second run reuses the people)")
    parser.add_argument("--answers", type=int, default=21, help="Slack commands and previews to time")
    args = parser.parse_args()
    n = args.users
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {n:,} people; machine: {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="segments-million-") as tmp:
        base = Path(args.data).expanduser() / f"m-{n}" if args.data else Path(tmp)
        data = base / "data"
        data.mkdir(parents=True, exist_ok=True)
        server = EmbeddedServer(data, port=free_port()).start()
        standin = SlackStandIn(team_id=TEAM).start()
        serve: subprocess.Popen[bytes] | None = None
        env = {**os.environ, "SEGMENTS_DATA_DIR": str(data), "SEGMENTS_DB_NAME": DB_NAME, "SLACK_TEAM_ID": TEAM,
               "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": standin.base_url,
               "SEGMENTS_SCHEDULER": "off",
               # A team's own data: the first-run demo check is not part of what is measured.
               "SEGMENTS_DEMO": "off"}
        env.pop("MONGODB_URI", None)
        rows: list[tuple[str, str, str]] = []
        try:
            client: MongoClient[dict[str, Any]] = MongoClient(server.uri, tz_aware=True)
            db = client[DB_NAME]
            present = db["users"].count_documents({"team_id": TEAM})
            if present >= n:
                rows.append(("load", f"reused {present:,} people in {data}", "3 min"))
            else:
                if present:
                    db["users"].delete_many({"team_id": TEAM})
                if args.via == "import":
                    people = base / "people.jsonl"
                    started = time.perf_counter()
                    with open(people, "w", encoding="utf-8") as out:
                        for user in generate_users(n, seed=1):
                            out.write(json_util.dumps(user) + "\n")
                    print(f"generated {people} ({people.stat().st_size / 1e6:,.0f} MB) in "
                          f"{time.perf_counter() - started:.0f} s (not counted)", flush=True)
                    took, out_text = cli(env, "import", str(people), "--team", TEAM)
                else:
                    took, out_text = cli(env, "seed", "--users", str(n), "--team", TEAM)
                print(out_text.strip(), flush=True)
                rows.append((f"load ({args.via})", f"{took:.0f} s, {n / took:,.0f} people/s", "under 3 min"))
            print(rows[-1], flush=True)

            mirror = UserMirror(data / "mirror.duckdb", db, default_catalog())
            started = time.perf_counter()
            held = mirror.build(timeout=3600)
            built = time.perf_counter() - started
            mirror.stop()
            rows.append(("mirror build", f"{built:.1f} s ({held:,} rows)", "under 60 s"))
            print(rows[-1], flush=True)

            took, out_text = cli(env, "ask", TEXT, "--json", "--team", TEAM, "--wait", "120")
            answer = json.loads(out_text)
            size = int(answer["size"])
            rows.append(("segments ask --json", f"{took:.1f} s wall, count {answer['elapsed_ms']:.1f} ms by "
                         f"{answer['engine']} (size {size:,})", ""))
            print(rows[-1], flush=True)

            port = free_port()
            log_path = base / "serve.log"
            with open(log_path, "wb") as log:
                serve = subprocess.Popen([SEGMENTS, "serve", "--port", str(port)],
                                         env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
            url = f"http://127.0.0.1:{port}"
            started = time.perf_counter()
            while True:
                try:
                    with urllib.request.urlopen(url + "/api/health", timeout=10) as r:
                        if json.loads(r.read()).get("mirror", {}).get("fresh"):
                            break
                except OSError:
                    pass
                if serve.poll() is not None or time.perf_counter() - started > 1800:
                    raise SystemExit("segments serve did not come up fresh:\n" + log_path.read_text()[-3000:])
                time.sleep(0.5)
            rows.append(("segments serve up, mirror fresh", f"{time.perf_counter() - started:.1f} s", ""))
            print(rows[-1], flush=True)

            acks, answers = [], []
            for i in range(args.answers):
                acked, answered = slack_answer(url, standin, size, i)
                acks.append(acked * 1000)
                answers.append(answered * 1000)
            rows.append(("Slack ack (signed /segment)", f"median {statistics.median(acks):.0f} ms, max "
                         f"{max(acks):.0f} ms", ""))
            rows.append(("Slack answer: POST to first message with the size",
                         f"median {statistics.median(answers):.0f} ms, max {max(answers):.0f} ms "
                         f"({args.answers} commands)", "under 100 ms median"))
            token = TokenStore(db).create(TEAM, "bench-million")[1]
            previews = []
            for _ in range(args.answers):
                request = urllib.request.Request(url + "/api/segments/preview", method="POST",
                                                 data=json.dumps({"text": TEXT}).encode(),
                                                 headers={"Authorization": f"Bearer {token}",
                                                          "Content-Type": "application/json"})
                started = time.perf_counter()
                with urllib.request.urlopen(request, timeout=120) as r:
                    body = json.loads(r.read())
                previews.append((time.perf_counter() - started) * 1000)
            rows.append(("admin preview (POST /api/segments/preview, text)",
                         f"median {statistics.median(previews):.0f} ms, max {max(previews):.0f} ms "
                         f"(size {body.get('size', body)!s:.40})", ""))
            rows.append(("RSS segments serve", f"{rss_mb(serve.pid):,.0f} MB", ""))
            rows.append(("RSS database (secantusd)", f"{rss_mb(server.pid or 0):,.0f} MB", ""))
        finally:
            if serve is not None and serve.poll() is None:
                os.killpg(serve.pid, signal.SIGTERM)
                try:
                    serve.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(serve.pid, signal.SIGKILL)
            standin.stop()
            server.stop()
            print(f"\n| step ({n:,} people) | measured | target |\n|---|---|---|")
            for step, measured, target in rows:
                print(f"| {step} | {measured} | {target} |")
            print(f"# load average at the end {os.getloadavg()[0]:.1f} (the machine is shared)")


if __name__ == "__main__":
    main()
