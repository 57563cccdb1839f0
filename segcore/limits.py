"""Limits on what a rule or a request may contain, enforced everywhere and documented in the README."""

MAX_TEXT_LENGTH = 2000  # characters of natural-language text in one request
MAX_CONDITIONS = 50  # conditions in one rule tree (an event condition is 1, plus 1 per property condition)
# Event conditions in one rule tree: each is its own pass over the workspace's events in MongoDB.
MAX_EVENT_CONDITIONS = 10
MAX_DEPTH = 4  # nesting of groups: {"all": [{"any": [{"not": cond}]}]} is depth 3
MAX_LIST_VALUES = 200  # values in one in / not_in / has_any / has_all / has_none list
MAX_VALUE_LENGTH = 200  # characters in one text value
MAX_NUMBER = 1e15  # absolute value of a number in a rule
MAX_RELATIVE_AMOUNT = 10_000  # "within the last N units"
MAX_PAGE_SIZE = 200  # members in one page of a listing
