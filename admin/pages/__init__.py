"""The admin pages: plain server-rendered HTML for the single workspace, behind the sign-in."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages", __name__)

from admin.pages import campaigns, segments, settings, system, tokens  # noqa: E402

__all__ = ["bp", "campaigns", "segments", "settings", "system", "tokens"]
