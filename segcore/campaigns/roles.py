"""Who may launch: campaign managers, a configured list of Slack user ids (or the members of a user group).

Handlers call :func:`is_campaign_manager` (to decide which buttons to show) or
:func:`require_campaign_manager` (before acting). Slack user-group membership needs the Slack API, so the
handler resolves it and passes the members in ``group_members``.
"""

from __future__ import annotations

from collections.abc import Iterable

from segcore.campaigns.errors import NotAllowed


def campaign_managers(config: object) -> frozenset[str]:
    """The manager ids of any configuration that names them: ``campaign_managers`` (Settings, the bot's
    config) or ``campaign_manager_ids`` (SchedulerConfig)."""
    for attribute in ("campaign_managers", "campaign_manager_ids"):
        ids: Iterable[str] | None = getattr(config, attribute, None)
        if ids is not None:
            return frozenset(str(i) for i in ids)
    raise TypeError(f"{type(config).__name__} has no campaign_managers")


def is_campaign_manager(user_id: str, config: object, group_members: Iterable[str] = ()) -> bool:
    if not user_id:
        return False
    return user_id in campaign_managers(config) or user_id in set(group_members)


def require_campaign_manager(user_id: str, config: object, group_members: Iterable[str] = ()) -> None:
    if not is_campaign_manager(user_id, config, group_members):
        raise NotAllowed(
            "Only campaign managers can launch or schedule a campaign. Ask a workspace admin to add you "
            "to the campaign managers (SEGMENTS_CAMPAIGN_MANAGERS), or ask a campaign manager to launch it."
        )
