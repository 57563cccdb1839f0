"""Who may launch: campaign managers, a configured list of Slack user ids (or the members of a user group).

Handlers call :func:`is_campaign_manager` (to decide which buttons to show) or
:func:`require_campaign_manager` (before acting). Slack user-group membership needs the Slack API, so the
handler resolves it and passes the members in ``group_members``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from segcore.campaigns.errors import NotAllowed


class ManagerConfig(Protocol):
    @property
    def campaign_manager_ids(self) -> Iterable[str]: ...


def is_campaign_manager(user_id: str, config: ManagerConfig, group_members: Iterable[str] = ()) -> bool:
    if not user_id:
        return False
    return user_id in set(config.campaign_manager_ids) or user_id in set(group_members)


def require_campaign_manager(user_id: str, config: ManagerConfig, group_members: Iterable[str] = ()) -> None:
    if not is_campaign_manager(user_id, config, group_members):
        raise NotAllowed(
            "Only campaign managers can launch or schedule a campaign. Ask a workspace admin to add you "
            "to the campaign managers (SEGMENTS_CAMPAIGN_MANAGERS), or ask a campaign manager to launch it."
        )
