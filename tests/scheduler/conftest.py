"""Fixtures for scheduler tests: a small workspace, and schedulers that are always shut down."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient

from scheduler import SchedulerConfig, SegmentsScheduler, build_scheduler
from scheduler.notifier import Notifier
from segcore.audience import AudienceEngine
from segcore.catalog import default_catalog
from segcore.storage.database import Store
from segcore.storage.embedded import EmbeddedServer
from tests.scheduler_support import SchedulerFactory, small_users


@pytest.fixture
def workspace(store: Store) -> Store:
    store.users.upsert_many("T1", small_users(200))
    store.users.upsert_many("T2", small_users(50))
    return store


@pytest.fixture
def make_scheduler(mongo_server: EmbeddedServer) -> Iterator[SchedulerFactory]:
    """Builds schedulers, each with its own MongoClient (like separate app instances), and stops them all."""
    made: list[tuple[SegmentsScheduler, MongoClient[dict[str, Any]]]] = []

    def make(store: Store, config: SchedulerConfig, notifier: Notifier | None = None, **kwargs: Any) -> SegmentsScheduler:
        client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
        own = Store.from_database(client[store.db.name], default_catalog())
        scheduler = build_scheduler(own, AudienceEngine(own), notifier, config, **kwargs)
        made.append((scheduler, client))
        return scheduler

    yield make
    for scheduler, client in made:
        scheduler.shutdown(wait=True)
        client.close()
