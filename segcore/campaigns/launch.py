"""Launching a campaign: the checklist before, and the frozen audience after.

A launch freezes the campaign's audience: the users matching the union of its segments at one instant
(``now``, stored with the rules as they were), consenting to the campaign's channel, written to
``campaign_audiences`` in user_id order, one chunk at a time. Progress lives in ``campaign_launches`` (one
document per campaign): the frozen rules and ``now``, and a cursor (the last user_id written) that moves
only after its chunk is safely written. A launch that dies half-way is resumed by running it again: it
reads the frozen rules and ``now``, redoes at most the chunk in flight (a unique key, so no
duplicates) and carries on. The cursor moves with compare-and-set, so two launchers of one campaign never
count a chunk twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pymongo import ASCENDING, WriteConcern
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from segcore.audience import scoped
from segcore.campaigns import audience_rows
from segcore.campaigns.errors import CampaignNotFound, InvalidTransition, LaunchError
from segcore.campaigns.holdout import check_holdout_percent, in_holdout
from segcore.campaigns.status import check_transition
from segcore.catalog import FieldCatalog
from segcore.compile_mongo import to_mongo_filter
from segcore.event_audience import EventAudience, has_events
from segcore.rules import Rule, rule_from_json, rule_to_json
from segcore.timezones import DEFAULT_ZONE, in_zone, time_zone, zone_name
from segcore.validation import validate

if TYPE_CHECKING:
    from segcore.audience import AudienceEngine
    from segcore.storage.campaigns import Campaign
    from segcore.storage.database import Store

LAUNCHES = "campaign_launches"
DEFAULT_CHUNK = 2000
OVERLAP_WINDOW = timedelta(days=7)
IN_CHUNK = 200  # values per $in query (large $in lists are slow on the embedded server)

ChunkHook = Callable[[int], None]


@dataclass(frozen=True)
class LaunchChecklist:
    campaign_id: str
    campaign_name: str
    channel: str
    status: str
    segments: list[tuple[str, int]]  # (segment name, size now)
    audience_size: int  # union of the segments
    reachable_size: int  # of those, consenting to the channel
    excluded_no_consent: int
    consent_field: str | None
    overlap_recent: list[tuple[str, int]]  # (campaign name, users also in it), launched in the last 7 days
    holdout_percent: float
    holdout_size: int
    as_of: datetime
    problems: list[str]  # why it cannot be launched now; empty when it can

    @property
    def can_launch(self) -> bool:
        return not self.problems

    @property
    def send_size(self) -> int:
        return self.reachable_size - self.holdout_size


@dataclass(frozen=True)
class LaunchResult:
    campaign_id: str
    campaign_name: str
    status: str
    audience_size: int  # rows frozen (consenting users, holdout included)
    holdout_size: int
    excluded_no_consent: int
    scanned: int  # users matching the segments
    frozen_at: datetime
    rules: list[dict[str, Any]]
    chunks: int
    resumed: bool

    @property
    def send_size(self) -> int:
        return self.audience_size - self.holdout_size


@dataclass(frozen=True)
class LaunchState:
    """Progress and the frozen inputs of one campaign's launch."""

    campaign_id: str
    status: str  # "running" | "finished" | "failed"
    frozen_at: datetime
    rules: list[dict[str, Any]]
    channel: str
    consent_field: str | None
    holdout_percent: float
    cursor: str | None
    scanned: int
    excluded_no_consent: int
    chunks: int
    started_by: str
    started_at: datetime
    finished_at: datetime | None
    audience_size: int | None
    holdout_size: int | None
    error: str | None
    # The workspace's zone when the audience was frozen: a launch resumed after the setting changed still
    # reads the rules' calendar words as they were read at launch (launches from before zones: UTC).
    time_zone: str = DEFAULT_ZONE

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> LaunchState:
        return cls(
            campaign_id=doc["campaign_id"], status=doc["status"], frozen_at=doc["frozen_at"],
            rules=list(doc["rules"]), channel=doc["channel"], consent_field=doc.get("consent_field"),
            holdout_percent=float(doc.get("holdout_percent", 0.0)), cursor=doc.get("cursor"),
            scanned=int(doc.get("scanned", 0)), excluded_no_consent=int(doc.get("excluded_no_consent", 0)),
            chunks=int(doc.get("chunks", 0)), started_by=doc.get("started_by", ""),
            started_at=doc["started_at"], finished_at=doc.get("finished_at"),
            audience_size=doc.get("audience_size"), holdout_size=doc.get("holdout_size"),
            error=doc.get("error"), time_zone=doc.get("time_zone") or DEFAULT_ZONE,
        )


