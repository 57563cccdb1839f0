"""The audience engine: how many users a rule selects, who they are, and how segments overlap.

Counting goes through a ``Counter``. The MongoDB counter always works; a faster one (the DuckDB mirror)
can be put in front of it and may decline with ``CounterUnavailable`` (e.g. when it lags), in which case
the next counter answers. Member documents always come from MongoDB, the source of truth; a counter that
is also a ``MemberPicker`` (the mirror) says *which* users to fetch, so MongoDB reads a handful of
documents by id instead of scanning the whole segment for a sample or a page.

Every query is scoped to one workspace: ``scoped(team_id, filter)`` puts the team id at the top of the
filter, where the filter cannot widen it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Collection as Collection_
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pymongo.collection import Collection

from segcore import limits
from segcore.catalog import FieldCatalog
from segcore.compile_mongo import to_mongo_filter
from segcore.errors import SegmentError
from segcore.event_audience import EventAudience, Selection, has_events
from segcore.privacy import mask_value
from segcore.rules import Rule
from segcore.storage.errors import Outage
from segcore.validation import validate

if TYPE_CHECKING:
    from segcore.storage.database import Store


class CounterUnavailable(SegmentError):
    """A counter cannot answer right now; the engine asks the next one."""


@dataclass(frozen=True)
class AudienceSize:
    size: int
    engine: str
    as_of: datetime
    elapsed_ms: float


@dataclass(frozen=True)
class Overlap:
    a: int
    b: int
    both: int

    @property
    def only_a(self) -> int:
        return self.a - self.both

    @property
    def only_b(self) -> int:
        return self.b - self.both

    @property
    def either(self) -> int:
        return self.a + self.b - self.both


@dataclass(frozen=True)
class MemberPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class Counted:
    """A size with the moment the data it was counted on is known to be current."""

    size: int
    as_of: datetime


class Counter(Protocol):
    """Something that can count audiences. Rules handed to it are already validated.

    ``count`` returns a plain size when the counter reads the source of truth itself (fresh now), or a
    ``Counted`` when it reads a copy that is current only up to ``as_of``.
    """

    name: str

    def count(self, team_id: str, rule: Rule, now: datetime) -> int | Counted: ...

    def sizes(self, team_id: str, rules: Mapping[str, Rule], now: datetime) -> dict[str, int]: ...

    def overlap(self, team_id: str, a: Rule, b: Rule, now: datetime) -> Overlap: ...


@runtime_checkable
class MemberPicker(Protocol):
    """A counter that can also pick which users a rule selects (ids only; rules already validated)."""

    def sample_ids(self, team_id: str, rule: Rule, now: datetime, n: int) -> list[str]: ...

    def page_ids(self, team_id: str, rule: Rule, now: datetime, after: str | None, limit: int) -> list[str]: ...


@runtime_checkable
class WorkspaceCounter(Protocol):
    """A counter that can also say how many people a workspace holds."""

    def workspace_size(self, team_id: str) -> int | Counted: ...


def scoped(team_id: str, mongo_filter: Mapping[str, Any]) -> dict[str, Any]:
    """``mongo_filter`` limited to one workspace.

    Logically ``{"$and": [{"team_id": team_id}, mongo_filter]}``. The conditions of a top-level ``$and``
    are lifted next to ``team_id`` when their keys do not clash, because the embedded server only picks a
    (team_id, field) index for a flat filter (measured: 40 ms instead of 1.4 s on 60k users). Whatever the
    filter holds, ``team_id`` stays a top-level equality that nothing else in the document can replace.
    """
    if not isinstance(team_id, str) or not team_id:
        raise SegmentError("A workspace (team id) is required for every audience query.")
    flat: dict[str, Any] = {"team_id": team_id}
    rest: list[dict[str, Any]] = []
    for part in _conjuncts(mongo_filter):
        if part and "$and" not in part and not set(part) & set(flat):
            flat.update(part)
        elif part:
            rest.append(part)
    if rest:
        flat["$and"] = rest
    return flat


def _conjuncts(mongo_filter: Mapping[str, Any]) -> list[dict[str, Any]]:
    if set(mongo_filter) == {"$and"}:
        return [part for child in mongo_filter["$and"] for part in _conjuncts(child)]
    return [dict(mongo_filter)]


def plan_indexes(plan: Mapping[str, Any]) -> list[str]:
    """Names of the indexes an explained plan scans (empty for a collection scan)."""
    found: list[str] = []
    if plan.get("stage") == "IXSCAN" and plan.get("indexName"):
        found.append(str(plan["indexName"]))
    for key in ("inputStage", "queryPlan"):
        child = plan.get(key)
        if isinstance(child, Mapping):
            found += plan_indexes(child)
    for child in plan.get("inputStages", []) or []:
        if isinstance(child, Mapping):
            found += plan_indexes(child)
    return found


_RANGE = ("$gt", "$gte", "$lt", "$lte")


def _lead_rank(condition: Any) -> int | None:
    """How promising a top-level condition is to lead the query through its index (lower is better).

    Without statistics we go by shape: an equality or a short list of values usually picks out a small
    part of the users; a range bounded on both sides less so; a one-sided range least. Negations, missing
    values, text search and booleans cannot lead.
    """
    if condition is None or isinstance(condition, bool):
        return None
    if not isinstance(condition, Mapping):
        return 0
    ops = set(condition)
    if ops == {"$in"} and len(condition["$in"]) <= 20 and None not in condition["$in"]:
        return 0
    if ops == {"$all"}:
        return 0
    if ops and ops <= set(_RANGE):
        return 1 if len(ops) == 2 else 2
    return None


def lead_pipeline(flat: Mapping[str, Any], indexed: Collection_[str] | None = None) -> list[dict[str, Any]]:
    """A pipeline selecting what the scoped ``flat`` filter selects, with an index-friendly first stage.

    The embedded server uses an index only when a filter has ``team_id`` and one other field; for more
    it scans the collection. Matching the most promising condition first (through its (team_id, field)
    index) and the rest in a second ``$match`` selects the same users, measured 16x faster for "pro users
    in Delhi who spent over 10k" on 30k users; real MongoDB merges the two stages and plans them as one.
    Only fields in ``indexed`` (when given) may lead.
    """
    candidates = []
    for position, (key, condition) in enumerate(flat.items()):
        usable = not key.startswith("$") and key != "team_id" and (indexed is None or key in indexed)
        rank = _lead_rank(condition) if usable else None
        if rank is not None:
            candidates.append((rank, position, key))
    others = [key for key in flat if key != "team_id"]
    if not candidates or len(others) == 1:
        return [{"$match": dict(flat)}]
    _, _, lead = min(candidates)
    rest = {k: v for k, v in flat.items() if k not in ("team_id", lead)}
    return [{"$match": {"team_id": flat["team_id"], lead: flat[lead]}}, {"$match": rest}]


class MongoCounter:
    """Counts with the database itself: always exact, always available while the database is."""

    name = "mongodb"

    def __init__(
        self,
        users: Collection[dict[str, Any]],
        catalog: FieldCatalog,
        outage: Outage | None = None,
        indexed: Collection_[str] | None = None,
    ):
        self.users = users
        self.catalog = catalog
        self.outage = outage or Outage()
        self.indexed = indexed
        self.behaviour = EventAudience(users.database, catalog, indexed)

    def workspace_size(self, team_id: str) -> int:
        with self.outage.guard():
            return self.users.count_documents(scoped(team_id, {}))

    def select(self, team_id: str, rule: Rule, now: datetime) -> Selection:
        """The users a rule with event conditions selects (see ``segcore.event_audience``)."""
        with self.outage.guard():
            return self.behaviour.select(team_id, rule, now)

    def pipeline(self, team_id: str, rule: Rule, now: datetime) -> list[dict[str, Any]]:
        """The stages selecting the rule's users in the workspace (see ``lead_pipeline``)."""
        return lead_pipeline(self.filter(team_id, rule, now), self.indexed)

    def filter(self, team_id: str, rule: Rule, now: datetime) -> dict[str, Any]:
        return scoped(team_id, to_mongo_filter(rule, self.catalog, now))

    def count(self, team_id: str, rule: Rule, now: datetime) -> int:
        if has_events(rule):
            return len(self.select(team_id, rule, now))
        pipeline = [*self.pipeline(team_id, rule, now), {"$count": "n"}]
        with self.outage.guard():
            rows = list(self.users.aggregate(pipeline))
        return int(rows[0]["n"]) if rows else 0

    def explain(self, team_id: str, rule: Rule, now: datetime) -> dict[str, Any]:
        """The query planner's winning plan for the first stage of counting ``rule`` (which index leads)."""
        first = self.pipeline(team_id, rule, now)[0]["$match"]
        command = {"count": self.users.name, "query": first}
        with self.outage.guard():
            result = self.users.database.command("explain", command, verbosity="queryPlanner")
        return dict(result.get("queryPlanner", {}).get("winningPlan", {}))

    def sizes(self, team_id: str, rules: Mapping[str, Rule], now: datetime) -> dict[str, int]:
        """All sizes in one pass over the workspace's users ($facet: one branch per rule)."""
        keys = [key for key, rule in rules.items() if not has_events(rule)]
        # Rules with event conditions are counted one by one, each from its events.
        out = {key: len(self.select(team_id, rule, now)) for key, rule in rules.items() if has_events(rule)}
        if not keys:
            return {key: out[key] for key in rules}
        facets: dict[str, list[dict[str, Any]]] = {
            f"s{i}": [{"$match": to_mongo_filter(rules[key], self.catalog, now)}, {"$count": "n"}]
            for i, key in enumerate(keys)
        }
        out.update(self._facets(team_id, facets, keys))
        return {key: out[key] for key in rules}

    def overlap(self, team_id: str, a: Rule, b: Rule, now: datetime) -> Overlap:
        if has_events(a) or has_events(b):
            first, second = self.select(team_id, a, now).keys, self.select(team_id, b, now).keys
            return Overlap(len(first), len(second), len(first & second))
        fa = to_mongo_filter(a, self.catalog, now)
        fb = to_mongo_filter(b, self.catalog, now)
        facets: dict[str, list[dict[str, Any]]] = {
            "s0": [{"$match": fa}, {"$count": "n"}],
            "s1": [{"$match": fb}, {"$count": "n"}],
            "s2": [{"$match": {"$and": [fa, fb]}}, {"$count": "n"}],
        }
        sizes = self._facets(team_id, facets, ["a", "b", "both"])
        return Overlap(sizes["a"], sizes["b"], sizes["both"])

    def _facets(self, team_id: str, facets: dict[str, list[dict[str, Any]]], keys: list[str]) -> dict[str, int]:
        pipeline = [{"$match": scoped(team_id, {})}, {"$facet": facets}]
        with self.outage.guard():
            result = next(iter(self.users.aggregate(pipeline)), {})
        out: dict[str, int] = {}
        for i, key in enumerate(keys):
            rows = result.get(f"s{i}") or [{"n": 0}]
            out[key] = int(rows[0]["n"])
        return out


