"""Size alerts and the daily digest carry the main cause of a change, from the snapshots' members."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from scheduler import SchedulerConfig
from scheduler.blocks import digest_blocks
from scheduler.digest import build_digest
from segcore.storage.database import Store
from segcore.validation import validate_json
from tests.scheduler_support import RecordingNotifier, SchedulerFactory

PUNE = {"all": [{"field": "city", "op": "eq", "value": "Pune"}, {"field": "visits", "op": "gte", "value": 10}]}


def test_an_alert_says_its_main_cause(workspace: Store, make_scheduler: SchedulerFactory) -> None:
    store = workspace
    pune = store.segments.create("T1", "Pune", validate_json(PUNE, store.catalog), "Pune", "user", "U").id
    size = store.db.users.count_documents({"team_id": "T1", "city": "Pune", "visits": {"$gte": 10}})
    store.segments.set_alert("T1", pune, {"direction": "below", "threshold": size, "channel": "C-ALERTS"}, "U")
    notifier = RecordingNotifier()
    scheduler = make_scheduler(store, SchedulerConfig(instance_id="A"), notifier)
    assert scheduler.run_job_now("snapshot").result == {"segments": 1, "alerts": 0}
    gone = store.db.users.delete_many({"team_id": "T1", "city": "Pune", "visits": {"$gte": 10, "$lt": 20}})
    quiet = [d["user_id"] for d in store.db.users.find({"team_id": "T1", "city": "Pune", "visits": {"$gte": 20}})][:4]
    store.users.upsert_many("T1", [{"user_id": u, "visits": 1} for u in quiet])
    assert scheduler.run_job_now("snapshot").result == {"segments": 1, "alerts": 1}
    removed = gone.deleted_count
    text = json.dumps(notifier.posts[0][3], ensure_ascii=False)
    change = removed + len(quiet)
    if removed >= len(quiet):
        expected = f"Main cause: -{change}: {removed} removed, {len(quiet)} no longer at least 10 visits"
    else:
        expected = f"Main cause: -{change}: {len(quiet)} no longer at least 10 visits, {removed} removed"
    assert expected in text, text


def test_the_digest_says_why_its_movers_moved(workspace: Store, make_scheduler: SchedulerFactory) -> None:
    store = workspace
    store.segments.create("T1", "Pune", validate_json(PUNE, store.catalog), "Pune", "user", "U")
    scheduler = make_scheduler(store, SchedulerConfig(instance_id="A"), RecordingNotifier())
    assert scheduler.run_job_now("snapshot").ran
    moved = [d["user_id"] for d in store.db.users.find({"team_id": "T1", "city": "Pune", "visits": {"$gte": 10}})][:3]
    store.users.upsert_many("T1", [{"user_id": u, "city": "Delhi"} for u in moved])
    assert scheduler.run_job_now("snapshot").ran
    digest = build_digest(store, "T1", datetime.now(UTC) + timedelta(seconds=1), window=timedelta(seconds=30))
    assert [m.cause for m in digest.movers] == ["-3: 3 city is no longer Pune"]
    assert "-3: 3 city is no longer Pune" in json.dumps(digest_blocks(digest)[1], ensure_ascii=False)
