from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.listeners.actions import builder, card, edit, launch, library, why

ACTIONS: dict[str | re.Pattern[str], Callable[..., Any]] = {
    "card_save": card.save_segment,
    "card_edit": card.edit_rules,
    "card_campaign": card.create_campaign,
    "card_share": card.share_in_channel,
    "card_whatif": card.what_if_curves,
    re.compile(r"^pick_reading_\d+$"): card.pick_reading,
    "open_rule_builder": card.open_rule_builder,
    "home_help": card.home_help,
    re.compile(r"^list_show_\d+$"): library.show,
    re.compile(r"^home_why_\d+$"): why.why,
    "show_users": library.members,
    re.compile(r"^users_(?:next|prev)$"): library.members_page,
    "show_edit": library.edit_rules,
    "show_campaign": library.create_campaign,
    "show_delete": library.ask_delete,
    "delete_confirm": library.delete,
    "delete_cancel": library.keep,
    "edit_confirm": edit.confirm,
    "edit_cancel": edit.cancel,
    "campaign_launch": launch.open_checklist,
    "launch_confirm": launch.confirm,
    "launch_cancel": launch.cancel,
    "campaign_export": launch.export,
    re.compile(r"^rb_(?:field|op|remove)_\d+$"): builder.changed,
    re.compile(r"^rb_(?:add|match|preview)$"): builder.changed,
}


def register(app: App) -> None:
    for action_id, handler in ACTIONS.items():
        app.action(action_id)(handler)
