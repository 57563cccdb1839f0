"""Who may launch or schedule a campaign, on every surface: one decision, :func:`may_launch`.

A launch messages thousands of people, so the Slack app, the admin page and the JSON API all ask here:

- a person known by their Slack user id (the Slack app, or "Sign in with Slack" on the admin page) may
  when they are a campaign manager: listed in SEGMENTS_CAMPAIGN_MANAGERS (or a member of a user group the
  caller resolved through the Slack API and passes in ``group_members``);
- an API token may when it was created with the ``launch`` scope (``segments token create --launch``);
- the admin password may: whoever holds it holds the installation's own secret, and could as well set
  SEGMENTS_CAMPAIGN_MANAGERS themselves.

Handlers call :func:`may_launch` to decide which buttons to show and :func:`require_launch` before acting.
Deleting a scheduled or launched campaign is the same decision (:func:`require_delete`): the first cancels a
launch a manager decided on, the second erases the record of who was messaged.
:func:`is_campaign_manager` and :func:`require_campaign_manager` are the same decision for a Slack user.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from segcore.campaigns.errors import InvalidTransition, NotAllowed

# The API token scope that lets a token launch and schedule campaigns.
LAUNCH_SCOPE = "launch"
LAUNCH_REFUSED = "launch_not_allowed"

CallerKind = Literal["slack", "token", "password"]


@dataclass(frozen=True)
class Caller:
    """Who is asking, as far as launching is concerned. Build one with the class methods."""

    kind: CallerKind
    slack_user_id: str = ""
    scopes: frozenset[str] = frozenset()

    @classmethod
    def slack_user(cls, user_id: str | None) -> Caller:
        return cls("slack", slack_user_id=str(user_id or ""))

    @classmethod
    def token(cls, scopes: Iterable[str]) -> Caller:
        return cls("token", scopes=frozenset(str(s) for s in scopes))

    @classmethod
    def password(cls) -> Caller:
        return cls("password")


def campaign_managers(config: object) -> frozenset[str]:
    """The manager ids of any configuration that names them: ``campaign_managers`` (Settings, the bot's
    config, AdminServices) or ``campaign_manager_ids`` (SchedulerConfig)."""
    for attribute in ("campaign_managers", "campaign_manager_ids"):
        ids: Iterable[str] | None = getattr(config, attribute, None)
        if ids is not None:
            return frozenset(str(i) for i in ids)
    raise TypeError(f"{type(config).__name__} has no campaign_managers")


def may_launch(caller: Caller, managers: Iterable[str], group_members: Iterable[str] = ()) -> bool:
    """Whether ``caller`` may launch or schedule a campaign. ``managers``: SEGMENTS_CAMPAIGN_MANAGERS."""
    if caller.kind == "password":
        return True
    if caller.kind == "token":
        # Tokens made before this scope existed carry none, so they cannot launch (a documented change).
        return LAUNCH_SCOPE in caller.scopes
    if caller.kind == "slack":
        user = caller.slack_user_id
        return bool(user) and (user in {str(m) for m in managers} or user in {str(m) for m in group_members})
    return False  # an unknown kind of caller is refused, never let through


def refusal(caller: Caller) -> str:
    """What a refused caller is told: what they would need instead."""
    if caller.kind == "token":
        return ("This token may not launch or schedule campaigns; create one with "
                "`segments token create --team TEAM --launch` and use it for launches.")
    return ("Only campaign managers can launch or schedule a campaign. Ask a workspace admin to add you "
            "to the campaign managers (SEGMENTS_CAMPAIGN_MANAGERS), or ask a campaign manager to launch it.")


def require_launch(caller: Caller, managers: Iterable[str], group_members: Iterable[str] = ()) -> None:
    if not may_launch(caller, managers, group_members):
        raise NotAllowed(refusal(caller), LAUNCH_REFUSED)


# Statuses whose campaign only someone who may launch may delete; "launching" no one may (see require_delete).
DELETE_NEEDS_LAUNCH = frozenset({"scheduled", "launched"})


def require_delete(caller: Caller, name: str, status: str, managers: Iterable[str],
                   group_members: Iterable[str] = ()) -> None:
    """Refuse deleting campaign ``name`` in ``status`` unless ``caller`` may. A draft, cancelled or failed
    campaign anyone who may edit the workspace may delete; one being launched right now no one may, since
    its messages are on their way."""
    if status == "launching":
        raise InvalidTransition(f"Campaign {name!r} is being launched right now and cannot be deleted; wait for "
                                "the launch to finish (or fail) first.", status, "deleted")
    if status in DELETE_NEEDS_LAUNCH and not may_launch(caller, managers, group_members):
        what = "cancels its launch" if status == "scheduled" else "erases the record of who was messaged"
        raise NotAllowed(f"Campaign {name!r} is {status}: deleting it {what}, so only someone who may launch "
                         f"campaigns may delete it. {refusal(caller)}", LAUNCH_REFUSED)


def is_campaign_manager(user_id: str, config: object, group_members: Iterable[str] = ()) -> bool:
    return may_launch(Caller.slack_user(user_id), campaign_managers(config), group_members)


def require_campaign_manager(user_id: str, config: object, group_members: Iterable[str] = ()) -> None:
    require_launch(Caller.slack_user(user_id), campaign_managers(config), group_members)