def launches(db: Database[dict[str, Any]]) -> Collection[dict[str, Any]]:
    return db.get_collection(LAUNCHES, write_concern=WriteConcern(w=1, j=True))


def ensure_indexes(db: Database[dict[str, Any]]) -> None:
    audience_rows.ensure_indexes(db)
    launches(db).create_index([("team_id", ASCENDING), ("finished_at", ASCENDING)])


def _key(team_id: str, campaign_id: str) -> str:
    return f"{team_id}:{campaign_id}"


def launch_state(store: Store, team_id: str, campaign_id: str) -> LaunchState | None:
    doc = launches(store.db).find_one({"_id": _key(team_id, campaign_id)})
    return LaunchState.from_doc(doc) if doc else None


def consent_field_for(catalog: FieldCatalog, channel: str) -> str | None:
    """The catalog field recording consent for ``channel`` (email -> email_opt_in); None: everyone may be reached."""
    for field in catalog:
        if field.consent_channel == channel:
            return field.name
    return None


def get_campaign(store: Store, team_id: str, campaign_id: str) -> Campaign:
    campaign = store.campaigns.get(team_id, campaign_id)
    if campaign is None:
        raise CampaignNotFound(f"No campaign with id {campaign_id!r} in this workspace.")
    return campaign


def _current_rules(store: Store, team_id: str, campaign: Campaign) -> list[dict[str, Any]]:
    if not campaign.segment_ids:
        raise LaunchError(
            f"Campaign {campaign.name!r} has no segment attached; attach at least one segment before launching."
        )
    rules = []
    for segment_id in campaign.segment_ids:
        segment = store.segments.get(team_id, segment_id)
        if segment is None:
            raise LaunchError(
                f"Campaign {campaign.name!r} targets a segment that no longer exists (id {segment_id}); "
                "detach it or attach another segment."
            )
        rules.append({"segment_id": segment.id, "name": segment.name, "rule": rule_to_json(segment.rule)})
    return rules


def union_filter(team_id: str, rules: list[dict[str, Any]], catalog: FieldCatalog, now: datetime,
                 db: Database[Any] | None = None) -> dict[str, Any]:
    """Users of the team matching any of the frozen rules at ``now``.

    Rules with event conditions are counts over ``events``: they are resolved in ``db`` to the users they
    select at ``now``, and the filter names those users by ``_id``.
    """
    parsed = [rule_from_json(r["rule"]) for r in rules]
    if any(has_events(rule) for rule in parsed):
        if db is None:
            raise LaunchError("A segment with event conditions needs the database to resolve its audience.")
        behaviour = EventAudience(db, catalog)
        chosen: set[Any] = set()
        for rule in parsed:
            chosen |= behaviour.select(team_id, validate(rule, catalog), now).keys
        return scoped(team_id, {"_id": {"$in": sorted(chosen, key=str)}})
    filters = [to_mongo_filter(rule, catalog, now) for rule in parsed]
    return scoped(team_id, filters[0] if len(filters) == 1 else {"$or": filters})


def _consenting(query: dict[str, Any], consent_field: str | None) -> dict[str, Any]:
    return query if consent_field is None else {"$and": [query, {consent_field: True}]}


