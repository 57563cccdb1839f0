"""The contract: every example prompt, parsed with its `now`, selects exactly the users its reference
filter selects, on the shared sample users (../shared/segments), in a real MongoDB-protocol server."""

from __future__ import annotations

from typing import Any

import pytest

from segcore import default_catalog, to_mongo_filter
from segcore.interpret import interpret


def _ids(db: Any, mongo_filter: dict[str, Any]) -> set[str]:
    return {d["user_id"] for d in db.users.find(mongo_filter, {"user_id": 1, "_id": 0})}


def test_every_example_selects_the_reference_users(shared_db: Any, nl_examples: list[dict[str, Any]]) -> None:
    catalog = default_catalog()
    failures = []
    for example in nl_examples:
        try:
            reading = interpret(example["text"], catalog, example["now"], engine="grammar")
        except Exception as exc:  # collected so one run reports every failing prompt
            failures.append(f"{example['text']!r}: refused ({exc})")
            continue
        ours = _ids(shared_db, to_mongo_filter(reading.rule, catalog, example["now"]))
        expected = _ids(shared_db, example["filter"])
        if ours != expected:
            failures.append(
                f"{example['text']!r}: {len(ours)} users, expected {len(expected)} "
                f"(filter {to_mongo_filter(reading.rule, catalog, example['now'])})"
            )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("index", range(3))
def test_reference_filters_select_someone(shared_db: Any, nl_examples: list[dict[str, Any]], index: int) -> None:
    # Guards the parity test above against a sample database that is empty or unloaded.
    assert _ids(shared_db, nl_examples[index]["filter"])
