"""Two schedulers against one database: every job run happens once, and missed runs are handled."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from scheduler import SchedulerConfig
from scheduler.runs import JOB_RUNS
from segcore.campaigns.audience_rows import AUDIENCES
from segcore.storage.database import Store
from segcore.validation import validate_json
from tests.scheduler_support import SchedulerFactory, small_users


def _wait_for(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _segment(store: Store, name: str, rule: dict[str, Any], team_id: str = "T1") -> str:
    return store.segments.create(team_id, name, validate_json(rule, store.catalog), name, "user", "U").id


def test_two_schedulers_run_each_job_once(workspace: Store, make_scheduler: SchedulerFactory) -> None:
    store = workspace
    pune = _segment(store, "Pune", {"field": "city", "op": "eq", "value": "Pune"})
    _segment(store, "Spenders", {"field": "total_spend", "op": "gt", "value": 5000})
    _segment(store, "T2 Pune", {"field": "city", "op": "eq", "value": "Pune"}, team_id="T2")
    campaign = store.campaigns.create("T1", "Scheduled", "email", "m", "U", segment_ids=[pune],
                                      schedule_at=datetime.now(UTC) + timedelta(seconds=2))
    config = dict(snapshot_interval=timedelta(seconds=1), launch_interval=timedelta(seconds=1),
                  jobs=("launch_due", "snapshot"), lease_ttl=timedelta(seconds=30))
    first = make_scheduler(store, SchedulerConfig(instance_id="A", **config))
    second = make_scheduler(store, SchedulerConfig(instance_id="B", **config))
    first.start()
    second.start()
    runs = store.db[JOB_RUNS]
    _wait_for(lambda: runs.count_documents({"job": "snapshot", "status": "ok"}) >= 5
              and store.campaigns.get("T1", campaign.id).status == "launched", 60, "five snapshots and a launch")
    first.shutdown()
    second.shutdown()

    for job in ("snapshot", "launch_due"):
        done = list(runs.find({"job": job, "status": {"$in": ["ok", "error", "running"]}}))
        slots = Counter(r["slot"] for r in done)
        assert slots and max(slots.values()) == 1, f"{job} ran twice for one slot: {slots}"
        assert all(r["status"] == "ok" for r in done), [r["error"] for r in done]
    snapshot_runs = runs.count_documents({"job": "snapshot", "status": "ok"})
    # Each snapshot run sized each T1 segment exactly once.
    assert store.db["segment_snapshots"].count_documents({"team_id": "T1", "segment_id": pune}) == snapshot_runs
    assert store.db["segment_snapshots"].count_documents({"team_id": "T2"}) == snapshot_runs
    # The scheduled campaign was launched once, by one instance.
    assert [a.action for a in store.audit.list("T1", limit=100)].count("campaign.launch") == 1
    rows = [r["user_id"] for r in store.db[AUDIENCES].find({"campaign_id": campaign.id})]
    expected = {u["user_id"] for u in small_users(200) if u["city"] == "Pune" and u["email_opt_in"]}
    assert len(rows) == len(set(rows)) and set(rows) == expected


def test_missed_runs_after_downtime(workspace: Store, make_scheduler: SchedulerFactory) -> None:
    store = workspace
    _segment(store, "Pune", {"field": "city", "op": "eq", "value": "Pune"})
    config = SchedulerConfig(instance_id="A", jobs=("snapshot",), snapshot_interval=timedelta(hours=1),
                             snapshot_grace=timedelta(minutes=30))
    runs = store.db[JOB_RUNS]

    def stop_with_next_run(scheduler: Any, ago: timedelta) -> None:
        scheduler._scheduler.pause()
        scheduler._scheduler.modify_job("snapshot", next_run_time=datetime.now(UTC) - ago)
        scheduler.shutdown()

    first = make_scheduler(store, config)
    first.start()
    assert runs.count_documents({}) == 0  # the next hourly run is in the future
    stop_with_next_run(first, timedelta(minutes=10))  # "down" through a fire time, back within the grace

    second = make_scheduler(store, SchedulerConfig(**{**config.__dict__, "instance_id": "B"}))
    second.start()
    _wait_for(lambda: runs.count_documents({"job": "snapshot", "status": "ok"}) == 1, 30, "the late run")
    # Down for two fire times (1h45 and 45 min ago): coalesced into the later one, which is past the grace.
    stop_with_next_run(second, timedelta(hours=1, minutes=45))

    third = make_scheduler(store, SchedulerConfig(**{**config.__dict__, "instance_id": "C"}))
    third.start()
    _wait_for(lambda: runs.count_documents({"job": "snapshot", "status": "missed"}) >= 1, 30, "the missed record")
    third.shutdown()
    assert runs.count_documents({"job": "snapshot", "status": "ok"}) == 1  # coalesced, and the stale one skipped
    missed = runs.find_one({"status": "missed"})
    assert missed is not None and "grace" in missed["error"]


def test_a_database_failing_at_start_delays_the_scheduler_instead_of_failing_the_process(
    workspace: Store, make_scheduler: SchedulerFactory, mongo_client: Any
) -> None:
    store = workspace
    _segment(store, "Pune", {"field": "city", "op": "eq", "value": "Pune"})
    config = SchedulerConfig(instance_id="A", snapshot_interval=timedelta(seconds=1), jobs=("snapshot",),
                             lease_ttl=timedelta(seconds=30))
    scheduler = make_scheduler(store, config)
    mongo_client.admin.command({"configureFailPoint": "failCommand", "mode": {"times": 1},
                                "data": {"failCommands": ["createIndexes"], "errorCode": 91}})
    try:
        scheduler.start()  # the first index fails: no exception, no job yet
        assert not scheduler.running
    finally:
        mongo_client.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
    runs = store.db[JOB_RUNS]
    _wait_for(lambda: scheduler.running and runs.count_documents({"job": "snapshot", "status": "ok"}) >= 1, 60,
              "the scheduler to start by itself and snapshot")
    assert JOB_RUNS in store.db.list_collection_names() and runs.index_information()  # its indexes exist
