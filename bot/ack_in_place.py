"""Slash commands and modal submissions run their listener in the request's own thread.

With ``process_before_response=False`` Bolt hands every listener to its pool of 5 threads and the request's
thread polls for the ``ack()`` every 10 ms. Our command and submission listeners ack (after at most the quick
checks a submission needs) and hand everything slow to the app's own worker pool (``bot.listeners.support
.later``), so the hop buys nothing for them and costs two thread wake-ups plus the polling on every ack: on a
busy machine (load 13 on 2 cores, 20,000 users, 16 at once) that was where a large part of the p99 went.

Block actions keep going through the pool: some of them call Slack (``views.open``) after their ack, and the
HTTP answer must not wait for that. So does anything Bolt submits that is not the request's one listener.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

_here = threading.local()

IN_PLACE_KINDS = ("view_submission",)


def runs_in_place(body: dict[str, Any]) -> bool:
    """True for the requests whose listener acks and hands over: slash commands and modal submissions."""
    return bool(body.get("command")) or body.get("type") in IN_PLACE_KINDS


def ack_in_place(body: dict[str, Any], next: Callable[[], None]) -> None:
    """Bolt middleware: marks the request's thread for ``AckInPlaceExecutor`` (or clears the mark)."""
    _here.in_place = runs_in_place(body)
    next()


class AckInPlaceExecutor(Executor):
    """Runs the first task submitted from a marked thread right there; everything else goes to ``pool``."""

    def __init__(self, pool: Executor) -> None:
        self.pool = pool

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if not getattr(_here, "in_place", False):
            return self.pool.submit(fn, *args, **kwargs)
        _here.in_place = False  # one listener per request; a thread reused for the next request starts clear
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # Bolt's own wrapper reports listener errors; this keeps Future's contract
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)


__all__ = ["AckInPlaceExecutor", "ack_in_place", "runs_in_place"]
