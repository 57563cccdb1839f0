"""Commands and modal submissions run their listener in the request's thread; everything else in Bolt's pool."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.ack_in_place import AckInPlaceExecutor, ack_in_place, runs_in_place


def test_which_requests_run_in_place() -> None:
    assert runs_in_place({"command": "/segment", "text": "help"})
    assert runs_in_place({"type": "view_submission", "view": {}})
    assert not runs_in_place({"type": "block_actions", "actions": []})  # may call views.open after the ack
    assert not runs_in_place({"type": "event_callback", "event": {}})


def _where(executor: AckInPlaceExecutor) -> str:
    return executor.submit(lambda: threading.current_thread().name).result(timeout=5)


def test_a_marked_request_runs_its_one_listener_here_and_the_rest_in_the_pool() -> None:
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pool")
    executor = AckInPlaceExecutor(pool)
    here = threading.current_thread().name
    calls: list[str] = []
    ack_in_place({"command": "/segment"}, lambda: calls.append("next"))
    assert calls == ["next"]
    assert _where(executor) == here
    assert _where(executor).startswith("pool")  # the mark is used once
    ack_in_place({"type": "block_actions"}, lambda: None)
    assert _where(executor).startswith("pool")
    executor.shutdown()


def test_a_listener_failing_in_place_fails_its_future() -> None:
    executor = AckInPlaceExecutor(ThreadPoolExecutor(max_workers=1))
    ack_in_place({"type": "view_submission"}, lambda: None)

    def broken() -> None:
        raise ValueError("boom")

    future = executor.submit(broken)
    assert future.done()
    with pytest.raises(ValueError, match="boom"):
        future.result()
    executor.shutdown()
