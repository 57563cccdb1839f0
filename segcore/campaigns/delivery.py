"""Handing a launched campaign's frozen audience to whatever sends the messages.

A :class:`DeliveryAdapter` only knows how to send one batch. :func:`deliver` does the rest for every
adapter: it cuts the frozen audience (holdout rows left out) into batches in user_id order, skips the
batches already recorded as delivered in ``deliveries``, and records each batch it sends. The audience is
frozen, so batch N is the same users on every run, and a re-run after a failure sends only what is missing.

The built-in :class:`WebhookDelivery` POSTs each batch as JSON, signed with HMAC-SHA256:
``X-Segments-Timestamp: <unix seconds>`` and ``X-Segments-Signature: sha256=<hex>`` where the hex digest is
``HMAC(secret, "<timestamp>." + body)``. ``X-Segments-Delivery`` (campaign id and batch number) is the same on
every retry, so a receiver can drop a batch it has already seen (delivery is at least once: a crash after
the receiver answered and before we recorded it sends that batch again).
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import http.client
import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from pymongo import ASCENDING, WriteConcern
from pymongo.collection import Collection
from pymongo.database import Database

from segcore.campaigns.audience_rows import iter_rows
from segcore.campaigns.errors import CampaignNotFound, DeliveryError

if TYPE_CHECKING:
    from segcore.storage.database import Store

DELIVERIES = "deliveries"
SIGNATURE_HEADER = "X-Segments-Signature"
TIMESTAMP_HEADER = "X-Segments-Timestamp"
DELIVERY_HEADER = "X-Segments-Delivery"


@dataclass(frozen=True)
class DeliveryBatch:
    team_id: str
    campaign_id: str
    campaign_name: str
    channel: str
    message: str
    number: int  # 0-based
    user_ids: tuple[str, ...]

    @property
    def delivery_id(self) -> str:
        return f"{self.campaign_id}:{self.number}"

    def payload(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            "team_id": self.team_id,
            "campaign": {"id": self.campaign_id, "name": self.campaign_name, "channel": self.channel,
                         "message": self.message},
            "batch": self.number,
            "users": [{"user_id": u} for u in self.user_ids],
        }


@dataclass(frozen=True)
class BatchResult:
    attempts: int
    status_code: int | None = None


class DeliveryAdapter(Protocol):
    """Sends one batch; raises :class:`DeliveryError` when it cannot (after its own retries)."""

    name: str
    batch_size: int

    def send_batch(self, batch: DeliveryBatch) -> BatchResult: ...


@dataclass(frozen=True)
class DeliveryReport:
    campaign_id: str
    adapter: str
    batches: int
    sent_batches: int
    skipped_batches: int  # delivered by an earlier run
    users: int
    sent_users: int


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str, now: float | None = None,
                     tolerance: float = 300.0) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent (no replays)."""
    try:
        sent = float(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


# Receivers ask for a pause with Retry-After; we wait what they ask up to this long, so one receiver's
# "come back tomorrow" cannot hold a delivery (and the scheduler job running it) for hours.
MAX_RETRY_AFTER = 300.0
RETRY_AFTER_STATUSES = (429, 503)


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """urllib would follow a 301/302/303 after our POST with a bodiless GET, and that GET's 200 would look
    like a delivery. A redirect is an answer to report, never a place to follow."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> None:
        return None


_opener = urllib.request.build_opener(_RefuseRedirects)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """The wait a ``Retry-After`` header asks for (delay-seconds or an HTTP date), or None when absent or
    unreadable. A date in the past is no wait at all."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; an obsolete form without a zone means the same
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


@dataclass
class WebhookDelivery:
    """POSTs signed JSON batches to ``url``; retries 5xx, 429 and network errors.

    Between attempts it waits what the receiver asked for with ``Retry-After`` on 429 and 503 (capped at
    ``max_retry_after``), otherwise a doubling backoff with jitter (``backoff × 2^(attempt-1)`` times a
    factor in [0.5, 1.5) drawn from ``random_source``), so many instances retrying one receiver spread out.
    A redirect (3xx) is never followed: it fails at once naming the ``Location`` to configure.
    """

    url: str
    secret: str
    batch_size: int = 500
    max_retries: int = 4
    backoff: float = 1.0  # seconds before the first retry (before jitter); doubles each time
    timeout: float = 10.0
    max_retry_after: float = MAX_RETRY_AFTER
    name: str = "webhook"
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    random_source: Callable[[], float] = field(default=random.random, repr=False)  # in [0, 1)

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise DeliveryError(f"Webhook URL {self.url!r} must start with http:// or https://.")
        if not self.secret:
            raise DeliveryError("A webhook secret is needed to sign batches; set SEGMENTS_WEBHOOK_SECRET.")
        if not 1 <= self.batch_size <= 10_000:
            raise DeliveryError(f"Batch size {self.batch_size} is out of range: choose 1 to 10000.")

    def backoff_wait(self, attempt: int) -> float:
        return self.backoff * 2 ** (attempt - 1) * (0.5 + self.random_source())

    def send_batch(self, batch: DeliveryBatch) -> BatchResult:
        body = json.dumps(batch.payload(), separators=(",", ":")).encode()
        last_problem = ""
        for attempt in range(1, self.max_retries + 2):
            timestamp = str(int(time.time()))
            request = urllib.request.Request(
                self.url, data=body, method="POST",
                headers={"Content-Type": "application/json", "User-Agent": "Segments-Delivery/1",
                         TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(self.secret, timestamp, body),
                         DELIVERY_HEADER: batch.delivery_id},
            )
            asked: float | None = None
            try:
                with _opener.open(request, timeout=self.timeout) as response:
                    # Read the whole answer: a receiver that dies while answering has not told us the batch
                    # is safe, and sending it again is what "at least once" allows.
                    response.read()
                    return BatchResult(attempts=attempt, status_code=response.status)
            except urllib.error.HTTPError as exc:
                if 300 <= exc.code < 400:
                    location = exc.headers.get("Location") if exc.headers else None
                    where = (f"configure {urllib.parse.urljoin(self.url, location)!r} as the webhook URL "
                             "instead" if location else "it named no Location; check the webhook URL")
                    raise DeliveryError(
                        f"The webhook answered batch {batch.number + 1} with a redirect (HTTP {exc.code}); "
                        f"deliveries never follow redirects, so nothing was delivered: {where}. "
                        "Nothing after this batch was sent."
                    ) from None
                if exc.code < 500 and exc.code != 429:
                    raise DeliveryError(
                        f"The webhook refused batch {batch.number + 1} with HTTP {exc.code}; "
                        "check the URL and secret it expects. Nothing after this batch was sent."
                    ) from None
                last_problem = f"HTTP {exc.code}"
                if exc.code in RETRY_AFTER_STATUSES and exc.headers is not None:
                    asked = retry_after_seconds(exc.headers.get("Retry-After"))
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                last_problem = f"network error ({getattr(exc, 'reason', None) or exc!r})"
            if attempt <= self.max_retries:
                self.sleep(min(asked, self.max_retry_after) if asked is not None else self.backoff_wait(attempt))
        raise DeliveryError(
            f"Batch {batch.number + 1} could not be delivered after {self.max_retries + 1} attempts "
            f"(last: {last_problem}). Batches before it are recorded as delivered; run delivery again "
            "to send the rest."
        )


def deliveries(db: Database[dict[str, Any]]) -> Collection[dict[str, Any]]:
    return db.get_collection(DELIVERIES, write_concern=WriteConcern(w=1, j=True))


def ensure_indexes(db: Database[dict[str, Any]]) -> None:
    deliveries(db).create_index(
        [("team_id", ASCENDING), ("campaign_id", ASCENDING), ("adapter", ASCENDING), ("batch", ASCENDING)],
        unique=True, name="one_record_per_batch",
    )


def _batches(db: Database[dict[str, Any]], team_id: str, campaign_id: str, size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for row in iter_rows(db, team_id, campaign_id, holdout=False):
        chunk.append(row["user_id"])
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def deliver(store: Store, team_id: str, campaign_id: str, adapter: DeliveryAdapter,
            now: datetime | None = None) -> DeliveryReport:
    """Send every batch of the frozen audience not yet delivered through ``adapter``."""
    campaign = store.campaigns.get(team_id, campaign_id)
    if campaign is None:
        raise CampaignNotFound(f"No campaign with id {campaign_id!r} in this workspace.")
    if campaign.status != "launched":
        raise DeliveryError(
            f"Campaign {campaign.name!r} is {campaign.status}; only a launched campaign (with a frozen "
            "audience) can be delivered."
        )
    db = store.db
    ensure_indexes(db)
    done = {d["batch"]: d for d in deliveries(db).find(
        {"team_id": team_id, "campaign_id": campaign_id, "adapter": adapter.name, "status": "delivered"})}
    batches = sent = skipped = users = sent_users = 0
    for number, user_ids in enumerate(_batches(db, team_id, campaign_id, adapter.batch_size)):
        batches += 1
        users += len(user_ids)
        previous = done.get(number)
        if previous is not None:
            if previous.get("first_user_id") != user_ids[0] or previous.get("count") != len(user_ids):
                raise DeliveryError(
                    f"Batch {number + 1} was delivered earlier with a different batch size; deliver again "
                    f"with batch size {previous.get('batch_size')} to resume."
                )
            skipped += 1
            continue
        batch = DeliveryBatch(team_id, campaign_id, campaign.name, campaign.channel, campaign.message,
                              number, tuple(user_ids))
        key = {"team_id": team_id, "campaign_id": campaign_id, "adapter": adapter.name, "batch": number}
        record = {"count": len(user_ids), "first_user_id": user_ids[0], "last_user_id": user_ids[-1],
                  "batch_size": adapter.batch_size}
        try:
            result = adapter.send_batch(batch)
        except DeliveryError as exc:
            deliveries(db).update_one(key, {"$set": {**record, "status": "failed", "error": str(exc),
                                                     "failed_at": now or datetime.now(UTC)}}, upsert=True)
            raise
        deliveries(db).update_one(
            key,
            {"$set": {**record, "status": "delivered", "error": None, "attempts": result.attempts,
                      "http_status": result.status_code, "delivered_at": now or datetime.now(UTC)}},
            upsert=True,
        )
        sent += 1
        sent_users += len(user_ids)
    return DeliveryReport(campaign_id, adapter.name, batches, sent, skipped, users, sent_users)


def delivery_records(store: Store, team_id: str, campaign_id: str) -> list[dict[str, Any]]:
    return list(deliveries(store.db).find({"team_id": team_id, "campaign_id": campaign_id}, {"_id": 0})
                .sort([("adapter", ASCENDING), ("batch", ASCENDING)]))
