"""What every page view needs: the workspace of the signed-in admin."""

from __future__ import annotations

from flask import current_app

from admin.services import AdminServices
from admin.workspace import Workspace, for_request
from segcore import timezones


def services() -> AdminServices:
    found: AdminServices = current_app.extensions["segments"]
    return found


def workspace() -> Workspace:
    return for_request(services())


def zone_note() -> str | None:
    """"Calendar words in Asia/Kolkata" when the workspace reads them outside UTC, else None."""
    ws = workspace()
    return timezones.zone_note(ws.store.workspaces.local_now(ws.team_id, services().now()))
