"""Opening the database: the configured MongoDB, or the embedded server when none is configured.

``open_store`` returns a ``Store`` holding the repositories. Nothing here assumes a single node: the same
code runs against Atlas, a replica set, a sharded cluster or the embedded server.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pymongo import ASCENDING, MongoClient, WriteConcern
from pymongo.database import Database
from pymongo.errors import ConfigurationError, PyMongoError

from segcore.catalog import FieldCatalog, default_catalog
from segcore.events.indexes import ensure_event_indexes
from segcore.storage import person_numbers
from segcore.storage.audit import AuditLog
from segcore.storage.campaigns import CampaignRepository
from segcore.storage.embedded import EmbeddedServer, EmbeddedServerError
from segcore.storage.errors import Outage, StorageUnavailable
from segcore.storage.segments import SegmentRepository
from segcore.storage.snapshots import SnapshotRepository
from segcore.storage.users import UNIQUE_INDEX, UNIQUE_KEYS, UserRepository, restore_unique_index
from segcore.storage.workspace_settings import WorkspaceRepository
from segcore.timezones import DEFAULT_ZONE

SERVER_SELECTION_SECONDS = 5.0
# A count on a large workspace on the embedded server can take tens of seconds; a stalled socket must
# still end in an error rather than a hang.
SOCKET_SECONDS = 300.0
HEARTBEAT_PATIENCE_SECONDS = 120.0
_CREDENTIALS = re.compile(r"//[^@/]*@")


def redact(uri: str) -> str:
    """The URI without its user name and password, for messages."""
    return _CREDENTIALS.sub("//***@", uri)

# People in the collection from which the embedded server's per-field indexes wait (``field_indexes_wait``).
LARGE_FOR_EMBEDDED = 50_000


class Store:
    """The database of the product and its repositories."""

    def __init__(
        self,
        client: MongoClient[dict[str, Any]],
        db: Database[dict[str, Any]],
        catalog: FieldCatalog,
        server: EmbeddedServer | None = None,
        owns_client: bool = True,
        address: str = "the database",
        time_zone: str = DEFAULT_ZONE,
    ) -> None:
        self.client = client
        self.db = db
        self.catalog = catalog
        self.server = server
        self.owns_client = owns_client
        self.outage = Outage(server, address)
        self._large = False  # field_indexes_wait's answer once it is yes
        # What people save must survive a crash (FACTS: without journaling the embedded server can lose the
        # last acknowledged writes when killed). Bulk user imports keep the default: they can be re-run.
        durable = WriteConcern(j=True)
        self.audit = AuditLog(db.get_collection("audit_log", write_concern=durable), self.outage)
        self.users = UserRepository(db["users"], catalog, self.outage)
        self.segments = SegmentRepository(
            db.get_collection("segments", write_concern=durable), catalog, self.audit, self.outage
        )
        self.campaigns = CampaignRepository(
            db.get_collection("campaigns", write_concern=durable), self.segments, self.audit, self.outage
        )
        self.snapshots = SnapshotRepository(db["segment_snapshots"], self.outage)
        self.workspaces = WorkspaceRepository(
            db.get_collection("workspace_settings", write_concern=durable), self.audit, self.outage, default_zone=time_zone
        )

    @classmethod
    def from_database(cls, db: Database[dict[str, Any]], catalog: FieldCatalog | None = None,
                      time_zone: str = DEFAULT_ZONE) -> Store:
        """A store over an open database (tests); closing it leaves the client open."""
        return cls(db.client, db, catalog or default_catalog(), owns_client=False, time_zone=time_zone)

    def user_index_fields(self) -> list[str]:
        """Catalog fields that get a (team_id, field) index: queryable and not personal data."""
        return [f.name for f in self.catalog.queryable() if not f.pii and f.name != "user_id"]

    def user_indexes(self) -> dict[str, tuple[list[tuple[str, int]], bool]]:
        """The users' indexes by name: keys and whether unique."""
        specs: dict[str, tuple[list[tuple[str, int]], bool]] = {
            UNIQUE_INDEX: (list(UNIQUE_KEYS), True)
        }
        for name in self.user_index_fields():
            specs[f"team_{name}"] = ([("team_id", ASCENDING), (name, ASCENDING)], False)
        return specs

    def missing_user_indexes(self) -> list[str]:
        with self.outage.guard():
            present = set(self.db["users"].index_information())
        return [name for name in self.user_indexes() if name not in present]

    def ensure_user_indexes(self) -> None:
        with self.outage.guard():
            for name, (keys, unique) in self.user_indexes().items():
                self.db["users"].create_index(keys, unique=unique, name=name)

    def field_indexes_wait(self) -> bool:
        """Whether the per-field user indexes are left for ``segments indexes build`` instead of built now.

        Building one index stops the embedded server for its whole duration (measured: a build on 50,000
        people held a one-document read for 12.8 s; about a minute per index per million people), so
        on it a large collection's indexes are built only when someone chooses the pause. The audience
        mirror answers counts meanwhile. A real MongoDB (``MONGODB_URI``) builds them without stopping.
        """
        if self.server is None:
            return False
        if not self._large:  # once large, a workspace does not shrink back in the life of a process
            self._large = self._people_at_least(LARGE_FOR_EMBEDDED)
        return self._large

    def _people_at_least(self, n: int) -> bool:
        """Cheaply: the embedded server counts a collection by reading it (estimated_document_count took
        10 s at 1M people), while the person-number counters bound how many people each workspace has."""
        with self.outage.guard():
            counted = list(self.db[person_numbers.COLLECTION].find({}, {"next": 1, "numbered_all": 1}))
            if sum(int(c.get("next", 0)) for c in counted) >= n:
                return True
            if counted and all(c.get("numbered_all") for c in counted):
                return False  # everyone has a number, so the numbers handed out bound the people from above
            return self.db["users"].estimated_document_count() >= n

    def holds_nobody(self) -> bool:
        """Whether no workspace has anyone (asked of the person-number counters first, as above: on the
        embedded server ``find_one({})`` alone took 27 s at 1M people)."""
        return not self._people_at_least(1)

    def waiting_field_indexes(self) -> list[str]:
        """Per-field user indexes that are missing (the unique ``team_user`` one is never left out)."""
        return [name for name in self.missing_user_indexes() if name != UNIQUE_INDEX]

    def ensure_indexes(self, users: bool = True) -> None:
        """Create the indexes the queries rely on (idempotent: an existing index is left as is).

        ``users=False`` leaves the users' indexes out: on a large collection they take minutes to build
        (see ``segments.services.ensure_indexes_at_start``).
        """
        if users and self.field_indexes_wait():
            restore_unique_index(self.db["users"], self.outage)
        elif users:
            self.ensure_user_indexes()
        with self.outage.guard():
            self.db["segments"].create_index(
                [("team_id", ASCENDING), ("name_lower", ASCENDING)], unique=True, name="team_name"
            )
            self.db["campaigns"].create_index(
                [("team_id", ASCENDING), ("name_lower", ASCENDING)], unique=True, name="team_name"
            )
            self.db["segment_snapshots"].create_index(
                [("team_id", ASCENDING), ("segment_id", ASCENDING), ("at", ASCENDING)], name="team_segment_at"
            )
            self.snapshots.ensure_indexes()
            self.db["audit_log"].create_index([("team_id", ASCENDING), ("at", ASCENDING)], name="team_at")
            ensure_event_indexes(self.db)

    def ping(self) -> bool:
        """True when the database answers now."""
        if self.server is not None and not self.server.alive():
            return False
        try:
            self.client.admin.command("ping")
        except PyMongoError:
            return False
        return True

    def check(self) -> None:
        """Raise ``StorageUnavailable`` (with the reason) unless the database answers."""
        self.outage.check()
        try:
            self.client.admin.command("ping")
        except PyMongoError as exc:
            raise self.outage.error(exc) from None

    def close(self) -> None:
        """Close the connection, and stop the embedded server if this store started it."""
        if self.owns_client:
            self.client.close()
        if self.server is not None and self.server.owned:
            self.server.stop()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _client(uri: str, timeout: float) -> MongoClient[dict[str, Any]]:
    return MongoClient(
        uri,
        tz_aware=True,
        serverSelectionTimeoutMS=int(timeout * 1000),
        # The driver's heartbeat waits this long for a busy server before declaring it gone and cancelling
        # every operation in flight. The embedded server answers nothing while it serves a large scan (tens of
        # seconds at 1M users), and a cancelled scan is retried, piling up work: be patient. A server that is
        # really gone refuses connections at once (and the embedded one is watched by its pid).
        connectTimeoutMS=int(max(timeout, HEARTBEAT_PATIENCE_SECONDS) * 1000),
        socketTimeoutMS=int(SOCKET_SECONDS * 1000),
    )


