"""Explaining a segment's size: what if a threshold moved, what an edit changed, why the size changed.

Each question has its own module (``whatif``, ``changes``, ``why``); none of them imports Slack or Flask.
"""
