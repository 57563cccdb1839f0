"""The lease on the real database: one holder per slot, expiry, release."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.database import Database

from scheduler.lease import LeaseManager

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TTL = timedelta(minutes=5)


def test_second_claimant_of_a_slot_loses(db: Database[dict[str, Any]]) -> None:
    a, b = LeaseManager(db, "A", TTL), LeaseManager(db, "B", TTL)
    lease = a.claim("snapshot", T0, T0)
    assert lease is not None and lease.holder == "A"
    assert b.claim("snapshot", T0, T0 + timedelta(seconds=1)) is None
    a.release(lease, T0 + timedelta(seconds=2))
    # Released, but the slot was run: nobody runs it again.
    assert b.claim("snapshot", T0, T0 + timedelta(seconds=3)) is None
    # The next slot is free.
    assert b.claim("snapshot", T0 + timedelta(hours=1), T0 + timedelta(hours=1)) is not None


def test_a_lease_held_by_a_dead_instance_expires(db: Database[dict[str, Any]]) -> None:
    a, b = LeaseManager(db, "A", TTL), LeaseManager(db, "B", TTL)
    assert a.claim("launch_due", T0, T0) is not None
    next_slot = T0 + timedelta(minutes=1)
    assert b.claim("launch_due", next_slot, next_slot) is None  # A still holds it (not expired)
    later = T0 + TTL + timedelta(seconds=1)
    lease = b.claim("launch_due", later, later)
    assert lease is not None and lease.holder == "B"


def test_renew_extends_only_the_holders_lease(db: Database[dict[str, Any]]) -> None:
    a, b = LeaseManager(db, "A", TTL), LeaseManager(db, "B", TTL)
    lease = a.claim("digest", T0, T0)
    assert lease is not None
    assert a.renew(lease, T0 + timedelta(minutes=4))
    assert b.claim("digest", T0 + timedelta(minutes=6), T0 + timedelta(minutes=6)) is None  # renewed to 9:00
    assert not b.renew(lease, T0)


def test_concurrent_claims_have_one_winner(db: Database[dict[str, Any]]) -> None:
    managers = [LeaseManager(db, f"I{i}", TTL) for i in range(8)]
    winners: list[str] = []
    barrier = threading.Barrier(len(managers))

    def claim(manager: LeaseManager) -> None:
        barrier.wait(timeout=10)
        if manager.claim("snapshot", T0, T0) is not None:
            winners.append(manager.holder)

    threads = [threading.Thread(target=claim, args=(m,)) for m in managers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(winners) == 1
