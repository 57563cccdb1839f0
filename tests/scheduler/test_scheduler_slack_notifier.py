"""The Slack notifier talks to a local stand-in through slack_sdk's WebClient."""

from __future__ import annotations

import pytest

from scheduler.slack_notifier import NotifyError, SlackNotifier
from tests.campaign_support import slack_stand_in


def test_posts_blocks_with_the_token() -> None:
    with slack_stand_in() as slack:
        notifier = SlackNotifier("xoxb-test", base_url=slack.base_url)
        notifier.post("T1", "C-DIGEST", "fallback", [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}])
    assert len(slack.messages) == 1
    message = slack.messages[0]
    assert message["_path"] == "/api/chat.postMessage"
    assert message["_auth"] == "Bearer xoxb-test"
    assert message["channel"] == "C-DIGEST" and message["text"] == "fallback"
    assert message["blocks"][0]["text"]["text"] == "hi"


def test_slack_errors_become_clear_messages() -> None:
    with slack_stand_in() as slack:
        slack.fail_with = "not_in_channel"
        notifier = SlackNotifier("xoxb-test", base_url=slack.base_url)
        with pytest.raises(NotifyError, match=r"not_in_channel\. Invite the app"):
            notifier.post("T1", "C1", "x", [])
