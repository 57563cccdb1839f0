"""A deploy stops the service while Slack work it has acked is still queued: render.yaml's own start
command (gunicorn) gets SIGTERM, and every acked request is still answered before the process exits.

Slack acks come back at once and the counting happens after them, on each worker's own threads; nothing of
that is written down, so the only promise is that a stopping worker finishes it first. Render sends SIGTERM
and kills after ``maxShutdownDelaySeconds``; gunicorn kills its workers after ``--graceful-timeout``: the
second must fit inside the first, and both must leave time for a queue to empty.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from pymongo import MongoClient

from segcore.catalog import default_catalog
from segcore.storage.embedded import EmbeddedServer, free_port
from segcore.storage.users import coerce_user
from tests.admin.test_render_blueprint import blueprint
from tests.bot.driver import SlackDriver
from tests.bot.slack_standin import SlackStandIn

ROOT = Path(__file__).resolve().parents[2]
TEAM = "T0TEST"
SECRET = "graceful-stop-signing-secret"
COMMANDS = 12


def start_command(port: int) -> list[str]:
    (service,) = blueprint()["services"]
    words = shlex.split(service["startCommand"].replace("$PORT", str(port)))
    words = [w.replace("0.0.0.0:", "127.0.0.1:") for w in words]
    assert words[0] == "gunicorn"
    return [str(Path(sys.executable).parent / "gunicorn"), *words[1:]]


def option(words: list[str], name: str) -> int:
    return int(words[words.index(name) + 1])


def test_the_start_command_lets_a_stopping_worker_finish_its_queue() -> None:
    (service,) = blueprint()["services"]
    words = start_command(8000)
    graceful = option(words, "--graceful-timeout")
    # Render's kill comes after maxShutdownDelaySeconds; gunicorn's own kill must come first.
    assert graceful < service["maxShutdownDelaySeconds"] <= 300
    assert graceful >= 60  # room for a long queue (97 s was measured at the heaviest load level)


def test_acked_slack_work_is_finished_after_sigterm(mongo_server: EmbeddedServer, standin: SlackStandIn,
                                                    sample_users: list[dict[str, Any]], tmp_path: Path) -> None:
    db_name = f"t_{uuid.uuid4().hex[:12]}"
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    catalog = default_catalog()
    client[db_name].users.insert_many(
        [{**coerce_user(dict(u), catalog), "team_id": TEAM} for u in sample_users[:200]])
    port = free_port()
    env = {**os.environ, "MONGODB_URI": mongo_server.uri, "SEGMENTS_DB_NAME": db_name,
           "SEGMENTS_DATA_DIR": str(tmp_path / "app"), "SLACK_BOT_TOKEN": "xoxb-graceful",
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_TEAM_ID": TEAM, "SLACK_API_URL": standin.base_url,
           "SEGMENTS_SCHEDULER": "off", "PORT": str(port)}
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        gunicorn = subprocess.Popen(start_command(port), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", gunicorn, log_path)
        standin.response_delay = 0.5  # each answer takes a while: work is still queued at the stop
        slack = SlackDriver(f"http://127.0.0.1:{port}", SECRET, standin, TEAM)
        urls = []
        for i in range(COMMANDS):
            answer, url = slack.command("/segment", f"visits > {i}", response_name=f"stop{i:02d}")
            assert answer.status == 200, answer.body
            urls.append(url)
        gunicorn.send_signal(signal.SIGTERM)  # as Render stops the service on a deploy
        assert gunicorn.wait(timeout=120) == 0, log_path.read_text(errors="replace")[-3000:]
        answered = {c.path.rsplit("/", 1)[1] for c in standin.calls
                    if c.method == "response_url" and "Audience" in c.text()}
        assert answered == {u.rsplit("/", 1)[1] for u in urls}, log_path.read_text(errors="replace")[-3000:]
    finally:
        if gunicorn.poll() is None:
            os.killpg(gunicorn.pid, signal.SIGKILL)
            gunicorn.wait(timeout=30)
        client.drop_database(db_name)
        client.close()


def wait_until_healthy(base: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("gunicorn stopped: " + log_path.read_text(errors="replace")[-3000:])
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("gunicorn did not answer /api/health: " + log_path.read_text(errors="replace")[-3000:])