def _workspace_size(counter: Counter, team_id: str) -> int | Counted:
    if not isinstance(counter, WorkspaceCounter):
        raise CounterUnavailable(f"{counter.name} does not count whole workspaces.")
    return counter.workspace_size(team_id)


class AudienceEngine:
    """Audience sizes, samples, member pages and overlaps for validated rules, scoped to a workspace."""

    def __init__(self, store: Store, counters: Sequence[Counter] = ()) -> None:
        self.store = store
        self.catalog = store.catalog
        indexed = {"user_id", *store.user_index_fields()}
        self.mongo = MongoCounter(store.db["users"], store.catalog, store.outage, indexed)
        # Preferred counters first; MongoDB answers when none of them can.
        self.counters: list[Counter] = [*counters, self.mongo]

    def _rule(self, rule: Rule) -> Rule:
        return validate(rule, self.catalog)

    def clock(self, team_id: str, now: datetime) -> datetime:
        """``now`` on the workspace's clock: every count reads calendar words in the workspace's zone, so
        both counters (MongoDB and the mirror) resolve "last month" to the same local midnights."""
        return self.store.workspaces.local_now(team_id, now)

    def _first(self, ask: Any) -> tuple[Any, str]:
        last: CounterUnavailable | None = None
        for counter in self.counters:
            try:
                return ask(counter), counter.name
            except CounterUnavailable as exc:
                last = exc
        raise last or CounterUnavailable("No counter is available.")

    def _sized(self, ask: Any) -> AudienceSize:
        """The first counter's answer to ``ask``, with which counter, as of when, and how long it took."""
        started = time.perf_counter()
        result, engine = self._first(ask)
        elapsed = round((time.perf_counter() - started) * 1000, 2)
        if isinstance(result, Counted):
            return AudienceSize(result.size, engine, result.as_of, elapsed)
        return AudienceSize(int(result), engine, datetime.now(UTC), elapsed)

    def count(self, team_id: str, rule: Rule, now: datetime) -> AudienceSize:
        checked = self._rule(rule)
        now = self.clock(team_id, now)
        return self._sized(lambda c: c.count(team_id, checked, now))

    def workspace_size(self, team_id: str) -> AudienceSize:
        """How many people the workspace holds, from the first counter that can say."""
        return self._sized(lambda c: _workspace_size(c, team_id))

    def sizes(self, team_id: str, rules: Mapping[str, Rule], now: datetime) -> dict[str, int]:
        checked = {key: self._rule(rule) for key, rule in rules.items()}
        now = self.clock(team_id, now)
        sizes, _ = self._first(lambda c: c.sizes(team_id, checked, now))
        return dict(sizes)

    def overlap(self, team_id: str, a: Rule, b: Rule, now: datetime) -> Overlap:
        ca, cb = self._rule(a), self._rule(b)
        now = self.clock(team_id, now)
        result, _ = self._first(lambda c: c.overlap(team_id, ca, cb, now))
        return result

    # Member listings: documents from MongoDB, the source of truth; which ones, from a picker when one answers.

    def _pick(self, ask: Any) -> list[str] | None:
        for counter in self.counters:
            if isinstance(counter, MemberPicker):
                try:
                    return [str(i) for i in ask(counter)]
                except CounterUnavailable:
                    continue
        return None

    def _documents(self, team_id: str, ids: list[str], include_pii: bool) -> list[dict[str, Any]]:
        """The users with these ids, in the order given; a user deleted since the pick is left out."""
        if not ids:
            return []
        with self.store.outage.guard():
            found = {
                str(doc["user_id"]): doc
                for doc in self.store.db["users"].find(
                    {"team_id": team_id, "user_id": {"$in": ids}}, self._projection(include_pii)
                )
            }
        return [found[i] for i in ids if i in found]

    def _projection(self, include_pii: bool) -> dict[str, int]:
        projection = {"_id": 0, "user_id": 1}
        for field in self.catalog:
            if include_pii or not field.pii:
                projection[field.name] = 1
        return projection

    def explain(self, team_id: str, rule: Rule, now: datetime) -> dict[str, Any]:
        """How MongoDB would count ``rule``: its winning plan (see ``plan_indexes``)."""
        return self.mongo.explain(team_id, self._rule(rule), self.clock(team_id, now))

    def sample(
        self, team_id: str, rule: Rule, now: datetime, n: int = 5, include_pii: bool = False
    ) -> list[dict[str, Any]]:
        """Up to ``n`` members picked at random; personal fields masked unless ``include_pii``."""
        size = max(1, min(int(n), limits.MAX_PAGE_SIZE))
        checked = self._rule(rule)
        now = self.clock(team_id, now)
        ids = self._pick(lambda p: p.sample_ids(team_id, checked, now, size))
        if ids is not None:
            docs = self._documents(team_id, ids, True)
        elif has_events(checked):
            chosen = self.mongo.select(team_id, checked, now).keys
            picked = random.sample(sorted(chosen, key=str), min(size, len(chosen)))
            with self.store.outage.guard():
                docs = list(self.mongo.behaviour.documents(team_id, picked, self._projection(True)).values())
            for doc in docs:
                doc.pop("_id", None)
        else:
            pipeline = [
                *self.mongo.pipeline(team_id, checked, now),
                {"$sample": {"size": size}},
                {"$project": self._projection(True)},
            ]
            with self.store.outage.guard():
                docs = list(self.store.db["users"].aggregate(pipeline))
        if not include_pii:
            pii = [f.name for f in self.catalog if f.pii]
            for doc in docs:
                for name in pii:
                    if name in doc:
                        doc[name] = mask_value(name, doc[name])
        return sorted(docs, key=lambda d: str(d.get("user_id")))

    def members(
        self,
        team_id: str,
        rule: Rule,
        now: datetime,
        after: str | None = None,
        limit: int = 50,
        include_pii: bool = False,
    ) -> MemberPage:
        """One page of members in ``user_id`` order; pass ``next_cursor`` back as ``after`` for the next.

        Personal fields are left out of the projection (never read) unless ``include_pii``.
        """
        checked = self._rule(rule)
        now = self.clock(team_id, now)
        size = max(1, min(int(limit), limits.MAX_PAGE_SIZE))
        ids = self._pick(lambda p: p.page_ids(team_id, checked, now, after, size + 1))
        if ids is not None:
            items = self._documents(team_id, ids[:size], include_pii)
            return MemberPage(items, ids[size - 1] if len(ids) > size else None)
        if has_events(checked):
            return self._event_members(team_id, checked, now, after, size, include_pii)
        flt = self.mongo.filter(team_id, checked, now)
        if after is not None:
            page = {"user_id": {"$gt": str(after)}}
            flt = {**flt, **page} if "user_id" not in flt else {**flt, "$and": [*flt.get("$and", []), page]}
        pipeline = [
            *lead_pipeline(flt, self.mongo.indexed),
            {"$sort": {"user_id": 1}},
            {"$limit": size + 1},
            {"$project": self._projection(include_pii)},
        ]
        with self.store.outage.guard():
            docs = list(self.store.db["users"].aggregate(pipeline))
        more = len(docs) > size
        items = docs[:size]
        return MemberPage(items, str(items[-1]["user_id"]) if more else None)

    def _event_members(self, team_id: str, rule: Rule, now: datetime, after: str | None, size: int,
                       include_pii: bool) -> MemberPage:
        """A page of a rule with event conditions, in ``user_id`` order as MongoDB sorts (missing ids first)."""
        selected = self.mongo.select(team_id, rule, now).members
        ordered = sorted(selected, key=lambda k: (1, selected[k]) if isinstance(selected[k], str) else (0, ""))
        if after is not None:
            ordered = [k for k in ordered if isinstance(selected[k], str) and selected[k] > str(after)]
        keys = ordered[:size + 1]
        with self.store.outage.guard():
            found = self.mongo.behaviour.documents(team_id, keys[:size], self._projection(include_pii))
        items = [found[k] for k in keys[:size] if k in found]
        for doc in items:
            doc.pop("_id", None)
        more = len(keys) > size
        return MemberPage(items, str(items[-1]["user_id"]) if more and items else None)

    def segment_sizes(self, team_id: str, now: datetime) -> dict[str, int]:
        """The size of every saved segment of the workspace, in one pass, by segment id.

        Segments whose rule no longer fits the catalog (a field was removed) are left out.
        """
        sizes, _ = self._segment_sizes(team_id, now)
        return sizes

    def _segment_sizes(self, team_id: str, now: datetime) -> tuple[dict[str, int], str]:
        rules: dict[str, Rule] = {}
        for segment in self.store.segments.list(team_id):
            try:
                rules[segment.id] = self._rule(segment.rule)
            except SegmentError:
                continue
        if not rules:
            return {}, self.mongo.name
        now = self.clock(team_id, now)
        sizes, engine = self._first(lambda c: c.sizes(team_id, rules, now))
        return dict(sizes), engine

    def snapshot_all(self, team_id: str, now: datetime) -> dict[str, int]:
        """Count every saved segment in one pass; record each size in the history and on the segment."""
        from segcore.explain.keep import keep_members  # explain builds on this module

        sizes, engine = self._segment_sizes(team_id, now)
        at = datetime.now(UTC)
        rules = {s.id: s.rule for s in self.store.segments.list(team_id)}
        for segment_id, size in sizes.items():
            snapshot_id = self.store.snapshots.record(team_id, segment_id, size, at, engine)
            self.store.segments.record_size(team_id, segment_id, size, at)
            keep_members(self, team_id, segment_id, rules[segment_id], snapshot_id, at, now)
        return sizes