def prepare_launch(store: Store, audience: AudienceEngine, team_id: str, campaign_id: str, now: datetime,
                   holdout_percent: float | None = None) -> LaunchChecklist:
    """What a launch at ``now`` would do, for the checklist shown before the Launch button."""
    campaign = get_campaign(store, team_id, campaign_id)
    percent = check_holdout_percent(holdout_percent)
    problems: list[str] = []
    if campaign.status not in ("draft", "scheduled", "failed"):
        problems.append(f"The campaign is {campaign.status}; only a draft or scheduled campaign can be launched.")
    try:
        rules = _current_rules(store, team_id, campaign)
    except LaunchError as exc:
        problems.append(str(exc))
        rules = []
    consent_field = consent_field_for(store.catalog, campaign.channel)
    if not rules:
        return LaunchChecklist(campaign.id, campaign.name, campaign.channel, campaign.status, [], 0, 0, 0,
                               consent_field, [], percent, 0, now, problems)
    named: dict[str, Rule] = {r["name"]: rule_from_json(r["rule"]) for r in rules}
    sizes = audience.sizes(team_id, named, now)
    users = store.db.users
    query = union_filter(team_id, rules, store.catalog, store.workspaces.local_now(team_id, now), store.db)
    audience_size = users.count_documents(query)
    reachable: list[str] = [d["user_id"] for d in users.find(_consenting(query, consent_field), {"_id": 0, "user_id": 1})]
    holdout_size = sum(1 for u in reachable if in_holdout(campaign.id, u, percent))
    overlap = _overlap_recent(store, team_id, campaign.id, reachable, now)
    return LaunchChecklist(
        campaign.id, campaign.name, campaign.channel, campaign.status,
        [(name, int(sizes.get(name, 0))) for name in named], audience_size, len(reachable),
        audience_size - len(reachable), consent_field, overlap, percent, holdout_size, now, problems,
    )


def _overlap_recent(store: Store, team_id: str, campaign_id: str, user_ids: list[str],
                    now: datetime) -> list[tuple[str, int]]:
    recent = {
        d["campaign_id"]: d for d in launches(store.db).find(
            {"team_id": team_id, "status": "finished", "finished_at": {"$gte": now - OVERLAP_WINDOW},
             "campaign_id": {"$ne": campaign_id}})
    }
    if not recent or not user_ids:
        return []
    counts: dict[str, int] = dict.fromkeys(recent, 0)
    rows = audience_rows.audiences(store.db)
    for start in range(0, len(user_ids), IN_CHUNK):
        chunk = user_ids[start:start + IN_CHUNK]
        for group in rows.aggregate([
            {"$match": {"team_id": team_id, "campaign_id": {"$in": list(recent)}, "holdout": False,
                        "user_id": {"$in": chunk}}},
            {"$group": {"_id": "$campaign_id", "n": {"$sum": 1}}},
        ]):
            counts[group["_id"]] += int(group["n"])
    named = []
    for cid, n in counts.items():
        other = store.campaigns.get(team_id, cid)
        named.append((other.name if other else cid, n))
    return sorted((pair for pair in named if pair[1] > 0), key=lambda p: (-p[1], p[0]))


