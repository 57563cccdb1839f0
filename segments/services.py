"""Builds the parts every handler shares (storage, audience engine, readers) from the settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from segcore.audience import AudienceEngine
from segcore.catalog import FieldCatalog, default_catalog
from segcore.errors import SegmentError
from segcore.interpret import interpret
from segcore.reading import Reading
from segcore.rules import Rule
from segcore.storage.database import Store, open_store
from segments.cohere_factory import cohere_reader_from_settings
from segments.config import Settings

log = logging.getLogger(__name__)


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
        now = self.now()

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


def build_services(settings: Settings) -> Services:
    catalog = default_catalog()
    store = open_store(settings.mongodb_uri, settings.data_dir, settings.database_name, catalog=catalog)
    store.ensure_indexes()
    audience = AudienceEngine(store)
    return Services(
        settings=settings,
        store=store,
        audience=audience,
        catalog=catalog,
        cohere=cohere_reader_from_settings(settings),
    )
