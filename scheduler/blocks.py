"""Block Kit for the digest, alerts and scheduled launches: pure functions, tested on their own.

Each returns ``(text, blocks)``: ``text`` is the notification fallback. Slack's limits (50 blocks, 3000
characters a section, 150 a header) are respected by cutting lists, never by failing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from segcore.rendering import indian_grouping

if TYPE_CHECKING:
    from scheduler.alerts import AlertEvent
    from scheduler.digest import Digest, SegmentLine
    from segcore.campaigns.launch import LaunchResult

SECTION_LIMIT = 3000
MAX_SEGMENT_LINES = 20

Blocks = list[dict[str, Any]]


def _n(number: int | None) -> str:
    return "–" if number is None else indian_grouping(number)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> dict[str, Any]:
    if len(text) > SECTION_LIMIT:
        text = text[: SECTION_LIMIT - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _fit(lines: list[str], room: int, noun: str) -> list[str]:
    """As many lines as fit in ``room`` characters (at most MAX_SEGMENT_LINES), then "…and N more"."""
    shown: list[str] = []
    used = 40  # keep room for the "…and N more" line
    for line in lines[:MAX_SEGMENT_LINES]:
        if used + len(line) + 1 > room:
            break
        shown.append(line)
        used += len(line) + 1
    if len(lines) > len(shown):
        shown.append(f"…and {len(lines) - len(shown)} more {noun}.")
    return shown


def _change(line: SegmentLine) -> str:
    change = line.change
    if change is None:
        return "new"
    if change == 0:
        return "no change"
    arrow = "▲" if change > 0 else "▼"
    percent = line.change_percent
    tail = f" ({percent:+.1f}%)" if percent is not None else ""
    return f"{arrow} {_n(abs(change))}{tail}"


def digest_blocks(digest: Digest) -> tuple[str, Blocks]:
    day = digest.end.strftime("%a %d %b %Y")
    text = (f"Segments digest for {day}: {len(digest.segments)} segments, "
            f"{len(digest.launched)} campaigns launched.")
    blocks: Blocks = [{"type": "header", "text": {"type": "plain_text", "text": f"Segments digest · {day}"}}]
    if not digest.segments:
        blocks.append(_section("No segments yet. Create one with `/segment` and it will show up here."))
    else:
        title = "*Sizes, with the change over the last day*"
        lines = _fit([f"*{_escape(s.name)}*: {_n(s.size)} ({_change(s)})" for s in digest.segments],
                     room=SECTION_LIMIT - len(title) - 1, noun="segments")
        blocks.append(_section(title + "\n" + "\n".join(lines)))
    if digest.movers:
        movers = [f"{_escape(m.name)}: {_n(m.previous)} → {_n(m.size)} ({_change(m)})"
                  + (f"\n    _{_escape(m.cause)}_" if m.cause else "") for m in digest.movers]
        blocks.append(_section("*Biggest movers*\n" + "\n".join(movers)))
    if digest.launched:
        launched = _fit([f"*{_escape(c.name)}*: {_n(c.audience_size - c.holdout_size)} people"
                         + (f" (+{_n(c.holdout_size)} held out)" if c.holdout_size else "")
                         for c in digest.launched], room=SECTION_LIMIT - 30, noun="campaigns")
        blocks.append(_section("*Campaigns launched*\n" + "\n".join(launched)))
    else:
        blocks.append(_section("*Campaigns launched*\nNone in the last day."))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                   f"Window {digest.start:%d %b %H:%M} – {digest.end:%d %b %H:%M} UTC"}]})
    return text, blocks


def alert_blocks(event: AlertEvent) -> tuple[str, Blocks]:
    verb = "dropped below" if event.direction == "below" else "rose above"
    text = f"{event.segment_name} {verb} {_n(event.threshold)}: now {_n(event.size)}."
    detail = (f":rotating_light: *{_escape(event.segment_name)}* {verb} {_n(event.threshold)}: "
              f"now *{_n(event.size)}*")
    if event.previous_size is not None:
        detail += f" (was {_n(event.previous_size)})"
    detail += "."
    if event.cause:
        detail += f"\nMain cause: {_escape(event.cause)}"
    blocks: Blocks = [
        _section(detail),
        {"type": "context", "elements": [{"type": "mrkdwn", "text":
         f"Alert set with `/segment alert {_escape(event.segment_name)} {event.direction} {event.threshold}`; "
         f"it fires again only after the size comes back. Measured {event.at:%d %b %H:%M} UTC."}]},
    ]
    return text, blocks


def launched_blocks(result: LaunchResult) -> tuple[str, Blocks]:
    notes = [f"{_n(result.holdout_size)} held out"] if result.holdout_size else []
    if result.excluded_no_consent:
        notes.append(f"{_n(result.excluded_no_consent)} without consent")
    text = (f"Scheduled campaign {result.campaign_name} launched: {_n(result.send_size)} people"
            + (f" ({', '.join(notes)})." if notes else "."))
    blocks: Blocks = [
        _section(f":rocket: Scheduled campaign *{_escape(result.campaign_name)}* launched to "
                 f"*{_n(result.send_size)}* people."),
        {"type": "context", "elements": [{"type": "mrkdwn", "text":
         f"{_n(result.holdout_size)} held out · {_n(result.excluded_no_consent)} excluded without consent · "
         f"audience frozen at {result.frozen_at:%d %b %H:%M} UTC"}]},
    ]
    return text, blocks


def failure_blocks(campaign_name: str, message: str) -> tuple[str, Blocks]:
    text = f"Scheduled campaign {campaign_name} did not launch: {message}"
    return text, [_section(f":warning: Scheduled campaign *{_escape(campaign_name)}* did not launch.\n"
                           f"{_escape(message)}")]