def launch(store: Store, team_id: str, campaign_id: str, now: datetime, actor: str,
           holdout_percent: float | None = None, *, chunk_size: int = DEFAULT_CHUNK,
           on_chunk: ChunkHook | None = None) -> LaunchResult:
    """Freeze the audience and mark the campaign launched; run it again to resume an interrupted launch.

    ``now`` and ``holdout_percent`` count only when the launch starts; a resumed launch keeps the ones it
    started with. Role checks are the caller's (``require_campaign_manager``). ``on_chunk`` is called
    with the number of chunks written so far (progress reporting; tests use it to interrupt).
    """
    if not 1 <= chunk_size <= 10_000:
        raise LaunchError(f"Chunk size {chunk_size} is out of range: choose 1 to 10000.")
    campaign = get_campaign(store, team_id, campaign_id)
    ensure_indexes(store.db)
    state, resumed = _start_or_resume(store, team_id, campaign, now, actor, holdout_percent)
    if campaign.status != "launching":
        check_transition(campaign.name, campaign.status, "launching")
        store.campaigns.update(team_id, campaign_id, by=actor, status="launching")
    try:
        if state.status != "finished":
            state = _freeze(store, team_id, campaign, state, chunk_size, on_chunk)
        return _finish(store, team_id, campaign, state, actor, resumed)
    except Exception as exc:
        _mark_failed(store, team_id, campaign, actor, exc)
        if isinstance(exc, LaunchError):
            raise
        raise LaunchError(
            f"The launch of {campaign.name!r} stopped after {state.scanned} users; nothing is lost. "
            "Launch it again to carry on from where it stopped."
        ) from exc


def _start_or_resume(store: Store, team_id: str, campaign: Campaign, now: datetime, actor: str,
                     holdout_percent: float | None) -> tuple[LaunchState, bool]:
    key = _key(team_id, campaign.id)
    existing = launches(store.db).find_one({"_id": key})
    if existing is not None and existing["status"] == "finished" and campaign.status in ("launching", "failed"):
        # Died after the audience was complete but before the campaign said so: just finish.
        return LaunchState.from_doc(existing), True
    if existing is not None and existing["status"] != "finished":
        if campaign.status in ("launched", "cancelled"):
            check_transition(campaign.name, campaign.status, "launching")
        return LaunchState.from_doc(existing), True
    if campaign.status == "launched" or existing is not None:
        raise InvalidTransition(
            f"Campaign {campaign.name!r} has already been launched; its audience is frozen. "
            "Create a new campaign to send again.", campaign.status, "launching")
    check_transition(campaign.name, campaign.status, "launching")
    rules = _current_rules(store, team_id, campaign)
    percent = check_holdout_percent(holdout_percent)
    doc = {
        "_id": key, "team_id": team_id, "campaign_id": campaign.id, "status": "running", "frozen_at": now,
        "rules": rules, "channel": campaign.channel,
        "consent_field": consent_field_for(store.catalog, campaign.channel), "holdout_percent": percent,
        "cursor": None, "scanned": 0, "excluded_no_consent": 0, "chunks": 0, "started_by": actor,
        "started_at": now, "finished_at": None, "audience_size": None, "holdout_size": None, "error": None,
        "heartbeat": _utcnow(), "time_zone": zone_name(store.workspaces.time_zone(team_id)),
    }
    try:
        launches(store.db).insert_one(doc)
        return LaunchState.from_doc(doc), False
    except DuplicateKeyError:
        # Another launcher started this campaign a moment ago: join it (the writes are idempotent).
        return LaunchState.from_doc(launches(store.db).find_one({"_id": key}) or doc), True


def _freeze(store: Store, team_id: str, campaign: Campaign, state: LaunchState, chunk_size: int,
            on_chunk: ChunkHook | None) -> LaunchState:
    """Write the audience from the cursor on, one chunk at a time, moving the cursor after each chunk.

    One sorted query streams every remaining member (a query per chunk would rescan the workspace each
    time); it is opened again from the cursor only when another launcher has moved the cursor first.
    """
    while True:
        state, done = _freeze_pass(store, team_id, campaign, state, chunk_size, on_chunk)
        if done:
            return state


