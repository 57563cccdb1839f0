"""The frozen audience as CSV: user_id and holdout flag, PII only when asked for."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from segcore.campaigns import audience_rows
from segcore.campaigns.errors import LaunchError
from segcore.campaigns.launch import IN_CHUNK, get_campaign

if TYPE_CHECKING:
    from segcore.storage.database import Store

PII_COLUMNS = ("email", "name")


def _line(values: Sequence[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(["" if v is None else v for v in values])
    return buffer.getvalue()


def export_csv(store: Store, team_id: str, campaign_id: str, include_pii: bool = False) -> Iterator[str]:
    """CSV lines (header first) of a launched campaign's frozen audience, in user_id order.

    ``include_pii`` adds the users' current email and name; handlers must check the asker may see them.
    """
    campaign = get_campaign(store, team_id, campaign_id)
    if campaign.status != "launched":
        raise LaunchError(
            f"Campaign {campaign.name!r} is {campaign.status}; its audience is frozen (and can be exported) "
            "once it is launched."
        )
    columns = ["user_id", "holdout", *(PII_COLUMNS if include_pii else ())]
    yield _line(columns)
    pending: list[dict[str, Any]] = []
    for row in audience_rows.iter_rows(store.db, team_id, campaign_id):
        pending.append(row)
        if len(pending) == IN_CHUNK:
            yield from _rows(store, team_id, pending, include_pii)
            pending = []
    yield from _rows(store, team_id, pending, include_pii)


def _rows(store: Store, team_id: str, rows: list[dict[str, Any]], include_pii: bool) -> Iterator[str]:
    contacts: dict[str, dict[str, Any]] = {}
    if include_pii and rows:
        for doc in store.db.users.find({"team_id": team_id, "user_id": {"$in": [r["user_id"] for r in rows]}},
                                       {"_id": 0, "user_id": 1, **dict.fromkeys(PII_COLUMNS, 1)}):
            contacts[doc["user_id"]] = doc
    for row in rows:
        values: list[Any] = [row["user_id"], "true" if row["holdout"] else "false"]
        if include_pii:
            found = contacts.get(row["user_id"], {})
            values.extend(found.get(c) for c in PII_COLUMNS)
        yield _line(values)
