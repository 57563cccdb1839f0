"""The webhook adapter against a real local receiver that checks the HMAC signature."""

from __future__ import annotations

import email.utils
import time
from datetime import UTC, datetime, timedelta

import pytest

from segcore.campaigns import (
    DeliveryBatch,
    DeliveryError,
    WebhookDelivery,
    deliver,
    delivery_records,
    launch,
    verify_signature,
)
from segcore.campaigns.delivery import retry_after_seconds, sign
from segcore.storage.database import Store
from tests.campaign_support import Answer, webhook_receiver
from tests.campaign_support_data import VIP, make_segment

SECRET = "s3cret-for-tests"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _batch(n: int = 0, users: tuple[str, ...] = ("u1", "u2")) -> DeliveryBatch:
    return DeliveryBatch("T1", "c1", "Diwali", "email", "Hello", n, users)


def test_signed_batch_is_accepted() -> None:
    with webhook_receiver(SECRET) as receiver:
        adapter = WebhookDelivery(receiver.url, SECRET, batch_size=2, sleep=lambda s: None)
        result = adapter.send_batch(_batch())
    assert result.attempts == 1 and result.status_code == 200
    assert receiver.accepted == {"c1:0": ["u1", "u2"]}
    assert receiver.bad_signatures == 0


def test_wrong_secret_is_refused_without_retrying() -> None:
    with webhook_receiver(SECRET) as receiver:
        adapter = WebhookDelivery(receiver.url, "another-secret", sleep=lambda s: None)
        with pytest.raises(DeliveryError, match="HTTP 401"):
            adapter.send_batch(_batch())
    assert receiver.requests == 1 and receiver.bad_signatures == 1


def test_server_errors_are_retried_with_exponential_backoff() -> None:
    waits: list[float] = []
    with webhook_receiver(SECRET) as receiver:
        receiver.script = [500, 503]
        adapter = WebhookDelivery(receiver.url, SECRET, max_retries=3, backoff=0.5, sleep=waits.append,
                                  random_source=lambda: 0.5)
        result = adapter.send_batch(_batch())
    assert result.attempts == 3
    assert waits == [0.5, 1.0]
    assert receiver.accepted == {"c1:0": ["u1", "u2"]}


def test_gives_up_after_max_retries() -> None:
    waits: list[float] = []
    with webhook_receiver(SECRET) as receiver:
        receiver.script = [502] * 10
        adapter = WebhookDelivery(receiver.url, SECRET, max_retries=2, backoff=0.1, sleep=waits.append,
                                  random_source=lambda: 0.5)
        with pytest.raises(DeliveryError, match="after 3 attempts"):
            adapter.send_batch(_batch())
    assert receiver.requests == 3 and waits == [0.1, 0.2]


def test_network_errors_are_retried() -> None:
    with webhook_receiver(SECRET) as receiver:
        url = receiver.url
    # The receiver is gone: connection refused on every attempt.
    waits: list[float] = []
    adapter = WebhookDelivery(url, SECRET, max_retries=1, backoff=0.01, timeout=2, sleep=waits.append,
                              random_source=lambda: 0.5)
    with pytest.raises(DeliveryError, match="network error"):
        adapter.send_batch(_batch())
    assert waits == [0.01]


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(DeliveryError, match="http"):
        WebhookDelivery("ftp://example", SECRET)
    with pytest.raises(DeliveryError, match="secret"):
        WebhookDelivery("http://127.0.0.1:9/hook", "")


def test_verify_signature_helper() -> None:
    body = b'{"a":1}'
    ts = str(int(time.time()))
    good = sign(SECRET, ts, body)
    assert verify_signature(SECRET, ts, body, good)
    assert not verify_signature(SECRET, ts, body + b" ", good)
    assert not verify_signature("other", ts, body, good)
    assert not verify_signature(SECRET, str(int(time.time()) - 3600), body, sign(SECRET, str(int(time.time()) - 3600), body))
    assert not verify_signature(SECRET, "yesterday", body, good)


# --- Redirects, Retry-After, jitter, a receiver dying half-way -------------------------------------------

@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_failure_naming_where_to_point_the_webhook(status: int) -> None:
    with webhook_receiver(SECRET) as receiver:
        receiver.script = [Answer(status, (("Location", "/elsewhere"),))]
        adapter = WebhookDelivery(receiver.url, SECRET, sleep=lambda s: None)
        with pytest.raises(DeliveryError, match=rf"redirect \(HTTP {status}\)") as caught:
            adapter.send_batch(_batch())
    base = receiver.url.rsplit("/", 1)[0]
    assert f"'{base}/elsewhere'" in str(caught.value)
    # Not followed: no bodiless GET (or re-POST) to the new place, and no retry of the old one.
    assert receiver.gets == [] and receiver.requests == 1 and receiver.accepted == {}


