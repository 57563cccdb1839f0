"""The webhook adapter against a real local receiver that checks the HMAC signature."""

from __future__ import annotations

import time

import pytest

from segcore.campaigns import DeliveryBatch, DeliveryError, WebhookDelivery, verify_signature
from segcore.campaigns.delivery import sign
from tests.campaign_support import webhook_receiver

SECRET = "s3cret-for-tests"


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
        adapter = WebhookDelivery(receiver.url, SECRET, max_retries=3, backoff=0.5, sleep=waits.append)
        result = adapter.send_batch(_batch())
    assert result.attempts == 3
    assert waits == [0.5, 1.0]
    assert receiver.accepted == {"c1:0": ["u1", "u2"]}


def test_gives_up_after_max_retries() -> None:
    waits: list[float] = []
    with webhook_receiver(SECRET) as receiver:
        receiver.script = [502] * 10
        adapter = WebhookDelivery(receiver.url, SECRET, max_retries=2, backoff=0.1, sleep=waits.append)
        with pytest.raises(DeliveryError, match="after 3 attempts"):
            adapter.send_batch(_batch())
    assert receiver.requests == 3 and waits == [0.1, 0.2]


def test_network_errors_are_retried() -> None:
    with webhook_receiver(SECRET) as receiver:
        url = receiver.url
    # The receiver is gone: connection refused on every attempt.
    waits: list[float] = []
    adapter = WebhookDelivery(url, SECRET, max_retries=1, backoff=0.01, timeout=2, sleep=waits.append)
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
