"""The scheduler: APScheduler 3 with its jobs in MongoDB, a lease per run, and every run recorded.

Jobs live in a MongoDB job store (``scheduler_jobs``) so they survive restarts, and every app instance
shares it. All instances see the same fire times (interval jobs are aligned on a fixed anchor, the digest
is a daily cron), and before a job body runs the instance claims the lease for that fire time (the
"slot"); the losers skip. So with several instances each run happens once.

Jobs are stored by reference (``scheduler.core:dispatch`` with the job name), never pickled objects.
``dispatch`` finds the scheduler that owns the worker thread it runs on: each SegmentsScheduler's thread
pool binds its threads to it, so two schedulers in one process (the test) stay apart.

Missed runs: an instance that starts after downtime keeps the stored next run time of an existing job,
so APScheduler sees the missed fire time, runs it once (``coalesce=True``) when it is within the job's
grace time, and otherwise reports it missed, which is recorded in ``job_runs`` with status "missed".
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.events import EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.mongodb import MongoDBJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from pymongo.errors import PyMongoError

from scheduler.config import ANCHOR, SchedulerConfig
from scheduler.jobs import JOBS, JobContext
from scheduler.lease import LeaseManager
from scheduler.notifier import Notifier
from scheduler.runs import RunLog
from segcore.campaigns.delivery import DeliveryAdapter, WebhookDelivery
from segcore.campaigns.launch import ensure_indexes as ensure_campaign_indexes
from segcore.errors import SegmentError

if TYPE_CHECKING:
    from segcore.audience import AudienceEngine
    from segcore.storage.database import Store

log = logging.getLogger(__name__)
_bound = threading.local()


class UnknownJob(SegmentError):
    """A job name that does not exist."""


@dataclass(frozen=True)
class RunOutcome:
    job: str
    slot: datetime
    ran: bool  # False: another instance holds or already ran this slot
    result: dict[str, Any] | None = None
    error: str | None = None


class _SharedClientJobStore(MongoDBJobStore):
    """MongoDBJobStore closes its client on shutdown; ours belongs to the Store, so leave it open."""

    def shutdown(self) -> None:
        pass


class _Scheduler(BackgroundScheduler):
    """BackgroundScheduler whose wake-up at shutdown does not process due jobs.

    APScheduler 3 wakes its thread once more when shut down and, with the executors already stopped,
    fails to submit a job that is due and moves its next run time on: that run would be lost without even
    being recorded as missed. Skipping that last pass leaves it due, so the next start sees it.
    """

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        result: float | None = super()._process_jobs()
        return result


def _bind(owner: SegmentsScheduler) -> None:
    _bound.owner = owner


def dispatch(job: str) -> None:
    """The callable stored in the job store: runs ``job`` on the scheduler owning this worker thread."""
    owner: SegmentsScheduler | None = getattr(_bound, "owner", None)
    if owner is None:
        log.error("job %s ran on a thread no Segments scheduler owns; skipped", job)
        return
    owner._scheduled_run(job)


class SegmentsScheduler:
    def __init__(self, store: Store, audience: AudienceEngine, notifier: Notifier | None,
                 config: SchedulerConfig, delivery: DeliveryAdapter | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.config = config
        self.clock = clock or (lambda: datetime.now(UTC))
        self.leases = LeaseManager(store.db, config.instance_id, config.lease_ttl)
        self._stopping = threading.Event()
        self.runs = RunLog(store.db, config.instance_id)
        self.context = JobContext(store, audience, notifier, config, delivery)
        for name in config.jobs:
            if name not in JOBS:
                raise UnknownJob(f"Unknown job {name!r}; jobs are {', '.join(JOBS)}.")
        self._scheduler = _Scheduler(
            timezone=UTC,
            jobstores={"default": _SharedClientJobStore(database=store.db.name,
                                                        collection=config.jobstore_collection,
                                                        client=store.client)},
            executors={"default": ThreadPoolExecutor(config.max_workers,
                                                     pool_kwargs={"initializer": _bind, "initargs": (self,)})},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        self._scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> None:
        """Start now, or, when the database cannot prepare the scheduler yet, keep trying in the background.

        The lease and audience indexes are what make every job run once and every launch idempotent, so no
        job runs before they exist; but a database that is slow or away at boot must not fail the whole
        process (under gunicorn a worker that fails to boot halts the server).
        """
        try:
            self._start()
        except (PyMongoError, SegmentError) as exc:
            log.error("scheduler not started yet (%s); retrying in the background", exc)
            self._retry = threading.Thread(target=self._start_when_possible, name="segments-scheduler-start",
                                           daemon=True)
            self._retry.start()

    def _start_when_possible(self) -> None:
        wait = 2.0
        while not self._stopping.wait(wait):
            try:
                self._start()
            except (PyMongoError, SegmentError) as exc:
                log.warning("scheduler still waiting for the database: %s", exc)
                wait = min(wait * 2, 60.0)
                continue
            log.warning("scheduler started after waiting for the database")
            return

    def _start(self) -> None:
        ensure_campaign_indexes(self.store.db)
        self.runs.ensure_indexes()
        if not self._scheduler.running:
            self._scheduler.start(paused=True)
        for job in self._scheduler.get_jobs():
            if job.id not in self.config.jobs:  # turned off in the configuration since it was stored
                job.remove()
        for name in self.config.jobs:
            self._install(name)
        self._scheduler.resume()

    def shutdown(self, wait: bool = True) -> None:
        self._stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def next_run_times(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}

    # -- jobs ----------------------------------------------------------------------------------------
    def trigger_for(self, name: str) -> IntervalTrigger | CronTrigger:
        interval = self.config.interval_for(name)
        if interval is not None:
            return IntervalTrigger(seconds=interval.total_seconds(), start_date=ANCHOR, timezone=UTC)
        at = self.config.digest_time
        return CronTrigger(hour=at.hour, minute=at.minute, timezone=UTC)

    def _install(self, name: str) -> None:
        trigger = self.trigger_for(name)
        grace = int(self.config.grace_for(name).total_seconds())
        existing = self._scheduler.get_job(name)
        if (existing is not None and repr(existing.trigger) == repr(trigger)
                and existing.misfire_grace_time == grace):
            return  # keep its stored next run time, so a run missed during downtime is seen as missed
        self._scheduler.add_job(dispatch, trigger, args=[name], id=name, name=name, replace_existing=True,
                                misfire_grace_time=grace, coalesce=True, max_instances=1)

    def slot_for(self, name: str, now: datetime) -> datetime:
        """The fire time a run at ``now`` belongs to: the latest one at or before ``now``."""
        interval = self.config.interval_for(name)
        if interval is not None:
            steps = (now - ANCHOR) // interval
            return ANCHOR + steps * interval
        at = self.config.digest_time
        today = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
        return today if today <= now else today - timedelta(days=1)

    def _scheduled_run(self, name: str) -> None:
        now = self.clock()
        self._run(name, self.slot_for(name, now), now, manual=False)

    def run_job_now(self, name: str) -> RunOutcome:
        """Run a job here and now (tests, CLI); still takes the lease, so it never overlaps a run elsewhere."""
        if name not in JOBS:
            raise UnknownJob(f"Unknown job {name!r}; jobs are {', '.join(JOBS)}.")
        ensure_campaign_indexes(self.store.db)
        now = self.clock()
        return self._run(name, now, now, manual=True)

    def _run(self, name: str, slot: datetime, now: datetime, manual: bool) -> RunOutcome:
        lease = self.leases.claim(name, slot, now)
        if lease is None:
            log.debug("job %s slot %s: held or done by another instance", name, slot)
            return RunOutcome(name, slot, ran=False)
        run_id = self.runs.started(name, slot, now, manual)

        def renew() -> None:
            self.leases.renew(lease, self.clock())

        # A context per run: jobs run in parallel threads, each renewing its own lease.
        context = dataclasses.replace(self.context, renew=renew)
        try:
            result = JOBS[name](context, now)
        except Exception as exc:
            message = str(exc) if isinstance(exc, SegmentError) else f"{type(exc).__name__}: {exc}"
            log.exception("job %s failed", name)
            self.runs.finished(run_id, self.clock(), error=message)
            return RunOutcome(name, slot, ran=True, error=message)
        finally:
            self.leases.release(lease, self.clock())
        self.runs.finished(run_id, self.clock(), result=result)
        return RunOutcome(name, slot, ran=True, result=result)

    def _on_missed(self, event: JobEvent) -> None:
        job = str(event.job_id)
        slot = getattr(event, "scheduled_run_time", None) or self.clock()
        try:
            self.runs.missed(job, slot, self.clock())
        except Exception:
            log.exception("could not record the missed run of %s", job)


def build_scheduler(store: Store, audience: AudienceEngine, notifier: Notifier | None,
                    config: SchedulerConfig, *, delivery: DeliveryAdapter | None = None,
                    clock: Callable[[], datetime] | None = None) -> SegmentsScheduler:
    """The scheduler the composition root starts (``.start()``) and stops (``.shutdown()``).

    With ``config.webhook_url`` and ``config.webhook_secret`` set and no ``delivery`` given, scheduled
    launches are delivered through :class:`WebhookDelivery`.
    """
    if delivery is None and config.webhook_url and config.webhook_secret:
        delivery = WebhookDelivery(config.webhook_url, config.webhook_secret, config.webhook_batch_size)
    return SegmentsScheduler(store, audience, notifier, config, delivery, clock)
