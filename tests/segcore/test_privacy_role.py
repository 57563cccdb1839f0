"""Who may see personal data in full (segcore.privacy.may_see_pii) and what everyone else sees (shown)."""

from __future__ import annotations

from typing import Any

import pytest

from segcore.catalog import default_catalog
from segcore.privacy import PII_SCOPE, may_see_pii, record_reveal, shown
from segments.config import Settings

MEERA = {"_id": "x1", "team_id": "T1", "user_id": "u_1", "name": "Meera Das", "email": "meera.das@example.com",
         "city": "Pune", "total_spend": 7200}


@pytest.mark.parametrize(("who", "viewers", "scopes", "allowed"), [
    ("U1", ("U1", "U2"), (), True),
    ("U3", ("U1", "U2"), (), False),
    ("U1", (), (), False),             # nobody is configured: nobody sees personal data
    ("", ("",), (), False),            # an unknown asker never matches an empty entry
    (None, ("U1",), (), False),        # the admin password names no one
    ("u1", ("U1",), (), False),        # Slack ids are exact
    (None, (), (PII_SCOPE,), True),    # a token created with --pii
    (None, (), ("other",), False),
])
def test_may_see_pii(who: str | None, viewers: tuple[str, ...], scopes: tuple[str, ...], allowed: bool) -> None:
    assert may_see_pii(who, viewers, scopes) is allowed


def test_shown_masks_personal_fields_and_drops_storage_keys() -> None:
    catalog = default_catalog()
    masked = shown(MEERA, catalog)
    assert masked == {"user_id": "u_1", "name": "M*** D***", "email": "m***@example.com", "city": "Pune",
                      "total_spend": 7200}
    assert shown(masked, catalog) == masked  # masking twice changes nothing
    full = shown(MEERA, catalog, reveal=True)
    assert full["name"] == "Meera Das" and full["email"] == "meera.das@example.com"
    assert "_id" not in full and "team_id" not in full


def test_a_personal_field_that_is_not_text_is_not_let_through() -> None:
    odd = shown({"user_id": "u_2", "email": 12345, "name": None}, default_catalog())
    assert odd == {"user_id": "u_2", "email": "", "name": None}


def test_settings_read_the_pii_viewers() -> None:
    settings = Settings.from_env({"SEGMENTS_PII_VIEWERS": " U1, U2,, "})
    assert settings.pii_viewers == ("U1", "U2")
    assert Settings.from_env({}).pii_viewers == ()


def test_one_audit_entry_per_reveal() -> None:
    entries: list[tuple[Any, ...]] = []

    class Audit:
        def record(self, *args: Any) -> None:
            entries.append(args)

    record_reveal(Audit(), "T1", "U1", "seg1", "members page 1", 10, "VIPs")  # type: ignore[arg-type]
    assert entries == [("T1", "U1", "pii.revealed", "seg1", {"what": "members page 1", "rows": 10, "name": "VIPs"})]
