"""A workspace's own fields and events reach the product through configuration, read in one place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from segcore.catalog import default_catalog
from segcore.errors import CatalogError
from segments.config import Settings


def test_the_catalog_file_named_by_the_environment_extends_fields_and_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "catalog.json"
    extra.write_text(json.dumps({
        "fields": [{"name": "loyalty_tier", "type": "string", "values": ["gold", "silver"]}],
        "events": [{"name": "Wishlist Added", "label": "added to the wishlist", "synonyms": ["wishlisted"]}],
    }), encoding="utf-8")
    monkeypatch.setenv("SEGMENTS_CATALOG_PATH", str(extra))

    catalog = Settings.from_env().catalog()

    assert "loyalty_tier" in catalog and "city" in catalog
    assert catalog.event("wishlist added").label == "added to the wishlist"
    assert catalog.get_event("Order Completed") is not None
    # segcore reads no environment: the shipped catalog is the same whatever the variable says.
    assert "loyalty_tier" not in default_catalog()


def test_an_unreadable_catalog_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    settings = Settings.from_env({"SEGMENTS_CATALOG_PATH": str(missing)})
    with pytest.raises(CatalogError, match="Cannot read custom fields from"):
        settings.catalog()


def test_only_the_configuration_module_reads_the_environment() -> None:
    root = Path(__file__).resolve().parents[2]
    readers = [
        str(path.relative_to(root))
        for package in ("segcore", "bot", "admin", "scheduler", "segments")
        for path in (root / package).rglob("*.py")
        if ("os.environ" in (text := path.read_text(encoding="utf-8")) or "getenv(" in text)
    ]
    assert readers == ["segments/config.py"]


def test_slack_workers_come_from_the_environment_into_the_bot_config() -> None:
    from segments.config import Settings
    from segments.serve import bot_config

    assert Settings.from_env({}).slack_workers == 8
    settings = Settings.from_env({"SEGMENTS_SLACK_WORKERS": "3", "SLACK_BOT_TOKEN": "xoxb-1",
                                  "SLACK_SIGNING_SECRET": "s"})
    assert settings.slack_workers == 3 and bot_config(settings).workers == 3
    assert Settings.from_env({"SEGMENTS_SLACK_WORKERS": "0"}).slack_workers == 1
