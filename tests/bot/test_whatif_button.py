"""The card's "What if…" button through the real Bolt app with signed requests: a new message beside the
card, one section of bars per threshold, each marked size the card's own, each point the edited rule's size."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import BotServices
from bot.blocks.common import people
from segcore.audience import AudienceEngine
from segcore.rules import Condition, RelativeAmount, all_of
from tests.bot.conftest import TEAM
from tests.bot.driver import SlackDriver
from tests.bot.helpers import button_value
from tests.bot.slack_standin import SlackStandIn

TEXT = "spent over 5k and visited in the last 30 days"


def test_what_if_answers_with_bars_for_each_threshold(slack: SlackDriver, standin: SlackStandIn,
                                                       services: BotServices, users: list[dict[str, Any]]) -> None:
    _, url = slack.command("/segment", TEXT)
    card = standin.wait_for(lambda c: c.path.endswith("/" + url.rsplit("/", 1)[1]) and "Audience" in c.text()
                            and c.params.get("replace_original"), what="the card")
    assert "What if…" in card.text()
    slack.click("card_whatif", button_value(card, "card_whatif"), response_url=url)
    answer = standin.wait_for(lambda c: c.method == "response_url" and "What if…" in c.text()
                              and "```" in c.text(), what="the what-if answer")
    assert answer.params.get("replace_original") is False  # the card stays
    blocks = answer.params["blocks"]
    curves = [b["text"]["text"] for b in blocks if b.get("block_id", "").startswith("whatif_")
              and b["block_id"] != "whatif_rules"]
    assert [c.split("*")[1] for c in curves] == ["total spend more than ₹5,000", "visited in the last 30 days"]
    engine = AudienceEngine(services.store)
    now: datetime = services.now()
    spend_lines = curves[0].split("```")[1].splitlines()
    by_label = {line[1:].split()[0]: int(line.split()[-1].replace(",", "")) for line in spend_lines}
    visited = Condition("last_visit_at", "within_last", RelativeAmount(30, "day"))
    for label, amount in (("₹1,000", 1000), ("₹5,000", 5000), ("₹10,000", 10000)):
        expected = engine.count(TEAM, all_of(Condition("total_spend", "gt", amount), visited), now).size
        assert by_label[label] == expected, label
    marked = [line for line in spend_lines if line.startswith("▶")]
    assert len(marked) == 1 and "₹5,000" in marked[0]
    size = engine.count(TEAM, all_of(Condition("total_spend", "gt", 5000), visited), now).size
    assert f"*Audience now:* {people(size)}" in answer.text()


def test_an_expired_card_says_so(slack: SlackDriver, standin: SlackStandIn, services: BotServices) -> None:
    url = standin.response_url("old-card")
    slack.click("card_whatif", "no-such-draft", response_url=url)
    standin.wait_for_text("That card has expired", "response_url")
