"""The launch checklist, the launch's progress and result, and the export and alert confirmations.

Pure builders: data in, Block Kit out. The numbers come from ``segcore.campaigns.prepare_launch`` and the
launch's recorded state; nothing here calls Slack or the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.blocks.common import (
    Block,
    actions,
    button,
    compact_json,
    confirm_dialog,
    context,
    escape,
    fields_section,
    header,
    message,
    number,
    people,
    section,
    when,
)

MAX_LISTED = 10
LIST_TEXT = 2600  # of a section's 3000 characters, leaving room for the heading


def _listing(pairs: Sequence[tuple[str, int]], empty: str) -> str:
    """"• name: N people" lines, at most MAX_LISTED and LIST_TEXT characters, then "…and N more"."""
    lines: list[str] = []
    for name, n in pairs[:MAX_LISTED]:
        line = f"• {escape(name[:200])}: {people(n)}"
        if sum(len(x) + 1 for x in lines) + len(line) > LIST_TEXT:
            break
        lines.append(line)
    if len(lines) < len(pairs):
        lines.append(f"…and {len(pairs) - len(lines)} more")
    return "\n".join(lines) or empty


@dataclass(frozen=True)
class Checklist:
    """What the checklist shows; built by the flow from ``segcore.campaigns.LaunchChecklist``."""

    campaign_id: str
    campaign_name: str
    channel: str
    status: str
    segments: Sequence[tuple[str, int]]
    audience_size: int
    reachable_size: int
    excluded_no_consent: int
    consent_field: str | None
    overlap_recent: Sequence[tuple[str, int]]
    holdout_percent: float
    holdout_size: int
    problems: Sequence[str]
    as_of: datetime

    @property
    def send_size(self) -> int:
        return self.reachable_size - self.holdout_size


@dataclass(frozen=True)
class Launched:
    campaign_name: str
    audience_size: int  # frozen rows, holdout included
    holdout_size: int
    excluded_no_consent: int
    holdout_percent: float
    frozen_at: datetime
    resumed: bool = False


def launch_value(campaign_id: str, holdout_percent: float) -> str:
    """What the Launch button carries: the campaign and the holdout the checklist was computed with."""
    return compact_json({"c": campaign_id, "h": holdout_percent})


def _percent(p: float) -> str:
    return f"{p:g}%"


def checklist_message(c: Checklist, *, may_launch: bool, refusal: str = "") -> dict[str, Any]:
    """The checklist before launch. ``may_launch``: the asker is a campaign manager (else ``refusal`` says why
    there is no Launch button)."""
    segs = _listing(c.segments, "none attached")
    consent = (f"{people(c.excluded_no_consent)} excluded: no `{c.consent_field}`" if c.consent_field
               else f"no consent field for {c.channel}: everyone is reachable")
    facts = [
        f"*Audience*\n{people(c.audience_size)}",
        f"*Reachable ({c.channel})*\n{people(c.reachable_size)} ({consent})",
        f"*Holdout*\n{people(c.holdout_size)} ({_percent(c.holdout_percent)})" if c.holdout_percent
        else "*Holdout*\nnone (add `holdout 10` to hold out 10%)",
        f"*Will be sent*\n{people(c.send_size)}",
    ]
    overlap = _listing(c.overlap_recent, "nobody here was sent a campaign in the last 7 days")
    blocks: list[Block] = [
        header(f"Launch checklist: {c.campaign_name}"),
        section(f"*Segments*\n{segs}", block_id="launch_segments"),
        fields_section(facts),
        section(f"*Also in campaigns launched in the last 7 days*\n{overlap}", block_id="launch_overlap"),
    ]
    if c.problems:
        blocks.append(section(":no_entry: " + "\n".join(escape(p) for p in c.problems), block_id="launch_problems"))
    elif not may_launch:
        blocks.append(section(f":lock: {escape(refusal)}", block_id="launch_refused"))
    buttons = []
    if may_launch and not c.problems:
        buttons.append(button(
            f"Launch to {number(c.send_size)}", "launch_confirm", launch_value(c.campaign_id, c.holdout_percent),
            style="primary",
            confirm=confirm_dialog("Launch this campaign?",
                                   f"This freezes the audience of {escape(c.campaign_name)} "
                                   f"({people(c.reachable_size)}) and cannot be undone.", "Launch"),
        ))
    buttons.append(button("Cancel", "launch_cancel", c.campaign_id))
    blocks.append(actions("launch_actions", *buttons))
    blocks.append(context(f"Counted {when(c.as_of)}. Status: {c.status}."))
    return message(blocks, f"Launch checklist for {c.campaign_name}: {people(c.send_size)} would be sent")


def launching_message(campaign_name: str) -> dict[str, Any]:
    return message([section(f":hourglass_flowing_sand: Launching *{escape(campaign_name)}*… freezing the audience.",
                            block_id="launching")], f"Launching {campaign_name}…")


def launched_message(r: Launched, delivered: str = "") -> dict[str, Any]:
    facts = [
        f"*Frozen audience*\n{people(r.audience_size)}",
        f"*Excluded (no consent)*\n{people(r.excluded_no_consent)}",
        f"*Holdout*\n{people(r.holdout_size)}" + (f" ({_percent(r.holdout_percent)})" if r.holdout_percent else ""),
        f"*Sent*\n{people(r.audience_size - r.holdout_size)}",
    ]
    blocks: list[Block] = [
        section(f":white_check_mark: *{escape(r.campaign_name)}* is launched.", block_id="launched"),
        fields_section(facts),
    ]
    notes = [f"Frozen {when(r.frozen_at)}."]
    if r.resumed:
        notes.append("An interrupted launch was resumed; nobody was counted twice.")
    if delivered:
        notes.append(escape(delivered))
    notes.append(f"`/campaign export {escape(r.campaign_name)}` uploads the audience as CSV.")
    blocks.append(context(" ".join(notes)))
    return message(blocks, f"{r.campaign_name} is launched: {people(r.audience_size - r.holdout_size)} sent")


def not_launched_message(campaign_name: str) -> dict[str, Any]:
    return message([section(f"Not launched: *{escape(campaign_name)}* is unchanged.", block_id="launch_cancelled")],
                   f"Not launched: {campaign_name}")


def exported_message(campaign_name: str, rows: int, with_pii: bool = False) -> dict[str, Any]:
    if with_pii:
        text = (f"Uploaded the frozen audience of *{escape(campaign_name)}* ({people(rows)}) as CSV with names "
                "and emails to our direct message, not to this channel: only you may see personal data.")
    else:
        text = (f"Uploaded the frozen audience of *{escape(campaign_name)}* ({people(rows)}) to this channel as "
                "CSV: user_id and holdout; names and emails are left out.")
    return message([section(f":page_facing_up: {text}", block_id="exported")],
                   f"Uploaded the audience of {campaign_name} as CSV")


def alert_set_message(segment_name: str, direction: str, threshold: int, channel: str,
                      size: int | None) -> dict[str, Any]:
    now = f" It is {people(size)} now." if size is not None else ""
    text = (f":bell: I'll post in <#{channel}> when *{escape(segment_name)}* goes {direction} "
            f"{people(threshold)}.{now} Sizes are checked on the snapshot schedule (hourly by default).")
    return message([section(text, block_id="alert_set"),
                    context(f"`/segment alert {escape(segment_name)} off` turns it off. "
                            "Invite me to that channel if I'm not in it (`/invite @Segments`).")],
                   f"Alert set on {segment_name}: {direction} {threshold}")


def alert_off_message(segment_name: str, had_alert: bool) -> dict[str, Any]:
    text = (f":no_bell: The alert on *{escape(segment_name)}* is off." if had_alert
            else f"*{escape(segment_name)}* had no alert; nothing changed.")
    return message([section(text, block_id="alert_off")], f"Alert off: {segment_name}")


def alert_shown_message(segment_name: str, alert: dict[str, Any] | None) -> dict[str, Any]:
    if not alert:
        text = (f"*{escape(segment_name)}* has no alert. Set one with "
                f"`/segment alert {escape(segment_name)} below 1000`.")
    else:
        where = f" in <#{alert['channel']}>" if alert.get("channel") else ""
        text = (f":bell: *{escape(segment_name)}*: an alert{where} when it goes {alert['direction']} "
                f"{people(int(alert['threshold']))}.")
    return message([section(text, block_id="alert_shown")], f"Alert on {segment_name}")
