"""All configuration comes from the environment, read here and nowhere else."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segcore.catalog import FieldCatalog, load_catalog
from segcore.errors import SegmentError
from segcore.timezones import DEFAULT_ZONE, InvalidTimeZone, time_zone, zone_name


class ConfigError(SegmentError):
    """An environment variable has a value the product cannot use."""


@dataclass(frozen=True)
class Settings:
    mongodb_uri: str | None
    data_dir: Path
    database_name: str
    team_id: str
    port: int
    slack_bot_token: str | None
    slack_signing_secret: str | None
    slack_app_token: str | None
    slack_client_id: str | None
    slack_client_secret: str | None
    slack_api_url: str | None
    cohere_api_key: str | None
    cohere_base_url: str | None
    cohere_model: str
    cohere_timeout: float
    admin_password: str | None
    secret_key: str | None
    mirror_enabled: bool
    mirror_path: Path | None
    mirror_max_lag: float
    mirror_max_users: int
    mirror_max_events: int
    campaign_managers: tuple[str, ...]
    pii_viewers: tuple[str, ...]
    digest_channel: str | None
    digest_time: str
    snapshot_minutes: int
    webhook_url: str | None
    webhook_secret: str | None
    scheduler_enabled: bool
    trusted_proxies: int
    catalog_path: str | None = None
    # The IANA zone calendar words are read in for workspaces that set none (SEGMENTS_TIMEZONE).
    time_zone: str = DEFAULT_ZONE
    # A demo workspace on a first run with the embedded database and nothing in it (SEGMENTS_DEMO=off: never).
    demo_enabled: bool = True
    api_rate_limit: float = 50.0  # requests a second per API token on /api (0: off)
    event_rate_limit: float = 1000.0  # requests a second per write key on /v1 (0: off)
    slack_workers: int = 8  # threads per process for Slack work after its ack (bench/load_slack.py chose 8)
    snapshot_days: int = 35  # days a snapshot keeps its members, for "why it changed" (SEGMENTS_SNAPSHOT_DAYS)

    def catalog(self) -> FieldCatalog:
        """The field and event catalog: the default one, extended by ``SEGMENTS_CATALOG_PATH``."""
        return load_catalog(self.catalog_path)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def ids(name: str) -> tuple[str, ...]:
            return tuple(u.strip() for u in (get(name) or "").split(",") if u.strip())

        def number(name: str, default: float, kind: type = int) -> Any:
            raw = get(name)
            if raw is None:
                return kind(default)
            try:
                value = kind(raw)
            except ValueError:
                raise ConfigError(f"{name}={raw!r} is not a {'whole ' if kind is int else ''}number.") from None
            if value < 0:
                raise ConfigError(f"{name} must not be negative (got {raw}).")
            return value

        def days(name: str, default: int) -> int:
            value = int(number(name, default))
            if not 1 <= value <= 3660:
                raise ConfigError(f"{name}={value} is out of range: use 1 to 3660 days.")
            return value

        def zone(name: str) -> str:
            raw = get(name)
            if raw is None:
                return DEFAULT_ZONE
            try:
                return zone_name(time_zone(raw))
            except InvalidTimeZone as exc:
                raise ConfigError(f"{name}: {exc}") from None

        data_dir = Path(get("SEGMENTS_DATA_DIR") or ".segments-data")
        mirror = get("SEGMENTS_MIRROR_PATH")
        return cls(
            mongodb_uri=get("MONGODB_URI"),
            data_dir=data_dir,
            database_name=get("SEGMENTS_DB_NAME") or "segments",
            team_id=get("SLACK_TEAM_ID") or "local",
            port=number("PORT", 8000),
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_client_id=get("SLACK_CLIENT_ID"),
            slack_client_secret=get("SLACK_CLIENT_SECRET"),
            slack_api_url=get("SLACK_API_URL"),
            cohere_api_key=get("COHERE_API_KEY"),
            cohere_base_url=get("COHERE_BASE_URL"),
            cohere_model=get("COHERE_MODEL") or "command-a-03-2025",
            cohere_timeout=number("COHERE_TIMEOUT", 4.0, float),
            admin_password=get("SEGMENTS_ADMIN_PASSWORD"),
            secret_key=get("SEGMENTS_SECRET_KEY"),
            mirror_enabled=(get("SEGMENTS_MIRROR") or "on").lower() not in ("0", "off", "false", "no"),
            mirror_path=Path(mirror) if mirror else None,
            mirror_max_lag=number("SEGMENTS_MIRROR_MAX_LAG", 5.0, float),
            mirror_max_users=number("SEGMENTS_MIRROR_MAX_USERS", 5_000_000),
            mirror_max_events=number("SEGMENTS_MIRROR_MAX_EVENTS", 50_000_000),
            campaign_managers=ids("SEGMENTS_CAMPAIGN_MANAGERS"),
            pii_viewers=ids("SEGMENTS_PII_VIEWERS"),
            digest_channel=get("SEGMENTS_DIGEST_CHANNEL"),
            digest_time=get("SEGMENTS_DIGEST_TIME") or "09:00",
            snapshot_minutes=number("SEGMENTS_SNAPSHOT_MINUTES", 60),
            webhook_url=get("SEGMENTS_WEBHOOK_URL"),
            webhook_secret=get("SEGMENTS_WEBHOOK_SECRET"),
            scheduler_enabled=(get("SEGMENTS_SCHEDULER") or "on").lower() not in ("0", "off", "false", "no"),
            trusted_proxies=number("SEGMENTS_TRUSTED_PROXIES", 0),
            catalog_path=get("SEGMENTS_CATALOG_PATH"),
            time_zone=zone("SEGMENTS_TIMEZONE"),
            demo_enabled=(get("SEGMENTS_DEMO") or "on").lower() not in ("0", "off", "false", "no"),
            api_rate_limit=number("SEGMENTS_API_RATE_LIMIT", 50.0, float),
            event_rate_limit=number("SEGMENTS_EVENTS_RATE_LIMIT", 1000.0, float),
            slack_workers=max(1, number("SEGMENTS_SLACK_WORKERS", 8)),
            snapshot_days=days("SEGMENTS_SNAPSHOT_DAYS", 35),
        )
