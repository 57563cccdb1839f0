"""Holdout hashing, status transitions and roles: pure rules, no database."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from segcore.campaigns import (
    LAUNCH_SCOPE,
    Caller,
    InvalidTransition,
    NotAllowed,
    is_campaign_manager,
    may_launch,
    require_campaign_manager,
    require_launch,
)
from segcore.campaigns.errors import LaunchError
from segcore.campaigns.holdout import check_holdout_percent, holdout_fraction, in_holdout
from segcore.campaigns.status import ALLOWED, STATUSES, check_transition
from segcore.errors import SegmentError


def test_holdout_is_stable_per_user_and_campaign() -> None:
    users = [f"u{i:05d}" for i in range(2000)]
    first = [in_holdout("camp-1", u, 10) for u in users]
    again = [in_holdout("camp-1", u, 10) for u in users]
    assert first == again
    other = [in_holdout("camp-2", u, 10) for u in users]
    assert first != other  # each campaign holds out different people


def test_holdout_is_about_the_asked_share() -> None:
    users = [f"user-{i}" for i in range(20_000)]
    share = sum(in_holdout("spring-sale", u, 10) for u in users) / len(users)
    assert 0.09 <= share <= 0.11
    assert not any(in_holdout("spring-sale", u, 0) for u in users)


def test_holdout_grows_monotonically_with_the_percentage() -> None:
    # Raising the holdout from 5% to 10% only adds people: nobody switches back to the send side.
    users = [f"u{i}" for i in range(3000)]
    five = {u for u in users if in_holdout("c", u, 5)}
    ten = {u for u in users if in_holdout("c", u, 10)}
    assert five < ten
    assert all(0 <= holdout_fraction("c", u) < 1 for u in users[:100])


@pytest.mark.parametrize("bad", [-1, 51, "ten", float("nan")])
def test_holdout_percent_out_of_range_is_refused(bad: object) -> None:
    with pytest.raises(LaunchError, match="Holdout"):
        check_holdout_percent(bad)  # type: ignore[arg-type]


def test_transitions() -> None:
    check_transition("Diwali", "draft", "scheduled")
    check_transition("Diwali", "scheduled", "launching")
    check_transition("Diwali", "launching", "launched")
    with pytest.raises(InvalidTransition, match="already been launched") as err:
        check_transition("Diwali", "launched", "launching")
    assert err.value.current == "launched" and err.value.wanted == "launching"
    assert isinstance(err.value, SegmentError)
    with pytest.raises(InvalidTransition, match="cannot become launched"):
        check_transition("Diwali", "draft", "launched")
    with pytest.raises(InvalidTransition, match="not a campaign status"):
        check_transition("Diwali", "draft", "sent")
    assert set(ALLOWED) == set(STATUSES)


@dataclass
class Config:
    campaign_manager_ids: tuple[str, ...] = ("U123", "U456")


def test_only_campaign_managers_may_launch() -> None:
    config = Config()
    assert is_campaign_manager("U123", config)
    assert not is_campaign_manager("U999", config)
    assert not is_campaign_manager("", config)
    assert is_campaign_manager("U999", config, group_members=["U999"])
    require_campaign_manager("U456", config)

    @dataclass
    class BotConfig:  # the bot and Settings name the list campaign_managers
        campaign_managers: tuple[str, ...] = ("U777",)

    assert is_campaign_manager("U777", BotConfig()) and not is_campaign_manager("U123", BotConfig())
    with pytest.raises(NotAllowed, match="Only campaign managers"):
        require_campaign_manager("U999", config)


@pytest.mark.parametrize(("caller", "allowed"), [
    (Caller.password(), True),  # holds the installation's own secret
    (Caller.slack_user("U123"), True),
    (Caller.slack_user("U999"), False),
    (Caller.slack_user(""), False),
    (Caller.slack_user(None), False),
    (Caller.token([LAUNCH_SCOPE]), True),
    (Caller.token(["pii", LAUNCH_SCOPE]), True),
    (Caller.token(["pii"]), False),
    (Caller.token([]), False),  # tokens made before the launch scope existed
    (Caller("nobody"), False),  # type: ignore[arg-type]  # an unknown kind is refused, not let through
])
def test_one_decision_for_every_kind_of_caller(caller: Caller, allowed: bool) -> None:
    managers = ("U123", "U456")
    assert may_launch(caller, managers) is allowed
    if allowed:
        require_launch(caller, managers)
    else:
        with pytest.raises(NotAllowed) as refused:
            require_launch(caller, managers)
        assert refused.value.code == "launch_not_allowed"


def test_a_refusal_says_what_is_needed() -> None:
    with pytest.raises(NotAllowed, match="segments token create --team TEAM --launch"):
        require_launch(Caller.token(["pii"]), ("U123",))
    with pytest.raises(NotAllowed, match="SEGMENTS_CAMPAIGN_MANAGERS"):
        require_launch(Caller.slack_user("U999"), ("U123",))
    # A token's scope is about the token: a manager's id in it changes nothing, and no list makes a token a
    # manager.
    assert not may_launch(Caller.token(["U123"]), ("U123",))
    assert not may_launch(Caller.slack_user("U123"), ())
