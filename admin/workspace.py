"""What an admin can do in one workspace, shared by the JSON API and the pages.

Handlers stay thin: they turn a request into a call here and the result into JSON or HTML. Everything
here is scoped to ``team_id``, records what it changed in the audit log, and raises ``ApiError`` with a
message a marketer can act on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from admin.errors import ApiError, from_refusal, from_rule_error, not_found
from admin.services import AdminServices
from segcore import describe, rule_to_json, validate_json
from segcore.campaigns.roles import Caller, may_launch, refusal, require_delete, require_launch
from segcore.errors import ParseRefusal, RuleError
from segcore.explain.difference import Diff, diff
from segcore.library import measure, measure_if_possible, save_segment
from segcore.privacy import record_reveal, shown
from segcore.reading import Reading
from segcore.rules import Rule

if TYPE_CHECKING:
    from segcore.campaigns import LaunchChecklist, LaunchState
    from segcore.storage.campaigns import Campaign
    from segcore.storage.segments import Segment

LAUNCHABLE = ("draft", "scheduled")


@dataclass(frozen=True)
class Sized:
    """A segment (or a draft rule) with its audience size as counted just now."""

    rule: Rule
    size: int
    engine: str
    as_of: datetime
    assumptions: tuple[str, ...] = ()
    source: str = "user"


# Refused by may_launch: a Workspace built without saying who asks can never launch.
NOBODY = Caller.slack_user(None)


class Workspace:
    def __init__(self, services: AdminServices, team_id: str, actor: str, reveal_pii: bool = False,
                 caller: Caller = NOBODY) -> None:
        """``reveal_pii``: the caller may see names and emails in full (``segcore.privacy.may_see_pii``
        decided it from the Slack sign-in or the token's scope); everyone else sees them masked.
        ``caller``: who asks (the token, the Slack user, the password admin), for the launch role."""
        self.services = services
        self.team_id = team_id
        self.actor = actor
        self.reveal_pii = reveal_pii
        self.caller = caller
        self.store = services.store

    @property
    def may_launch(self) -> bool:
        """Whether the caller may launch or schedule campaigns (pages hide the Launch button otherwise)."""
        return may_launch(self.caller, self.services.campaign_managers)

    @property
    def launch_refusal(self) -> str:
        return refusal(self.caller)

    def require_launch(self) -> None:
        require_launch(self.caller, self.services.campaign_managers)

    # ------------------------------------------------------------------------------------- reading

    def read(self, rule_json: Any = None, text: Any = None) -> Reading:
        """A validated reading of a rule in JSON form or of natural-language text (exactly one)."""
        if (rule_json is None) == (text is None):
            raise ApiError(422, 'Give either "rule" (conditions as JSON) or "text" (plain language), not both.')
        if text is not None:
            if not isinstance(text, str):
                raise ApiError(422, '"text" must be a string, e.g. "spent over 5k in Pune".',
                               details={"field": "text"})
            try:
                return self.services.interpret(text, self.team_id)
            except ParseRefusal as exc:
                raise from_refusal(exc) from None
            except RuleError as exc:
                raise from_rule_error(exc) from None
        try:
            return Reading(validate_json(rule_json, self.services.catalog), (), "user")
        except RuleError as exc:
            raise from_rule_error(exc) from None

    def describe(self, rule: Rule) -> str:
        return describe(rule, self.services.catalog)

    def alternatives(self, reading: Reading) -> list[dict[str, Any]]:
        """When two readers understood the text differently: each reading with its words and size."""
        found = tuple(getattr(reading, "alternatives", ()) or ())
        return [
            {"rule": rule_to_json(alt.rule), "description": self.describe(alt.rule), "source": alt.source,
             "size": self.size(alt).size}
            for alt in found
        ]

    def unambiguous(self, reading: Reading) -> Reading:
        """The reading, fit to save; a reading with alternatives is never saved as is."""
        if getattr(reading, "alternatives", ()):
            raise ApiError(
                422,
                "The text can be read in more than one way, and the readings select different people. "
                'Choose one of the alternatives and send it as "rule".',
                "ambiguous",
                {"alternatives": self.alternatives(reading)},
            )
        return reading

    def size(self, reading: Reading) -> Sized:
        counted = self.services.engine.count(self.team_id, reading.rule, self.services.now())
        return Sized(reading.rule, counted.size, counted.engine, counted.as_of, reading.assumptions,
                     reading.source)

    # ------------------------------------------------------------------------------------- segments

    def segments(self) -> list[Segment]:
        return list(self.store.segments.list(self.team_id))

    def segment(self, segment_id: str) -> Segment:
        found = self.store.segments.get(self.team_id, segment_id)
        if found is None:
            raise not_found("segment", segment_id)
        return found

    def create_segment(self, name: Any, reading: Reading, text: str | None) -> Segment:
        name = check_name(name, "segment")
        reading = self.unambiguous(reading)
        saved = save_segment(self.store, self.services.engine, self.team_id, name, reading.rule,
                             text or self.describe(reading.rule), reading.source, self.actor, self.services.now())
        return saved.segment

    def diff(self, before: Rule, after: Rule) -> Diff:
        """What changing ``before`` into ``after`` says in words and does to the audience, counted now."""
        return diff(self.services.engine, self.team_id, before, after, self.services.now())

    def update_segment(self, segment_id: str, name: Any = None, reading: Reading | None = None,
                       text: str | None = None) -> Segment:
        segment = self.segment(segment_id)
        # Everything is checked before anything is written: a refused change leaves the segment as it was.
        new_name = check_name(name, "segment") if name is not None else None
        if reading is not None:
            reading = self.unambiguous(reading)
        if new_name is not None and new_name != segment.name:
            self.store.segments.rename(self.team_id, segment_id, new_name, self.actor)
        if reading is not None:
            self.store.segments.update_rule(
                self.team_id, segment_id, reading.rule, text or self.describe(reading.rule), reading.source,
                self.actor,
            )
        segment = self.segment(segment_id)
        if reading is None:
            return segment
        return measure_if_possible(self.store, self.services.engine, segment, self.services.now()).segment

    def delete_segment(self, segment_id: str) -> None:
        if not self.store.segments.delete(self.team_id, segment_id, self.actor):
            raise not_found("segment", segment_id)

    def recount(self, segment: Segment) -> Segment:
        """Count the segment now, remember the size and add a point to its history."""
        measure(self.store, self.services.engine, segment, self.services.now())
        return self.segment(segment.id)

    def history(self, segment_id: str, limit: int = 90) -> list[tuple[datetime, int]]:
        self.segment(segment_id)
        return list(self.store.snapshots.history(self.team_id, segment_id, limit=limit))

    def members(self, segment_id: str, after: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        segment = self.segment(segment_id)
        page = self.services.engine.members(
            self.team_id, segment.rule, self.services.now(), after=after, limit=limit, include_pii=True
        )
        # Admins recognise people by masked name and email; full values leave only for a PII viewer.
        items = [shown(item, self.services.catalog, self.reveal_pii) for item in page.items]
        if self.reveal_pii and items:
            record_reveal(self.store.audit, self.team_id, self.actor, segment.id, "segment members", len(items),
                          segment.name)
        return items, page.next_cursor

    def user(self, user_id: str) -> dict[str, Any]:
        """One user as the caller may see them."""
        doc = self.store.users.get(self.team_id, user_id)
        if doc is None:
            raise not_found("user", user_id)
        if self.reveal_pii:
            record_reveal(self.store.audit, self.team_id, self.actor, user_id, "user", 1)
        return shown(doc, self.services.catalog, self.reveal_pii)

    # ------------------------------------------------------------------------------------ campaigns

    def campaigns(self) -> list[Campaign]:
        return list(self.store.campaigns.list(self.team_id))

    def campaign(self, campaign_id: str) -> Campaign:
        found = self.store.campaigns.get(self.team_id, campaign_id)
        if found is None:
            raise not_found("campaign", campaign_id)
        return found

    def campaigns_for(self, segment_id: str) -> list[Campaign]:
        return [c for c in self.campaigns() if segment_id in c.segment_ids]

    def create_campaign(self, fields: Mapping[str, Any]) -> Campaign:
        name = check_name(fields.get("name"), "campaign")
        if fields.get("schedule_at") is not None:
            self.require_launch()  # a scheduled campaign launches by itself when its time comes
        campaign = self.store.campaigns.create(
            self.team_id,
            name,
            fields.get("channel", "other"),
            fields.get("message", ""),
            self.actor,
            segment_ids=tuple(fields.get("segment_ids", ())),
            schedule_at=fields.get("schedule_at"),
        )
        return campaign

    def update_campaign(self, campaign_id: str, changes: Mapping[str, Any]) -> Campaign:
        campaign = self.campaign(campaign_id)
        changes = dict(changes)
        if "name" in changes:
            changes["name"] = check_name(changes["name"], "campaign")
        if campaign.status not in LAUNCHABLE:
            raise ApiError(409, f"Campaign {campaign.name!r} is {campaign.status}; only draft or scheduled "
                                "campaigns can be changed.", "wrong_state", {"status": campaign.status})
        if changes and schedules(campaign, changes):
            self.require_launch()
        if changes:
            return self.store.campaigns.update(self.team_id, campaign_id, by=self.actor, **changes)
        return campaign

    def attach(self, campaign_id: str, segment_id: str) -> Campaign:
        campaign = self.campaign(campaign_id)
        segment = self.segment(segment_id)
        if segment.id in campaign.segment_ids:
            return campaign
        if campaign.status == "scheduled":
            self.require_launch()  # more people for a launch that will happen by itself
        return self.store.campaigns.attach(self.team_id, campaign_id, segment_id, by=self.actor)

    def launch(self, campaign_id: str, holdout_percent: float | None = None) -> Campaign:
        campaign = self.campaign(campaign_id)  # another workspace's campaign: 404 before any 403
        self.require_launch()
        # A failed launch resumes where it stopped, which needs the real launcher.
        allowed = (*LAUNCHABLE, "failed") if self.services.launch is not None else LAUNCHABLE
        if campaign.status not in allowed:
            raise ApiError(409, f"Campaign {campaign.name!r} is {campaign.status}; only draft or scheduled "
                                "campaigns can be launched.", "wrong_state", {"status": campaign.status})
        if not campaign.segment_ids:
            raise ApiError(409, f"Campaign {campaign.name!r} has no segment: attach one before launching.",
                           "no_segment")
        if self.services.launch is not None:
            if holdout_percent is None:
                launched = self.services.launch(self.team_id, campaign_id, self.actor)
            else:
                launched = self.services.launch(self.team_id, campaign_id, self.actor,
                                                holdout_percent=holdout_percent)
        else:
            # No launcher is wired in: queue it. The launcher picks up campaigns in "launching".
            launched = self.store.campaigns.update(self.team_id, campaign_id, by=self.actor, status="launching")
        return launched

    def checklist(self, campaign_id: str, holdout_percent: float | None = None) -> LaunchChecklist:
        """What a launch now would do: audience, reachable after consent, recent overlap, holdout."""
        from segcore.campaigns import prepare_launch

        self.campaign(campaign_id)
        return prepare_launch(self.store, self.services.engine, self.team_id, campaign_id, self.services.now(),
                              holdout_percent)

    def launch_state(self, campaign_id: str) -> LaunchState | None:
        from segcore.campaigns import launch_state

        return launch_state(self.store, self.team_id, campaign_id)

    def audience_csv(self, campaign_id: str) -> Iterator[str]:
        """The launched campaign's frozen audience as CSV lines (user_id, holdout), with email and name only
        for a PII viewer."""
        from segcore.campaigns import export_csv

        campaign = self.campaign(campaign_id)  # another workspace's campaign: 404
        if campaign.status != "launched":
            raise ApiError(409, f"Campaign {campaign.name!r} is {campaign.status}; its audience can be exported "
                                "once it is launched.", "wrong_state", {"status": campaign.status})
        lines = export_csv(self.store, self.team_id, campaign_id, include_pii=self.reveal_pii)
        if self.reveal_pii:
            state = self.launch_state(campaign_id)
            rows = int(state.audience_size or 0) if state is not None else 0
            record_reveal(self.store.audit, self.team_id, self.actor, campaign_id, "campaign audience CSV", rows,
                          campaign.name)
        return lines

    def delete_campaign(self, campaign_id: str) -> None:
        campaign = self.campaign(campaign_id)
        require_delete(self.caller, campaign.name, campaign.status, self.services.campaign_managers)
        if not self.store.campaigns.delete(self.team_id, campaign_id, by=self.actor, status=campaign.status):
            if self.store.campaigns.get(self.team_id, campaign_id) is None:
                raise not_found("campaign", campaign_id)
            raise ApiError(409, f"Campaign {campaign.name!r} changed while it was being deleted; nothing was "
                                "deleted. Look at it again and retry.", "wrong_state")

    # -------------------------------------------------------------------------------------- the rest

    def audit(self, action: str, target: str, details: dict[str, Any]) -> None:
        self.store.audit.record(self.team_id, self.actor, action, target, details)


def for_request(services: AdminServices) -> Workspace:
    """The workspace of the signed-in admin or the API token: login_required or the API's authenticate set
    ``g.team_id``, ``g.actor``, ``g.pii`` and ``g.caller``; without ``g.pii`` personal data stays masked,
    without ``g.caller`` nothing can be launched."""
    from flask import g

    return Workspace(services, g.team_id, g.actor, reveal_pii=bool(g.get("pii", False)),
                     caller=g.get("caller") or NOBODY)


def schedules(campaign: Campaign, changes: Mapping[str, Any]) -> bool:
    """Whether changing ``campaign`` so is a launch decision: it sets a launch time or the scheduled status,
    or it changes a campaign already scheduled, which will then launch as changed with no one looking."""
    return (changes.get("schedule_at") is not None or changes.get("status") == "scheduled"
            or campaign.status == "scheduled")


def check_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ApiError(422, f"A {what} needs a name (text, 1 to 100 characters).", details={"field": "name"})
    name = " ".join(name.split())
    if len(name) > 100:
        raise ApiError(422, f"A {what} name can be at most 100 characters; this one has {len(name)}.",
                       details={"field": "name"})
    return name
