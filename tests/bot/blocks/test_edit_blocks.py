"""The edit preview and confirmation builders on their own: words, numbers, buttons, Slack's limits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.blocks.edit import (
    MAX_LINES,
    edit_kept_message,
    edit_preview_message,
    edit_saved_message,
    with_refinement,
)
from segcore.explain.difference import Diff
from tests.bot.blockcheck import check_message

EDIT = Diff(1200, 800, 50, 450, ("total spend threshold raised from ₹5,000 to ₹10,000", "added Mumbai to the cities"))


def _texts(payload: dict[str, object]) -> str:
    return str(payload)


def test_the_preview_says_what_changes_and_who_enters_and_leaves() -> None:
    payload = edit_preview_message("Big spenders", EDIT, "d1", "total spend more than ₹10,000 and city is Mumbai")
    check_message(payload)
    text = _texts(payload)
    assert "• total spend threshold raised from ₹5,000 to ₹10,000\\n• added Mumbai to the cities" in text
    assert "*Audience:* 1,200 → 800" in text and "*Enter:* 50 people · *Leave:* 450 people" in text
    buttons = [e for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]]  # type: ignore[index]
    assert [(b["action_id"], b["value"]) for b in buttons] == [("edit_confirm", "d1"), ("edit_cancel", "d1")]
    assert payload["text"] == "Change Big spenders? 1,200 → 800 people"


def test_nothing_changed_has_no_buttons() -> None:
    payload = edit_preview_message("Pune", Diff(5, 5, 0, 0, ()), "d1", "city is Pune")
    check_message(payload)
    assert "nothing changed" in _texts(payload) and "edit_confirm" not in _texts(payload)
    saved = edit_saved_message("Pune", Diff(1, 1, 0, 0, ()))
    check_message(saved)
    assert "nothing changed (1 person)" in _texts(saved)


def test_the_confirmation_and_the_kept_message() -> None:
    saved = edit_saved_message("Big <spenders>", EDIT)
    check_message(saved)
    assert "Saved *Big &lt;spenders&gt;*" in _texts(saved) and "*Enter:* 50 people" in _texts(saved)
    assert saved["text"] == "Saved Big <spenders>: 1,200 → 800 people, 50 entered, 450 left"
    kept = edit_kept_message("Pune")
    check_message(kept)
    assert "Kept *Pune* as it was." in _texts(kept)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=400), min_size=1, max_size=40), st.text(min_size=1, max_size=200),
       st.text(min_size=0, max_size=4000))
def test_any_edit_fits_slacks_limits(lines: list[str], name: str, words: str) -> None:
    found = Diff(10**9, 0, 0, 10**9, tuple(lines))
    payload = edit_preview_message(name, found, "d" * 16, words)
    check_message(payload)
    check_message(edit_saved_message(name, found))
    if len(lines) > MAX_LINES:
        assert f"and {len(lines) - MAX_LINES} more" in _texts(payload)


def test_a_refined_card_leads_with_what_changed() -> None:
    card = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Audience:* 800 people"}}],
            "text": "800 people"}
    refined = with_refinement(card, EDIT)
    check_message(refined)
    assert refined["blocks"][1:] == card["blocks"] and refined["text"] == card["text"]
    assert refined["blocks"][0]["elements"][0]["text"] == (
        "*Changed:* total spend threshold raised from ₹5,000 to ₹10,000; added Mumbai to the cities · "
        "1,200 → 800 (50 enter, 450 leave)")
    assert with_refinement(card, Diff(3, 3, 0, 0, ())) is card
    full = {"blocks": card["blocks"] * 50, "text": "x"}
    assert with_refinement(full, EDIT) is full
