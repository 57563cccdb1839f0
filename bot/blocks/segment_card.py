"""The replies to a segment request: the segment card, its "counting…" state, a refusal, a disagreement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.blocks.common import (
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    header,
    message,
    people,
    section,
    source_words,
    trim,
    when,
)

SAMPLE_FIELDS = ("user_id", "name", "email", "city", "plan")
MAX_ASSUMPTIONS = 10


@dataclass(frozen=True)
class SizeLine:
    """How many people match, who counted them and when."""

    size: int
    engine: str
    as_of: datetime
    elapsed_ms: float | None = None


@dataclass(frozen=True)
class Preview:
    """Everything the segment card shows; ``sample`` holds members already shaped for the viewer: masked,
    unless ``sample_revealed`` (only a PII viewer sees this card)."""

    request: str
    description: str
    source: str
    draft_id: str
    assumptions: tuple[str, ...] = ()
    notice: str | None = None
    size: SizeLine | None = None
    sample: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    saved_name: str | None = None
    sample_revealed: bool = False
    # "Calendar words in Asia/Kolkata" when the rule's today/last month/dates are read outside UTC.
    zone_note: str | None = None


def size_text(size: SizeLine | None, now: datetime | None = None) -> tuple[str, str | None]:
    """The audience line and its freshness line."""
    if size is None:
        return "*Audience:* :hourglass_flowing_sand: counting…", None
    timing = f" in {size.elapsed_ms:,.0f} ms" if size.elapsed_ms is not None else ""
    return (
        f"*Audience:* {people(size.size)}",
        f"Counted by {size.engine}{timing}, as of {when(size.as_of, now)}.",
    )


def member_line(member: dict[str, Any]) -> str:
    parts = [escape(str(member[k])) for k in SAMPLE_FIELDS if member.get(k) not in (None, "")]
    if not parts:
        parts = ["(no details)"]
    return "• " + " · ".join(parts)


def segment_card(preview: Preview, *, ephemeral: bool = True, now: datetime | None = None) -> list[Block]:
    title = f"Segment: {preview.saved_name}" if preview.saved_name else "Segment preview"
    blocks: list[Block] = [
        header(title),
        section(f"*Rules:* {escape(preview.description)}", block_id="card_rules"),
    ]
    source_lines = [source_words(preview.source)]
    if preview.zone_note:
        source_lines.append(f":clock3: {escape(preview.zone_note)}")
    if preview.notice:
        source_lines.append(f":warning: {escape(preview.notice)}")
    blocks.append(context(*source_lines))
    if preview.assumptions:
        shown = preview.assumptions[:MAX_ASSUMPTIONS]
        lines = "\n".join(f"• {escape(a)}" for a in shown)
        more = len(preview.assumptions) - len(shown)
        if more:
            lines += f"\n…and {more} more"
        blocks.append(section(f"*How I read it*\n{lines}", block_id="card_assumptions"))
    audience, freshness = size_text(preview.size, now)
    blocks.append(section(audience, block_id="card_size"))
    if freshness:
        blocks.append(context(freshness))
    if preview.size is not None and preview.sample:
        lines = "\n".join(member_line(m) for m in preview.sample[:5])
        note = "names and emails shown in full, only to you" if preview.sample_revealed else "names and emails masked"
        blocks.append(section(f"*A few of them* ({note})\n{lines}", block_id="card_sample"))
    elif preview.size is not None and preview.size.size == 0:
        blocks.append(context("No one matches yet. Loosen a condition with *Edit rules*."))
    if preview.request:
        blocks.append(context(f"You asked: “{escape(trim(preview.request, 300))}”"))
    if preview.size is not None:
        buttons = [
            button("Save segment", "card_save", preview.draft_id, style="primary"),
            button("Edit rules", "card_edit", preview.draft_id),
            button("Create campaign", "card_campaign", preview.draft_id),
            button("What if…", "card_whatif", preview.draft_id),
        ]
        if ephemeral:
            buttons.append(button("Share in channel", "card_share", preview.draft_id))
        blocks.append(actions("card_actions", *buttons))
    return blocks


def segment_message(preview: Preview, *, ephemeral: bool = True, now: datetime | None = None) -> dict[str, Any]:
    if preview.size is None:
        fallback = f"Counting the audience for: {preview.description}"
    else:
        fallback = f"{people(preview.size.size)} match: {preview.description}"
    return message(segment_card(preview, ephemeral=ephemeral, now=now), fallback)


def counting_message(request: str) -> dict[str, Any]:
    """The first reply, sent right after the ack while the request is read and counted."""
    blocks = [section(":hourglass_flowing_sand: Reading your request and counting the audience…")]
    if request:
        blocks.append(context(f"You asked: “{escape(trim(request, 300))}”"))
    return message(blocks, "Counting…")


def refusal_message(
    request: str,
    reason: str,
    understood: Sequence[str] = (),
    not_understood: Sequence[str] = (),
) -> dict[str, Any]:
    """What was not understood, with the rule builder as a way out. Nothing was guessed."""
    blocks: list[Block] = [
        section(f":thinking_face: I couldn't read all of that, so I didn't guess.\n{escape(reason)}",
                block_id="refusal_reason"),
    ]
    if understood:
        blocks.append(section("*Understood:* " + escape("; ".join(understood)), block_id="refusal_understood"))
    if not_understood:
        words = ", ".join(f"“{w}”" for w in not_understood[:30])
        blocks.append(section("*Not understood:* " + escape(words), block_id="refusal_not_understood"))
    blocks.append(context(
        "Try e.g. `spent over 5k in Pune`, `visits > 50`, `haven't visited in 5 months`, "
        "or build the rules yourself."
    ))
    if request:
        blocks.append(context(f"You asked: “{escape(trim(request, 300))}”"))
    blocks.append(actions("refusal_actions", button("Open rule builder", "open_rule_builder", "new", style="primary")))
    return message(blocks, f"I couldn't read that: {reason}")


@dataclass(frozen=True)
class Choice:
    """One reading offered when two readers disagree."""

    label: str
    description: str
    size: int | None
    draft_id: str


def disagreement_message(request: str, choices: Sequence[Choice]) -> dict[str, Any]:
    blocks: list[Block] = [
        section(
            ":twisted_rightwards_arrows: I can read that in more than one way, and the readings select "
            "different people. Which one did you mean?",
            block_id="disagree_intro",
        ),
    ]
    for i, choice in enumerate(choices[:5]):
        size = f"\n{people(choice.size)}" if choice.size is not None else ""
        blocks.append(divider())
        blocks.append(section(
            f"*{escape(choice.label)}:* {escape(choice.description)}{size}",
            block_id=f"disagree_choice_{i}",
            accessory=button("Use this reading", f"pick_reading_{i}", choice.draft_id),
        ))
    if request:
        blocks.append(context(f"You asked: “{escape(trim(request, 300))}”"))
    return message(blocks, "Two readings disagree: pick one.")


def error_message(text: str, reference: str | None = None) -> dict[str, Any]:
    """A short, useful error. The reference id matches the log line that holds the details."""
    blocks: list[Block] = [section(f":warning: {escape(text)}", block_id="error")]
    if reference:
        blocks.append(context(f"Reference: `{reference}` (quote it if you ask for help)."))
    return message(blocks, text)


def notice_message(text: str) -> dict[str, Any]:
    return message([section(escape(text), block_id="notice")], text)
