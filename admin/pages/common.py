"""What every page view needs: the workspace of the signed-in admin."""

from __future__ import annotations

from flask import current_app

from admin.services import AdminServices
from admin.workspace import Workspace, for_request


def services() -> AdminServices:
    found: AdminServices = current_app.extensions["segments"]
    return found


def workspace() -> Workspace:
    return for_request(services())