def open_store(
    uri: str | None,
    data_dir: Path,
    database_name: str = "segments",
    catalog: FieldCatalog | None = None,
    timeout: float = SERVER_SELECTION_SECONDS,
    indexes: bool = True,
    time_zone: str = DEFAULT_ZONE,
) -> Store:
    """Connect to ``uri``, or start (or find running) the embedded server on ``data_dir``.

    Fails within about ``timeout`` seconds with ``StorageUnavailable`` when the database does not answer.
    """
    catalog = catalog or default_catalog()
    server: EmbeddedServer | None = None
    if uri is None:
        try:
            server = EmbeddedServer(Path(data_dir)).start()
        except EmbeddedServerError as exc:
            raise StorageUnavailable(str(exc)) from None
        uri = server.uri
        address = f"the embedded database on {server.host}:{server.port}"
    else:
        address = f"the database at {redact(uri)}"
    try:
        client = _client(uri, timeout)
    except (ConfigurationError, ValueError, TypeError) as exc:
        if server is not None:
            server.stop()
        raise StorageUnavailable(f"MONGODB_URI is not a valid MongoDB address ({exc}).") from None
    try:
        database = client.get_default_database(database_name)
    except ConfigurationError:
        database = client[database_name]
    store = Store(client, database, catalog, server=server, address=address, time_zone=time_zone)
    try:
        store.check()
        if indexes:
            store.ensure_indexes()
    except BaseException:
        store.close()
        raise
    return store
