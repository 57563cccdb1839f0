"""The use cases behind every way of asking for a segment: read the text, count, show; refine; pick.

Handlers (commands, mentions, DMs, buttons, modals) call these and send the payloads they return; the
domain work is segcore's (interpret, validate) and the audience engine's (count, sample).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks.segment_card import (
    Choice,
    Preview,
    SizeLine,
    disagreement_message,
    refusal_message,
    segment_message,
)
from bot.reading import read_request
from bot.services import BotServices
from bot.stores import DraftStore
from segcore.errors import ParseRefusal, RuleError
from segcore.privacy import may_see_pii, record_reveal, shown
from segcore.reading import Reading
from segcore.rendering import describe
from segcore.rules import Rule, rule_from_json, rule_to_json
from segcore.timezones import calendar_note

SAMPLE_SIZE = 5


def reveals_to(viewer: str | None, pii_viewers: Iterable[str]) -> bool:
    """Whether an answer may show names and emails in full.

    ``viewer`` is the Slack user who alone will see the answer (an ephemeral reply or the app's DM), and
    None when others can see it too (a thread in a channel, a shared card): a PII viewer asking in a
    channel must not show everyone else in it what only they may see.
    """
    return viewer is not None and may_see_pii(viewer, pii_viewers)


def drafts(services: BotServices) -> DraftStore:
    return DraftStore(services.store.db, services.now)


def save_draft(services: BotServices, team_id: str, rule: Rule, request: str, source: str,
               assumptions: Sequence[str] = (), notice: str | None = None, user: str = "") -> str:
    return drafts(services).save(
        team_id, rule=rule_to_json(rule), text=request, source=source,
        assumptions=list(assumptions), notice=notice, created_by=user,
    )


def load_draft(services: BotServices, team_id: str, draft_id: str) -> tuple[Rule, dict[str, Any]] | None:
    doc = drafts(services).get(team_id, draft_id)
    if doc is None:
        return None
    return rule_from_json(doc["rule"]), doc


def preview(services: BotServices, team_id: str, rule: Rule, *, request: str, source: str, draft_id: str,
            assumptions: Sequence[str] = (), notice: str | None = None, saved_name: str | None = None,
            viewer: str | None = None, pii_viewers: Iterable[str] = ()) -> Preview:
    """Count the audience and take a sample, masked unless only a PII viewer will see it (see
    ``reveals_to``): the slow part, always run after the ack."""
    now = services.now()
    counted = services.engine.count(team_id, rule, now)
    zone = calendar_note(rule, services.store.workspaces.local_now(team_id, now))
    sample: tuple[dict[str, Any], ...] = ()
    reveal = reveals_to(viewer, pii_viewers)
    if counted.size:
        members = services.engine.sample(team_id, rule, now, n=SAMPLE_SIZE, include_pii=reveal)
        sample = tuple(shown(m, services.catalog, reveal) for m in members)
        if reveal and viewer is not None and sample:
            record_reveal(services.store.audit, team_id, viewer, draft_id, "segment sample", len(sample),
                          saved_name)
    return Preview(
        request=request,
        description=describe(rule, services.catalog),
        source=source,
        draft_id=draft_id,
        assumptions=tuple(assumptions),
        notice=notice,
        size=SizeLine(counted.size, counted.engine, counted.as_of, getattr(counted, "elapsed_ms", None)),
        sample=sample,
        saved_name=saved_name,
        sample_revealed=reveal and bool(sample),
        zone_note=zone,
    )


@dataclass(frozen=True)
class Outcome:
    """The payload to show, and the rule it shows (None for a refusal or a choice still to make)."""

    payload: dict[str, Any]
    rule: Rule | None = None


def refusal(request: str, exc: ParseRefusal | RuleError) -> Outcome:
    if isinstance(exc, ParseRefusal):
        return Outcome(refusal_message(request, exc.message, exc.understood, exc.not_understood))
    return Outcome(refusal_message(request, exc.message))


def answer(services: BotServices, team_id: str, request: str, reading: Reading, *, user: str,
           ephemeral: bool, rule: Rule | None = None, private: bool | None = None,
           pii_viewers: Iterable[str] = ()) -> Outcome:
    """The card for a reading (or for ``rule``, a refinement of it), or a choice when two readers disagree."""
    # Reading.alternatives / notice come with the Cohere cross-check: when readers disagree, alternatives
    # holds every reading (the grammar's first) and the user must pick; nothing is counted as final.
    alternatives: tuple[Reading, ...] = tuple(getattr(reading, "alternatives", ()) or ())
    notice = getattr(reading, "notice", None)
    if alternatives and rule is None:
        now = services.now()
        choices = []
        for i, option in enumerate(alternatives):
            draft_id = save_draft(services, team_id, option.rule, request, "user", option.assumptions, None, user)
            size = services.engine.count(team_id, option.rule, now).size
            label = {"grammar": "Grammar", "cohere": "Cohere"}.get(option.source, f"Reading {i + 1}")
            choices.append(Choice(label, describe(option.rule, services.catalog), size, draft_id))
        return Outcome(disagreement_message(request, choices))
    chosen = rule if rule is not None else reading.rule
    draft_id = save_draft(services, team_id, chosen, request, reading.source, reading.assumptions, notice, user)
    # ``private`` (default: ``ephemeral``) says only ``user`` will see the card, e.g. the app's DM.
    alone = ephemeral if private is None else private
    card = preview(services, team_id, chosen, request=request, source=reading.source, draft_id=draft_id,
                   assumptions=reading.assumptions, notice=notice, viewer=user if alone else None,
                   pii_viewers=pii_viewers)
    return Outcome(segment_message(card, ephemeral=ephemeral, now=services.now()), chosen)


def read(services: BotServices, text: str, team_id: str) -> Reading:
    """Pasted rule JSON as is, anything else through the configured reader."""
    return read_request(text, team_id, services.catalog, services.interpret)


def read_and_answer(services: BotServices, team_id: str, request: str, *, user: str, ephemeral: bool,
                    private: bool | None = None, pii_viewers: Iterable[str] = ()) -> Outcome:
    try:
        reading = read(services, request, team_id)
    except (ParseRefusal, RuleError) as exc:
        return refusal(request, exc)
    return answer(services, team_id, request, reading, user=user, ephemeral=ephemeral, private=private,
                  pii_viewers=pii_viewers)


def draft_card(services: BotServices, team_id: str, draft_id: str, *, ephemeral: bool,
               source: str | None = None, viewer: str | None = None,
               pii_viewers: Iterable[str] = ()) -> dict[str, Any] | None:
    """``viewer``: the user who alone will see the card (None when it is posted where others see it)."""
    loaded = load_draft(services, team_id, draft_id)
    if loaded is None:
        return None
    rule, doc = loaded
    card = preview(services, team_id, rule, request=doc.get("text", ""), source=source or doc.get("source", "user"),
                   draft_id=draft_id, assumptions=doc.get("assumptions") or (), notice=doc.get("notice"),
                   viewer=viewer, pii_viewers=pii_viewers)
    return segment_message(card, ephemeral=ephemeral, now=services.now())
