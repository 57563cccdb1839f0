"""Saved segments: list, show, members, rename, delete, overlap, save. Each returns a message payload."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from typing import Any

from bot.blocks.common import people
from bot.blocks.library import (
    MembersPage,
    SegmentRow,
    confirm_delete_message,
    members_message,
    overlap_message,
    segment_detail_message,
    segment_list_message,
)
from bot.blocks.segment_card import notice_message
from bot.segment_flow import load_draft, reveals_to
from bot.services import BotServices
from segcore.errors import SegmentError
from segcore.library import save_segment
from segcore.privacy import record_reveal, shown
from segcore.rendering import describe
from segcore.rules import Rule
from segcore.timezones import calendar_note

PAGE_SIZE = 10
TREND_POINTS = 10


class NotFound(SegmentError):
    """A segment or campaign named by the user does not exist."""


def row_of(services: BotServices, segment: Any, with_trend: bool = True) -> SegmentRow:
    trend: tuple[int, ...] = ()
    if with_trend:
        history = services.store.snapshots.history(segment.team_id, segment.id, limit=TREND_POINTS)
        trend = tuple(size for _, size in history)
    return SegmentRow(
        id=segment.id, name=segment.name, description=describe(segment.rule, services.catalog),
        size=segment.last_size, counted_at=segment.last_counted_at, trend=trend, source=segment.source,
        created_by=segment.created_by,
    )


def rows(services: BotServices, team_id: str) -> list[SegmentRow]:
    return [row_of(services, s) for s in services.store.segments.list(team_id)]


def find(services: BotServices, team_id: str, name: str) -> Any:
    segment = services.store.segments.get_by_name(team_id, name.strip())
    if segment is None:
        raise NotFound(f"There is no saved segment named “{name.strip()}”. `/segment list` shows them all.")
    return segment


def list_message(services: BotServices, team_id: str) -> dict[str, Any]:
    return segment_list_message(rows(services, team_id), services.now())


def recount(services: BotServices, segment: Any) -> Any:
    """Count a saved segment now and remember the size (the list and Home show it)."""
    now = services.now()
    counted = services.engine.count(segment.team_id, segment.rule, now)
    services.store.segments.record_size(segment.team_id, segment.id, counted.size, now)
    return services.store.segments.get(segment.team_id, segment.id) or segment


def show_message(services: BotServices, segment: Any) -> dict[str, Any]:
    segment = recount(services, segment)
    history = services.store.snapshots.history(segment.team_id, segment.id, limit=TREND_POINTS)
    row = row_of(services, segment, with_trend=False)
    trend = (*(size for _, size in history), row.size) if row.size is not None else ()
    zone = calendar_note(segment.rule, services.store.workspaces.local_now(segment.team_id, services.now()))
    row = SegmentRow(**{**row.__dict__, "trend": tuple(s for s in trend if s is not None), "zone_note": zone})
    return segment_detail_message(row, history, services.now())


def members_page(services: BotServices, segment: Any, page: int = 1, cursors: Sequence[str] = (), *,
                 viewer: str | None = None, pii_viewers: Iterable[str] = ()) -> dict[str, Any]:
    """A page of members; ``viewer`` is the user who alone sees it (members pages are always ephemeral or
    in the app's DM), shown names and emails in full when they are a PII viewer."""
    now = services.now()
    after = cursors[page - 2] if page > 1 and len(cursors) >= page - 1 else None
    reveal = reveals_to(viewer, pii_viewers)
    # Names and emails are read so a marketer can recognise people, and masked here unless revealed.
    result = services.engine.members(segment.team_id, segment.rule, now, after=after, limit=PAGE_SIZE,
                                     include_pii=True)
    members = tuple(shown(m, services.catalog, reveal) for m in result.items)
    if reveal and viewer is not None and members:
        record_reveal(services.store.audit, segment.team_id, viewer, segment.id, f"members page {page}",
                      len(members), segment.name)
    return members_message(MembersPage(
        segment_id=segment.id, segment_name=segment.name, members=members, page=page,
        cursors=tuple(cursors), next_cursor=result.next_cursor, total=segment.last_size, revealed=reveal,
    ))


def split_rename(text: str) -> tuple[str, str]:
    """"rename OLD to NEW": names may hold spaces; quotes work too."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if len(words) == 3 and words[1].lower() == "to":
        return words[0], words[2]
    lowered = text.lower()
    if " to " in lowered:
        at = lowered.rindex(" to ")
        old, new = text[:at].strip().strip("\"'“”"), text[at + 4:].strip().strip("\"'“”")
        if old and new:
            return old, new
    raise SegmentError("Write it as `/segment rename OLD to NEW`, e.g. `/segment rename lapsed to Lapsed VIPs`.")


def rename(services: BotServices, team_id: str, text: str, user: str) -> dict[str, Any]:
    old, new = split_rename(text)
    segment = find(services, team_id, old)
    renamed = services.store.segments.rename(team_id, segment.id, new, user)
    return notice_message(f"Renamed “{segment.name}” to “{renamed.name}”.")


def confirm_delete(services: BotServices, team_id: str, name: str) -> dict[str, Any]:
    segment = find(services, team_id, name)
    campaigns = [c.name for c in services.store.campaigns.list(team_id) if segment.id in c.segment_ids]
    return confirm_delete_message(row_of(services, segment, with_trend=False), campaigns)


def delete(services: BotServices, team_id: str, segment_id: str, user: str) -> dict[str, Any]:
    segment = services.store.segments.get(team_id, segment_id)
    if segment is None:
        return notice_message("That segment was already deleted.")
    services.store.segments.delete(team_id, segment_id, user)
    return notice_message(f"Deleted the segment “{segment.name}”.")


def split_pair(text: str, exists: Any) -> tuple[str, str]:
    """Two names from "A B": quoted names, or the one split where both names exist."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if len(words) == 2:
        return words[0], words[1]
    for i in range(1, len(words)):
        a, b = " ".join(words[:i]), " ".join(words[i:])
        if exists(a) and exists(b):
            return a, b
    if len(words) > 2:
        for sep in (" and ", " vs ", " with "):
            if sep in text:
                a, b = text.split(sep, 1)
                return a.strip(), b.strip()
    raise SegmentError("Name two saved segments, e.g. `/segment overlap lapsed \"big spenders\"` "
                       "(quote names with spaces).")


def overlap(services: BotServices, team_id: str, text: str) -> dict[str, Any]:
    def exists(name: str) -> bool:
        return services.store.segments.get_by_name(team_id, name) is not None

    a_name, b_name = split_pair(text, exists)
    a, b = find(services, team_id, a_name), find(services, team_id, b_name)
    result = services.engine.overlap(team_id, a.rule, b.rule, services.now())
    return overlap_message(a.name, b.name, result.a, result.b, result.both)


def save(services: BotServices, team_id: str, name: str, rule: Rule, text: str, source: str,
         user: str, *, segment_id: str | None = None) -> tuple[Any, dict[str, Any]]:
    """Save a segment (unique name per workspace) and record its first size; ``segment_id`` as for
    ``segcore.library.save_segment``."""
    saved = save_segment(services.store, services.engine, team_id, name.strip(), rule, text, source, user,
                         services.now(), segment_id=segment_id)
    segment = saved.segment
    if saved.size is None:
        return segment, notice_message(
            f"Saved the segment “{segment.name}”. Its size could not be counted just now (the database did "
            f"not answer); `/segment show {segment.name}` counts it.")
    return segment, notice_message(f"Saved the segment “{segment.name}” ({people(saved.size.size)}). "
                                   f"`/segment show {segment.name}` shows it any time.")


def save_card(services: BotServices, team_id: str, draft_id: str, name: str, user: str,
              expired: str, *, segment_id: str | None = None) -> tuple[Any, dict[str, Any]]:
    """Save the rules of a segment card (kept as its draft) as ``name``, with the card's request text and
    source; ``expired`` is the message when the card's draft is gone."""
    loaded = load_draft(services, team_id, draft_id)
    if loaded is None:
        raise SegmentError(expired)
    rule, doc = loaded
    return save(services, team_id, name, rule, doc.get("text", ""), doc.get("source", "user"), user,
                segment_id=segment_id)
