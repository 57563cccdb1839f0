"""Block Kit builders: contents and Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from slack_sdk.models.blocks import Block

from scheduler.alerts import AlertEvent
from scheduler.blocks import alert_blocks, digest_blocks, failure_blocks
from scheduler.digest import Digest, LaunchedLine, SegmentLine

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _check_limits(blocks: list[dict]) -> None:
    assert len(blocks) <= 50
    for block in blocks:
        Block.parse(block).validate_json()
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150


def test_digest_shows_sizes_changes_movers_and_launches() -> None:
    digest = Digest(
        "T1", NOW - timedelta(days=1), NOW,
        segments=[SegmentLine("Lapsed VIPs", 12500, 12000), SegmentLine("Pune <pro>", 800, 1000),
                  SegmentLine("New", 50, None)],
        movers=[SegmentLine("Lapsed VIPs", 12500, 12000), SegmentLine("Pune <pro>", 800, 1000)],
        launched=[LaunchedLine("Diwali blast", 5000, 500, NOW - timedelta(hours=3))],
    )
    text, blocks = digest_blocks(digest)
    _check_limits(blocks)
    dumped = json.dumps(blocks, ensure_ascii=False)
    assert "3 segments" in text and "1 campaigns launched" in text
    assert "*Lapsed VIPs*: 12,500 (▲ 500 (+4.2%))" in dumped
    assert "Pune &lt;pro&gt;" in dumped and "▼ 200 (-20.0%)" in dumped
    assert "New*: 50 (new)" in dumped
    assert "Biggest movers" in dumped and "12,000 → 12,500" in dumped
    assert "*Diwali blast*: 4,500 people (+500 held out)" in dumped


def test_digest_with_many_segments_stays_within_limits() -> None:
    lines = [SegmentLine("segment " + "x" * 120 + str(i), 100_000 + i, 99_000) for i in range(300)]
    _, blocks = digest_blocks(Digest("T1", NOW - timedelta(days=1), NOW, lines, lines[:3], []))
    _check_limits(blocks)
    assert "more segments." in json.dumps(blocks)
    assert 0 < blocks[1]["text"]["text"].count("segment xxx") <= 20
    _, empty = digest_blocks(Digest("T1", NOW - timedelta(days=1), NOW, [], [], []))
    assert "No segments yet" in json.dumps(empty) and "None in the last day" in json.dumps(empty)


def test_alert_and_failure_messages() -> None:
    event = AlertEvent("T1", "s1", "Lapsed VIPs", "below", 1000, 990, 1200, "C1", NOW)
    text, blocks = alert_blocks(event)
    _check_limits(blocks)
    assert text == "Lapsed VIPs dropped below 1,000: now 990."
    assert "(was 1,200)" in json.dumps(blocks, ensure_ascii=False)
    text, blocks = failure_blocks("Diwali", "Campaign 'Diwali' has no segment attached.")
    _check_limits(blocks)
    assert "did not launch" in text
