"""Personal data (catalog fields marked ``pii``): who may see it in full, and what everyone else sees.

Every surface that shows users or members (the Slack app, the admin pages, the JSON API, the CSV export)
decides with :func:`may_see_pii` and shapes each record with :func:`shown`, so the rule lives here once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from segcore.catalog import FieldCatalog
    from segcore.storage.audit import AuditLog

# The API token scope that lets a token read personal fields in full.
PII_SCOPE = "pii"
REVEALED = "pii.revealed"
# Keys of the stored document that describe storage, not the person; they never leave.
STORAGE_KEYS = ("_id", "team_id", "person_no")


def mask_email(email: Any) -> str:
    """``meera.das@example.com`` -> ``m***@example.com``."""
    if not isinstance(email, str) or not email:
        return ""
    local, at, domain = email.partition("@")
    if not at:
        return mask_name(email)
    return f"{local[:1]}***@{domain}"


def mask_name(name: Any) -> str:
    """``Meera Das`` -> ``M*** D***``."""
    if not isinstance(name, str) or not name.strip():
        return ""
    return " ".join(f"{part[:1]}***" for part in name.split())


MASKS = {"email": mask_email}


def mask_value(field: str, value: Any) -> str:
    """The masked form of a personal field's value (email addresses keep their domain)."""
    return MASKS.get(field, mask_name)(value)


def may_see_pii(slack_user_id: str | None = None, pii_viewers: Iterable[str] = (),
                scopes: Iterable[str] = ()) -> bool:
    """Whether a viewer may see personal fields in full.

    People are named by their Slack user id in SEGMENTS_PII_VIEWERS; API tokens carry the ``pii`` scope
    they were created with. A shared secret (the admin password) names no one, so it never qualifies.
    """
    if PII_SCOPE in set(scopes):
        return True
    return bool(slack_user_id) and str(slack_user_id) in {str(v) for v in pii_viewers}


def pii_fields(catalog: FieldCatalog) -> list[str]:
    return [f.name for f in catalog if f.pii]


def shown(record: Mapping[str, Any], catalog: FieldCatalog, reveal: bool = False) -> dict[str, Any]:
    """A user or member as its viewer may see it: personal fields masked unless ``reveal``.

    Masking is idempotent (a masked value masks to itself), so a record the engine already masked is safe
    to pass through again.
    """
    personal = set(pii_fields(catalog))
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key in STORAGE_KEYS:
            continue
        # A non-text value in a personal field (bad import) masks to "" rather than slipping through.
        out[key] = mask_value(key, value) if key in personal and value is not None and not reveal else value
    return out


def record_reveal(audit: AuditLog, team_id: str, actor: str, target: str, what: str, rows: int,
                  name: str | None = None) -> None:
    """One audit entry per list, page or export shown in full (not per person), so the log stays small.

    ``target`` is the segment, campaign, draft or user id; ``name`` its name when it has one."""
    details: dict[str, Any] = {"what": what, "rows": rows}
    if name:
        details["name"] = name
    audit.record(team_id, actor, REVEALED, target, details)
