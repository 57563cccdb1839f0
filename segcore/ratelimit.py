"""A token bucket per key (an API token, a write key): a sustained rate with room for bursts.

In-process: each process (each gunicorn worker) keeps its own buckets, so N workers allow up to N times
the rate in all (SECURITY.md). It keeps callers from flooding a worker; it is not a quota.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_KEYS = 10_000  # buckets kept; the idle ones (full again) are forgotten first


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """``rate`` requests a second per key, sustained, and up to ``burst`` at once; rate 0 turns it off."""

    def __init__(self, rate: float, burst: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1.0, 2 * self.rate))
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds to wait before trying again."""
        if not self.enabled:
            return 0.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= MAX_KEYS:
                    self._forget_idle(now)
                bucket = self._buckets[key] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.at) * self.rate >= self.burst]
        for key in full or list(self._buckets)[: MAX_KEYS // 10]:
            del self._buckets[key]


def retry_after(wait: float) -> str:
    """The ``Retry-After`` header's value: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))


__all__ = ["RateLimiter", "retry_after"]
