from __future__ import annotations

from segcore.catalog import default_catalog
from segcore.privacy import mask_email, mask_name
from segcore.seed import generate_users
from segcore.storage import coerce_user
from tests.storage.helpers import NOW


def test_masks_keep_enough_to_recognise() -> None:
    assert mask_email("meera.das@example.com") == "m***@example.com"
    assert mask_name("Meera  Das") == "M*** D***"
    assert mask_email(None) == "" and mask_name("") == ""
    assert mask_email("not-an-address") == "n***"


def test_seed_is_deterministic_typed_and_realistic() -> None:
    users = list(generate_users(2000, seed=3, now=NOW))
    assert users == list(generate_users(2000, seed=3, now=NOW))
    assert users != list(generate_users(2000, seed=4, now=NOW))
    assert len({u["user_id"] for u in users}) == 2000
    catalog = default_catalog()
    assert all(coerce_user(u, catalog) == u for u in users[:200])  # already in catalog types
    missing_visit = sum("last_visit_at" not in u for u in users)
    assert 20 < missing_visit < 300
    assert all("last_order_at" not in u for u in users if u["orders"] == 0)
    assert {u["plan"] for u in users} == {"free", "pro", "enterprise"}
    assert all(u.get("last_visit_at", NOW) <= NOW and u["signup_date"] <= NOW for u in users)