def _freeze_pass(store: Store, team_id: str, campaign: Campaign, state: LaunchState, chunk_size: int,
                 on_chunk: ChunkHook | None) -> tuple[LaunchState, bool]:
    # Calendar words in the frozen rules start and end at midnight in the zone frozen with them.
    base = union_filter(team_id, state.rules, store.catalog, in_zone(state.frozen_at, time_zone(state.time_zone)),
                        store.db)
    consent = state.consent_field
    projection = {"_id": 0, "user_id": 1} | ({consent: 1} if consent else {})
    query = base if state.cursor is None else {"$and": [base, {"user_id": {"$gt": state.cursor}}]}
    cursor = store.db.users.find(query, projection).sort("user_id", ASCENDING).batch_size(chunk_size)
    try:
        page: list[dict[str, Any]] = []
        for doc in cursor:
            page.append(doc)
            if len(page) == chunk_size:
                state, moved = _write_chunk(store, team_id, campaign, state, page)
                page = []
                if on_chunk is not None:
                    on_chunk(state.chunks)
                if not moved:
                    return state, False  # someone else is ahead: read again from their cursor
        if page:
            state, moved = _write_chunk(store, team_id, campaign, state, page)
            if on_chunk is not None:
                on_chunk(state.chunks)
            if not moved:
                return state, False
        return state, True
    finally:
        cursor.close()


def _write_chunk(store: Store, team_id: str, campaign: Campaign, state: LaunchState,
                 page: list[dict[str, Any]]) -> tuple[LaunchState, bool]:
    """Write one chunk's rows, then move the cursor past it (compare-and-set on the old cursor)."""
    consent = state.consent_field
    rows = [(d["user_id"], in_holdout(campaign.id, d["user_id"], state.holdout_percent))
            for d in page if consent is None or d.get(consent) is True]
    audience_rows.write_rows(store.db, team_id, campaign.id, rows, state.frozen_at)
    key = _key(team_id, campaign.id)
    moved = launches(store.db).find_one_and_update(
        {"_id": key, "cursor": state.cursor},
        {"$set": {"cursor": page[-1]["user_id"], "status": "running", "error": None, "heartbeat": _utcnow()},
         "$inc": {"scanned": len(page), "excluded_no_consent": len(page) - len(rows), "chunks": 1}},
        return_document=True,
    )
    if moved is not None:
        return LaunchState.from_doc(moved), True
    current = launches(store.db).find_one({"_id": key})
    if current is None:
        raise LaunchError(f"The launch record of {campaign.name!r} disappeared; launch it again.")
    return LaunchState.from_doc(current), False


def _finish(store: Store, team_id: str, campaign: Campaign, state: LaunchState, actor: str,
            resumed: bool) -> LaunchResult:
    size = audience_rows.count_rows(store.db, team_id, campaign.id)
    held = audience_rows.count_rows(store.db, team_id, campaign.id, holdout=True)
    finished_at = max(state.frozen_at, _utcnow())
    launches(store.db).update_one(
        {"_id": _key(team_id, campaign.id)},
        {"$set": {"status": "finished", "finished_at": finished_at, "audience_size": size,
                  "holdout_size": held, "error": None}},
    )
    store.campaigns.update(team_id, campaign.id, by=actor, status="launched")
    store.audit.record(team_id, actor, "campaign.launch", campaign.id, {
        "name": campaign.name, "audience_size": size, "holdout_size": held,
        "excluded_no_consent": state.excluded_no_consent, "resumed": resumed,
        "frozen_at": state.frozen_at.isoformat(),
    })
    return LaunchResult(campaign.id, campaign.name, "launched", size, held, state.excluded_no_consent,
                        state.scanned, state.frozen_at, state.rules, state.chunks, resumed)


def _mark_failed(store: Store, team_id: str, campaign: Campaign, actor: str, exc: BaseException) -> None:
    # Best effort: when the database itself is down these writes fail too, and the campaign stays
    # "launching", which a re-run resumes just the same.
    try:
        launches(store.db).update_one({"_id": _key(team_id, campaign.id)},
                                      {"$set": {"status": "failed", "error": str(exc) or type(exc).__name__}})
        store.campaigns.update(team_id, campaign.id, by=actor, status="failed")
    except Exception:  # best effort: the original error is the one worth reporting
        pass


def _utcnow() -> datetime:
    return datetime.now(UTC)
