"""Every block builder on its own, at the extremes, checked against Slack's limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.blocks.campaigns import CampaignRow, campaign_detail_message, campaign_list_message
from bot.blocks.common import escape, trim
from bot.blocks.home import home_view
from bot.blocks.library import (
    MembersPage,
    SegmentRow,
    confirm_delete_message,
    help_message,
    members_message,
    overlap_message,
    segment_detail_message,
    segment_list_message,
    trend_text,
)
from bot.blocks.modals import new_campaign_view, rule_builder_view, save_segment_view
from bot.blocks.segment_card import (
    Choice,
    Preview,
    SizeLine,
    counting_message,
    disagreement_message,
    error_message,
    refusal_message,
    segment_message,
)
from bot.builder import MAX_ROWS, BuilderState, Row
from segcore.catalog import default_catalog
from tests.bot.blockcheck import BlockKitViolation, check_message, check_view

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LONG = "spent over 5k in Pune and " * 200  # 5,200 characters
SIZE = SizeLine(123456, "mongodb", NOW, 42.0)


def texts(payload: dict) -> str:
    return str(payload)


def preview(**kw: object) -> Preview:
    base = dict(request="spent over 5k", description="total spend more than ₹5,000", source="grammar",
                draft_id="abc123", size=SIZE,
                sample=({"user_id": "u1", "name": "M*** D***", "email": "m***@example.com", "city": "Pune"},))
    base.update(kw)
    return Preview(**base)  # type: ignore[arg-type]


def test_the_card_shows_rules_source_size_freshness_sample_and_buttons() -> None:
    msg = segment_message(preview(assumptions=("'5k' read as ₹5,000 of total spend",)), now=NOW)
    check_message(msg)
    text = texts(msg)
    for expected in ("total spend more than ₹5,000", "grammar parser", "1,23,456 people", "Counted by mongodb",
                     "today 12:00 UTC", "M*** D***", "'5k' read as ₹5,000", "Save segment", "Edit rules",
                     "Create campaign", "Share in channel"):
        assert expected in text, expected
    assert "Share in channel" not in texts(segment_message(preview(), ephemeral=False))


def test_the_card_names_cohere_and_its_fallback_notice() -> None:
    msg = segment_message(preview(source="grammar", notice="Cohere did not answer in time; the grammar read it."))
    assert "Cohere did not answer in time" in texts(msg)
    assert "Cohere" in texts(segment_message(preview(source="cohere")))
    assert "agreed" in texts(segment_message(preview(source="both")))


def test_while_counting_there_are_no_buttons_yet() -> None:
    msg = segment_message(preview(size=None))
    check_message(msg)
    assert "counting" in texts(msg) and "Save segment" not in texts(msg)
    check_message(counting_message(LONG))
    assert "You asked" not in texts(counting_message(""))


def test_huge_inputs_stay_inside_the_limits() -> None:
    msg = segment_message(preview(request=LONG, description=LONG, assumptions=tuple(LONG.split("and"))[:40],
                                  notice=LONG, sample=tuple({"name": LONG, "city": LONG} for _ in range(9))))
    check_message(msg)
    check_message(refusal_message(LONG, LONG, [LONG] * 50, LONG.split()))
    check_message(error_message(LONG, "abcd1234"))
    check_message(disagreement_message(LONG, [Choice("Grammar", LONG, 5, "d1"), Choice("Cohere", LONG, 6, "d2")]))


def test_a_refusal_says_what_was_and_was_not_understood() -> None:
    msg = refusal_message("spent over 5k on unicorns", "I could not read “on unicorns”.",
                          ["total spend more than ₹5,000"], ["on", "unicorns"])
    check_message(msg)
    assert "“unicorns”" in texts(msg) and "total spend more than ₹5,000" in texts(msg)
    assert "open_rule_builder" in texts(msg)


def test_user_text_cannot_inject_mentions_or_links() -> None:
    msg = segment_message(preview(request="<!channel> <https://evil.example|click>"))
    assert "<!channel>" not in texts(msg) and "&lt;!channel&gt;" in texts(msg)
    assert escape("a & b") == "a &amp; b"
    assert trim("abcdef", 4) == "abc…" and trim("abc", 4) == "abc"


def rows(n: int) -> list[SegmentRow]:
    return [SegmentRow(id=f"{i:024x}", name=f"Segment {i} " + "x" * 70, description=LONG, size=i * 10,
                       counted_at=NOW, trend=(i, i * 2)) for i in range(n)]


def test_lists_of_any_length_stay_inside_the_limits() -> None:
    for n in (0, 1, 39, 40, 41, 250):
        check_message(segment_list_message(rows(n), NOW))
        check_view(home_view(rows(n), [CampaignRow(str(i), f"C{i}", "email", "draft", "U1", ("A",) * 30)
                                       for i in range(n)], NOW))
    assert "and 210 more" in texts(segment_list_message(rows(250), NOW))


def test_show_members_delete_overlap_help_campaigns() -> None:
    row = rows(1)[0]
    check_message(segment_detail_message(row, [(NOW, 5)] * 20, NOW))
    page = MembersPage("s1", "Pune", tuple({"user_id": f"u{i}", "email": "m***@x.com"} for i in range(10)),
                       page=2, cursors=("u9",), next_cursor="u19", total=35)
    msg = members_message(page)
    check_message(msg)
    assert "Previous" in texts(msg) and "Next" in texts(msg) and "35 people" in texts(msg)
    check_message(confirm_delete_message(row, ["Diwali"] * 30))
    ov = overlap_message("A", "B", 100, 40, 10)
    check_message(ov)
    assert "10.0% of A" in texts(ov) and "25.0% of B" in texts(ov)
    check_message(help_message())
    camp = CampaignRow("c1", "Diwali", "email", "draft", "U0MARKETER", ("Pune",), message=LONG)
    check_message(campaign_detail_message(camp, {"Pune": 31}, NOW))
    check_message(campaign_list_message([camp] * 100, NOW))


def test_trend_words() -> None:
    assert trend_text(()) == "no trend yet"
    assert trend_text((100, 112)).startswith("▲ 12%")
    assert trend_text((100, 50)).startswith("▼ 50%")
    assert "steady" in trend_text((7, 7, 7))


def test_modals_stay_inside_the_limits() -> None:
    catalog = default_catalog()
    full = BuilderState([Row("tags", "has_any", "vip, " * 50)] * MAX_ROWS, "any", 3,
                        {"u": "https://hooks.slack.com/actions/T0/123/" + "x" * 60, "s": "a" * 24})
    view = rule_builder_view(full, catalog, preview="*Audience:* 5 people", note=LONG)
    check_view(view)
    assert "Add condition" not in texts(view)  # at the maximum number of conditions
    check_view(rule_builder_view(BuilderState(), catalog))
    check_view(save_segment_view("{}", suggested=LONG, description=LONG))
    check_view(new_campaign_view([(f"{i:024x}", f"Segment {i} " + "y" * 90) for i in range(300)], "{}",
                                 selected_segment=f"{5:024x}"))
    check_view(new_campaign_view([], "{}", draft_description=LONG, name=LONG))


def test_the_checker_catches_what_slack_would_refuse() -> None:
    with pytest.raises(BlockKitViolation):
        check_message({"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}] * 51})
    with pytest.raises(BlockKitViolation):
        check_message({"text": "x", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]})
    with pytest.raises(BlockKitViolation):
        check_message({"text": "x", "blocks": [{"type": "actions", "elements": [
            {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "b"}},
            {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "c"}}]}]})
    with pytest.raises(BlockKitViolation):
        check_view({"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": []})
    with pytest.raises(BlockKitViolation):
        check_message({"blocks": [{"type": "divider"}]})  # no fallback text


ANY_TEXT = st.text(min_size=0, max_size=4000)


@settings(max_examples=60, deadline=None)
@given(request=ANY_TEXT, description=ANY_TEXT.filter(bool), notice=st.none() | ANY_TEXT,
       assumptions=st.lists(ANY_TEXT, max_size=30), names=st.lists(ANY_TEXT, max_size=8))
def test_any_text_stays_inside_the_limits(request: str, description: str, notice: str | None,
                                         assumptions: list[str], names: list[str]) -> None:
    sample = tuple({"user_id": n[:50], "name": n, "city": n} for n in names)
    check_message(segment_message(preview(request=request, description=description, notice=notice,
                                          assumptions=tuple(assumptions), sample=sample)))
    check_message(refusal_message(request, description, assumptions, request.split()))
    segs = [SegmentRow(id=str(i), name=n or "x", description=description, size=i, counted_at=None)
            for i, n in enumerate(names)]
    check_message(segment_list_message(segs))
    check_view(home_view(segs, []))
    check_view(save_segment_view("{}", suggested=request, description=description))


def test_the_builder_offers_events_and_their_rows_stay_inside_the_limits() -> None:
    catalog = default_catalog()
    rows = [Row("event:Product Viewed", "gte", "3, Electronics, in the last 30 days"),
            Row("event:Email Opened", "none", ""), Row("visits", "gt", "5")]
    view = rule_builder_view(BuilderState(rows, "all"), catalog)
    check_view(view)
    selects = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
               if e.get("action_id", "").startswith(("rb_field_", "rb_op_"))]
    assert {o["value"] for o in selects[0]["options"]} >= {"event:Product Viewed", "event:Coupon Applied", "visits"}
    assert selects[0]["initial_option"]["value"] == "event:Product Viewed"
    assert selects[1]["initial_option"] == {"text": {"type": "plain_text", "text": "at least", "emoji": True},
                                            "value": "gte"} or selects[1]["initial_option"]["value"] == "gte"
    assert "none" in {o["value"] for o in selects[1]["options"]}
    assert selects[3]["initial_option"]["value"] == "none"
    hints = [b["element"]["placeholder"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert "in the last 30 days" in hints[0] and "a number" in hints[2]


def test_the_card_and_app_home_say_event_conditions_in_words() -> None:
    from segcore.rendering import describe
    from segcore.rules import rule_from_json

    rule = rule_from_json({"all": [
        {"event": "Product Added", "when": {"op": "within_last", "value": {"amount": 7, "unit": "day"}}},
        {"event": "Checkout Started", "count": {"op": "eq", "value": 0},
         "when": {"op": "within_last", "value": {"amount": 7, "unit": "day"}}}]})
    words = describe(rule, default_catalog())
    assert words == ("added a product to the cart in the last 7 days and "
                     "have not started checkout in the last 7 days")
    card = segment_message(preview(description=words), now=NOW)
    check_message(card)
    assert words in texts(card) and '"event"' not in texts(card)
    home = home_view([SegmentRow("s1", "Abandoned carts", words, 12, NOW)], [], now=NOW)
    check_view(home)
    assert words in texts(home)