def test_retry_after_seconds_is_the_wait_on_429_and_503() -> None:
    waits: list[float] = []
    with webhook_receiver(SECRET) as receiver:
        receiver.script = [Answer(429, (("Retry-After", "3"),)), Answer(503, (("Retry-After", "7"),)), 500]
        adapter = WebhookDelivery(receiver.url, SECRET, max_retries=3, backoff=0.5, sleep=waits.append,
                                  random_source=lambda: 0.5)
        result = adapter.send_batch(_batch())
    # The receiver's own waits, then (a 500 asks for nothing) the doubling backoff for the third retry.
    assert waits == [3.0, 7.0, 2.0]
    assert result.attempts == 4 and receiver.accepted == {"c1:0": ["u1", "u2"]}


def test_retry_after_as_an_http_date_and_its_cap() -> None:
    waits: list[float] = []
    soon = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=40), usegmt=True)
    with webhook_receiver(SECRET) as receiver:
        receiver.script = [Answer(429, (("Retry-After", soon),)), Answer(429, (("Retry-After", "86400"),))]
        adapter = WebhookDelivery(receiver.url, SECRET, max_retries=2, max_retry_after=120, sleep=waits.append)
        adapter.send_batch(_batch())
    assert 35 <= waits[0] <= 40  # the date, less the second or so it took to get here
    assert waits[1] == 120  # a day asked for; capped


def test_retry_after_reading() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Sun, 06 Dec 2026 12:00:30 GMT", now=datetime(2026, 12, 6, 12, tzinfo=UTC)
                               .timestamp()) == 30.0
    assert retry_after_seconds("Sun, 06 Dec 2026 11:00:00 GMT", now=datetime(2026, 12, 6, 12, tzinfo=UTC)
                               .timestamp()) == 0.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("-5") is None


def test_the_backoff_doubles_with_jitter_from_the_random_source() -> None:
    draws = iter([0.0, 0.99, 0.25])
    waits: list[float] = []
    with webhook_receiver(SECRET) as receiver:
        receiver.script = [500, 502, 503]
        adapter = WebhookDelivery(receiver.url, SECRET, max_retries=3, backoff=1.0, sleep=waits.append,
                                  random_source=lambda: next(draws))
        adapter.send_batch(_batch())
    # base 1, 2, 4 seconds, each times a factor in [0.5, 1.5)
    assert waits == pytest.approx([0.5, 2 * 1.49, 4 * 0.75])


@pytest.mark.parametrize("dies", ["close_reading", "close_answering"])
def test_a_receiver_closing_the_connection_mid_body_is_retried(dies: str) -> None:
    waits: list[float] = []
    with webhook_receiver(SECRET) as receiver:
        receiver.script = [Answer(200, **{dies: True})]
        adapter = WebhookDelivery(receiver.url, SECRET, max_retries=1, backoff=0.25, sleep=waits.append,
                                  random_source=lambda: 0.5)
        result = adapter.send_batch(_batch())
    assert result.attempts == 2 and waits == [0.25]
    assert receiver.accepted == {"c1:0": ["u1", "u2"]}


RETRY_LATER = Answer(429, (("Retry-After", "3"),))
FAILURES: dict[str, list[int | Answer]] = {
    **{f"redirect {s}": [Answer(s, (("Location", "https://hooks.example/segments"),))]
       for s in (301, 302, 303, 307, 308)},
    "429 with Retry-After": [RETRY_LATER, RETRY_LATER],
    "closed while reading": [Answer(close_reading=True)] * 2,
    "closed while answering": [Answer(close_answering=True)] * 2,
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_after_a_failed_batch_a_good_url_gets_exactly_the_members_not_yet_delivered(
    store: Store, failure: str
) -> None:
    # 110 opted-in VIPs and some who are not: five batches of 25 (the last one short).
    store.db.users.insert_many([{"team_id": "T1", "user_id": f"u{i:04d}", "tags": ["vip"] if i % 4 else [],
                                 "email_opt_in": True} for i in range(147)])
    campaign = store.campaigns.create("T1", "Winback", "email", "Come back", "U-OWNER",
                                      segment_ids=[make_segment(store, "VIPs", VIP).id])
    launch(store, "T1", campaign.id, NOW, actor="U-MANAGER")
    expected = [f"u{i:04d}" for i in range(147) if i % 4]
    assert len(expected) == 110
    waits: list[float] = []
    with webhook_receiver(SECRET) as first:
        first.script, first.script_after = list(FAILURES[failure]), 2  # batches 1 and 2 go through
        adapter = WebhookDelivery(first.url, SECRET, batch_size=25, max_retries=1, sleep=waits.append)
        with pytest.raises(DeliveryError, match=r"(?i)batch 3") as caught:
            deliver(store, "T1", campaign.id, adapter)
    assert [r["status"] for r in delivery_records(store, "T1", campaign.id)] == ["delivered", "delivered", "failed"]
    assert first.users == expected[:50] and first.gets == []
    if failure.startswith("redirect"):
        assert "'https://hooks.example/segments'" in str(caught.value) and waits == []
    if failure.startswith("429"):
        assert waits == [3.0]

    with webhook_receiver(SECRET) as good:
        rerun = deliver(store, "T1", campaign.id, WebhookDelivery(good.url, SECRET, batch_size=25,
                                                                  sleep=lambda s: None))
    assert rerun.skipped_batches == 2 and rerun.sent_users == len(expected) - 50
    assert good.users == expected[50:]
    assert sorted(first.users + good.users) == expected  # everyone, none twice
