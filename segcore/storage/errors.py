"""Storage errors a marketer can read, and the guard that turns driver failures into them.

The driver speaks of ``ServerSelectionTimeoutError`` and ``AutoReconnect``; a person needs to hear that
the database is unreachable or that the embedded server has stopped, and what to do about it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pymongo.errors import ConnectionFailure, DuplicateKeyError, PyMongoError, ServerSelectionTimeoutError

from segcore.errors import SegmentError
from segcore.storage.embedded import EmbeddedServer


class StorageError(SegmentError):
    """The database refused or failed an operation."""


class StorageUnavailable(StorageError):
    """The database cannot be reached (unreachable address, embedded server stopped, ...)."""


class StorageSlow(StorageUnavailable):
    """The database is reachable but did not answer within the time the caller allowed (``pymongo.timeout``)."""


class NotFound(SegmentError):
    """A segment or campaign named by id or name does not exist in this workspace."""


class DuplicateName(SegmentError):
    """A name is already taken in this workspace."""


class DuplicateSegmentName(DuplicateName):
    """Another segment of the workspace already has this name (names ignore case)."""


class DuplicateCampaignName(DuplicateName):
    """Another campaign of the workspace already has this name (names ignore case)."""


@dataclass
class Outage:
    """Explains why the database cannot be reached, and guards every repository call.

    With an embedded server it first checks that the process is still alive, so a dead server is reported
    at once instead of after the server selection timeout.
    """

    server: EmbeddedServer | None = None
    address: str = "the database"

    def check(self) -> None:
        if self.server is not None and not self.server.alive():
            raise self.error()

    def error(self, cause: Exception | None = None) -> StorageUnavailable:
        if self.server is not None and not self.server.alive():
            return StorageUnavailable(
                f"The embedded database (process {self.server.pid}, data in {self.server.data_dir}) has "
                "stopped. Start Segments again; your saved data is kept in that folder."
            )
        detail = f" ({type(cause).__name__})" if cause is not None else ""
        return StorageUnavailable(
            f"Cannot reach {self.address}{detail}. Check that it is running and that MONGODB_URI is right."
        )

    @contextmanager
    def guard(self) -> Iterator[None]:
        self.check()
        try:
            yield
        except DuplicateKeyError:
            # Duplicate keys mean something to the caller (a name taken): it turns them into its own error.
            raise
        except PyMongoError as exc:
            # A deadline the caller set (pymongo.timeout) ran out: the database is slow, not gone.
            if exc.timeout and not isinstance(exc, ServerSelectionTimeoutError):
                raise StorageSlow(
                    f"{self.address[:1].upper()}{self.address[1:]} is busy and did not answer in time; "
                    "try again in a moment."
                ) from None
            if isinstance(exc, ConnectionFailure):
                raise self.error(exc) from None
            # Failures the caller does not handle itself become a readable error instead of a driver trace.
            raise StorageError(f"The database refused the operation: {_short(exc)}") from None


def _short(exc: Exception) -> str:
    text = str(exc).split(", full error:")[0]
    return text if len(text) <= 200 else text[:197] + "..."
