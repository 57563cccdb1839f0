"""Block Kit builders: pure functions from data to Block Kit dicts, tested on their own.

None of them calls Slack or the database; every payload stays inside Slack's documented limits.
"""
