"""Every run of a scheduled job, recorded in ``job_runs``: job, slot, instance, started, finished, error."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import DESCENDING
from pymongo.database import Database

JOB_RUNS = "job_runs"


class RunLog:
    def __init__(self, db: Database[dict[str, Any]], instance: str) -> None:
        self.collection = db[JOB_RUNS]
        self.instance = instance

    def ensure_indexes(self) -> None:
        self.collection.create_index([("job", 1), ("started", -1)])

    def started(self, job: str, slot: datetime, started: datetime, manual: bool = False) -> ObjectId:
        doc = {"job": job, "slot": slot, "instance": self.instance, "started": started, "finished": None,
               "status": "running", "error": None, "manual": manual}
        return ObjectId(self.collection.insert_one(doc).inserted_id)

    def finished(self, run_id: ObjectId, finished: datetime, result: dict[str, Any] | None = None,
                 error: str | None = None) -> None:
        self.collection.update_one(
            {"_id": run_id},
            {"$set": {"finished": finished, "status": "error" if error else "ok", "error": error,
                      "result": result or {}}},
        )

    def missed(self, job: str, slot: datetime, at: datetime) -> None:
        """A run that came too late (past its grace time after downtime) and was skipped on purpose."""
        # Every instance that notices the miss records it; the upsert keeps one record per slot.
        self.collection.update_one(
            {"job": job, "slot": slot, "status": "missed"},
            {"$setOnInsert": {"instance": self.instance, "started": None, "finished": at,
                              "error": "missed: the app was not running within the grace time", "manual": False}},
            upsert=True,
        )

    def recent(self, job: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        query: dict[str, Any] = {} if job is None else {"job": job}
        return list(self.collection.find(query, {"_id": 0}).sort("started", DESCENDING).limit(limit))
