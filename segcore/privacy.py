"""Showing personal data to someone who may not see it in full: keep enough to recognise, hide the rest."""

from __future__ import annotations

from typing import Any


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
