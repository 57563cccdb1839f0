"""Typed errors of campaigns, each with a message a marketer can read."""

from __future__ import annotations

from segcore.errors import SegmentError
from segcore.storage.campaigns import CampaignNotFound

__all__ = ["CampaignError", "CampaignNotFound", "DeliveryError", "InvalidTransition", "LaunchError", "NotAllowed"]


class CampaignError(SegmentError):
    """Base class of campaign errors."""


class NotAllowed(CampaignError):
    """The person (or API token) asking does not have the role the action needs. ``code`` is the stable
    code the JSON API answers with (403)."""

    def __init__(self, message: str, code: str = "forbidden") -> None:
        super().__init__(message)
        self.code = code


class InvalidTransition(CampaignError):
    """A campaign cannot move from its current status to the one asked for."""

    def __init__(self, message: str, current: str, wanted: str) -> None:
        super().__init__(message)
        self.current = current
        self.wanted = wanted


class LaunchError(CampaignError):
    """A launch could not be prepared or completed; the campaign says how far it got."""


class DeliveryError(CampaignError):
    """The audience could not be handed to the delivery channel; what was delivered is recorded."""
