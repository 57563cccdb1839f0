"""The one place a ``CohereReader`` is built from settings, so every entry point reads with the same budget."""

from __future__ import annotations

from segcore.cohere_reader import CohereReader
from segments.config import Settings


def cohere_reader_from_settings(settings: Settings) -> CohereReader | None:
    """A reader when ``COHERE_API_KEY`` is set, else None (the grammar reads alone).

    ``max_retries=0``: a retry by the SDK waits a second or more first; falling back to the grammar at once
    keeps a slash command inside its budget. ``COHERE_TIMEOUT`` bounds the whole reading, repair included.
    """
    if not settings.cohere_api_key:
        return None
    return CohereReader(
        api_key=settings.cohere_api_key,
        model=settings.cohere_model,
        base_url=settings.cohere_base_url,
        timeout=settings.cohere_timeout,
        max_retries=0,
    )
