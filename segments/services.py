"""Builds the parts every handler shares (storage, audience engine, readers) from the settings."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from segcore.audience import AudienceEngine
from segcore.catalog import FieldCatalog
from segcore.errors import SegmentError
from segcore.interpret import interpret
from segcore.mirror import UserMirror
from segcore.mirror.counter import MirrorCounter
from segcore.mirror.store import MirrorFileInUse
from segcore.reading import Reading
from segcore.rules import Rule
from segcore.storage.database import Store, open_store
from segments.cohere_factory import cohere_reader_from_settings
from segments.config import Settings

log = logging.getLogger(__name__)

MIRROR_SLOTS = 8


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    store: Store
    audience: AudienceEngine
    catalog: FieldCatalog
    cohere: Any = None
    mirror: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    def now(self) -> datetime:
        return utc_now()

    def interpret(self, text: str, team_id: str) -> Reading:
        # The workspace's clock: "today" and a bare "March" are read where its marketers are.
        now = self.store.workspaces.local_now(team_id, self.now())

        def same_audience(a: Rule, b: Rule) -> bool:
            # Two readings agree when they select the same people today, whatever their wording.
            overlap = self.audience.overlap(team_id, a, b, now)
            return overlap.a == overlap.b == overlap.both

        return interpret(
            text, self.catalog, now, engine="auto", cohere=self.cohere, team_id=team_id, compare=same_audience
        )

    def launch_campaign(self, team_id: str, campaign_id: str, actor: str,
                        holdout_percent: float | None = None) -> Any:
        """Freeze the audience now, then deliver it through the webhook when one is configured."""
        from segcore.campaigns import WebhookDelivery, deliver, launch

        launch(self.store, team_id, campaign_id, self.now(), actor, holdout_percent)
        settings = self.settings
        if settings.webhook_url and settings.webhook_secret:
            try:
                deliver(self.store, team_id, campaign_id, WebhookDelivery(settings.webhook_url, settings.webhook_secret))
            except SegmentError as exc:
                # The audience is frozen and recorded; the scheduler retries what was not delivered.
                log.warning("delivery of campaign %s failed, will be retried: %s", campaign_id, exc)
        return self.store.campaigns.get(team_id, campaign_id)

    def close(self) -> None:
        if self.mirror is not None:
            self.mirror.stop()
        self.store.close()


def start_mirror(settings: Settings, store: Store) -> UserMirror | None:
    """The DuckDB mirror of users, following MongoDB in the background; None when off or unusable.

    Each process keeps its own mirror (it is a cache): a file another process holds is never touched; the
    next free slot is used, and when all are taken this process counts in MongoDB and says so in its log.
    """
    if not settings.mirror_enabled:
        return None
    base = settings.mirror_path or Path(settings.data_dir) / "mirror.duckdb"
    # Several workers on one data folder each keep their own file (mirror.duckdb, mirror-2.duckdb, ...),
    # the same one across restarts, so none rebuilds from scratch when it restarts.
    for slot in range(1, MIRROR_SLOTS + 1):
        path = base if slot == 1 else base.with_name(f"{base.stem}-{slot}{base.suffix}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            mirror = UserMirror(
                path, store.db, store.catalog, max_lag=settings.mirror_max_lag, max_users=settings.mirror_max_users,
                max_events=settings.mirror_max_events,
                build_lock=base.parent / "mirror-build.lock",
            )
            mirror.start()
        except MirrorFileInUse:
            continue
        except (duckdb.Error, OSError, SegmentError) as exc:
            log.warning("audience mirror not started (%s); sizes come from MongoDB", exc)
            return None
        return mirror
    log.warning("every audience mirror file beside %s is in use; sizes come from MongoDB", base)
    return None


# Above this many users, missing user indexes are built in the background at start-up: building them takes
# minutes (about 6 min for 1M users on the embedded server), longer than a gunicorn worker may take to boot
# (--timeout), and the service can answer meanwhile (counts read the mirror, or MongoDB more slowly).
BACKGROUND_INDEX_USERS = 50_000


def ensure_indexes_at_start(store: Store) -> threading.Thread | None:
    """Every index, without ever holding start-up for minutes; returns the background builder, if any."""
    store.ensure_indexes(users=False)
    missing = store.missing_user_indexes()
    if not missing:
        return None
    if store.field_indexes_wait() and store.waiting_field_indexes():
        log.warning("%d per-field user indexes are not built: on the embedded database a build stops every "
                    "request while it runs, so they wait for `segments indexes build`; the audience mirror "
                    "answers counts without them", len(store.waiting_field_indexes()))
        return None
    with store.outage.guard():
        users = store.db["users"].estimated_document_count()
    if users < BACKGROUND_INDEX_USERS:
        store.ensure_user_indexes()
        return None
    log.warning("building %d user indexes on about %d users in the background (%s); counts that MongoDB "
                "answers are slower until they are done", len(missing), users, ", ".join(missing))

    def build() -> None:
        started = time.monotonic()
        try:
            store.ensure_user_indexes()
        except Exception as exc:  # the next start tries again; the service works without them, slower
            log.error("building the user indexes failed: %s", exc)
            return
        log.warning("user indexes built in %.0f s", time.monotonic() - started)

    thread = threading.Thread(target=build, name="segments-user-indexes", daemon=True)
    thread.start()
    return thread


def build_services(settings: Settings) -> Services:
    catalog = settings.catalog()
    store = open_store(settings.mongodb_uri, settings.data_dir, settings.database_name, catalog=catalog,
                       time_zone=settings.time_zone)
    store.snapshots.member_days = settings.snapshot_days
    try:
        ensure_indexes_at_start(store)
        mirror = start_mirror(settings, store)
    except BaseException:
        store.close()
        raise
    audience = AudienceEngine(store, [MirrorCounter(mirror)] if mirror is not None else [])
    return Services(
        settings=settings,
        store=store,
        audience=audience,
        catalog=catalog,
        cohere=cohere_reader_from_settings(settings),
        mirror=mirror,
    )
