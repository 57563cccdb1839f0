"""Cohere as a second reader of natural language, through the official SDK (``cohere.ClientV2``, v2 chat).

One ``read`` costs at most two calls (the answer, and one repair when the answer is not a valid rule) and at
most ``timeout`` seconds in all: the repair only gets the time the first call left. ``max_retries`` defaults
to 0 because the SDK's own retry waits a second or more before trying again, which a slash command cannot
afford; a failed call falls back to the grammar at once instead. The SDK never retries timeouts anyway.

Whatever Cohere answers is parsed and validated exactly like rules typed by hand; an answer that is not a
valid rule never leaves this module. Every failure is a ``CohereUnavailable`` with a short ``reason`` code,
logged once (never with the API key or the marketer's text).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from segcore.catalog import FieldCatalog
from segcore.cohere_prompt import messages_for, repair_messages
from segcore.cohere_schema import ENVELOPE_KEY, UNREADABLE_KEY, rule_schema
from segcore.errors import RuleError, SegmentError
from segcore.reading import Reading
from segcore.rules import AbsoluteDate, AllOf, AnyOf, Rule, conditions, event_conditions
from segcore.timezones import zone_name
from segcore.validation import validate_json

log = logging.getLogger("segcore.cohere")

SEED = 1729  # fixed, with temperature 0, so the same request reads the same way
MAX_OUTPUT_TOKENS = 700  # a 50-condition rule fits; a runaway answer is cut (and rejected) early
MIN_REPAIR_SECONDS = 0.5  # below this the repair would time out anyway: fall back instead

# What the marketer is told (one line) for each reason a reading by Cohere was not used.
NOTICES = {
    "not_configured": "Cohere is not configured (no COHERE_API_KEY)",
    "timeout": "Cohere did not answer in time",
    "network": "Cohere could not be reached",
    "unauthorized": "Cohere refused our API key",
    "rate_limited": "Cohere is rate-limiting us",
    "server_error": "Cohere had an internal error",
    "bad_request": "Cohere rejected the request",
    "invalid_output": "Cohere's answer was not a valid segment",
    "unreadable": "Cohere could not read this as a segment",
    "error": "Cohere failed unexpectedly",
}


class CohereUnavailable(SegmentError):
    """Cohere gave no usable reading; ``reason`` is one of ``NOTICES``' keys."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        # ``detail`` goes to the log only: it can hold the model's own words, which are not shown to users.
        super().__init__(f"{NOTICES.get(reason, NOTICES['error'])}.")

    @property
    def notice(self) -> str:
        return NOTICES.get(self.reason, NOTICES["error"])


@dataclass
class CohereStats:
    """Counters for the bill and for tests: calls made, answers cached, tokens billed, fallbacks by reason."""

    calls: int = 0
    cache_hits: int = 0
    repairs: int = 0
    input_tokens: float = 0
    output_tokens: float = 0
    fallbacks: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, name: str, amount: float = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)

    def fallback(self, reason: str) -> None:
        with self._lock:
            self.fallbacks[reason] += 1


_NAMES_A_DATE = re.compile(
    r"\b(1[89]|2[01])\d{2}\b|\b\d{1,2}/\d{1,2}\b|"
    r"\b(january|jan|february|feb|march|mar|april|apr|may|june|jun|july|jul|august|aug|september|sept|sep|"
    r"october|oct|november|nov|december|dec)\b",
    re.IGNORECASE,
)


def computed_dates(rule: Rule, text: str) -> list[str]:
    """Absolute dates in ``rule`` although ``text`` names no calendar date: the model did the arithmetic."""
    if _NAMES_A_DATE.search(text):
        return []
    found: list[str] = []
    said = [cond.value for cond in conditions(rule)]
    said += [event.when.value for event in event_conditions(rule) if event.when is not None]
    for value in said:
        values = value if isinstance(value, tuple) else (value,)
        found.extend(v.to_json() for v in values if isinstance(v, AbsoluteDate))
    return found


class _Cache:
    """A small LRU, shared by the threads of one process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, Reading | CohereUnavailable] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Reading | CohereUnavailable | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: str, item: Reading | CohereUnavailable) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class CohereReader:
    """Reads a marketer's text into a validated rule with Cohere, or raises ``CohereUnavailable``."""

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout: float = 4.0,
        max_retries: int = 0,
        client: Any | None = None,
        cache_size: int = 512,
    ) -> None:
        self.model = model
        self.timeout = timeout
        self.stats = CohereStats()
        self._cache = _Cache(cache_size)
        if client is None:
            import cohere  # imported here: the SDK and httpx cost ~0.3 s, which grammar-only runs never pay

            client = cohere.ClientV2(
                api_key=api_key,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
                log_warning_experimental_features=False,
            )
        # Typed loosely: tests and callers may hand in any object with the SDK's ``chat``.
        self._client: Any = client

    def close(self) -> None:
        wrapper = getattr(self._client, "_client_wrapper", None)
        if wrapper is not None:
            wrapper.httpx_client.httpx_client.close()

    def read(self, text: str, catalog: FieldCatalog, now: datetime, team_id: str = "local") -> Reading:
        key = self._cache_key(text, catalog, now, team_id)
        cached = self._cache.get(key)
        if cached is not None:
            self.stats.add("cache_hits")
            if isinstance(cached, CohereUnavailable):
                raise cached
            return cached
        started = time.monotonic()
        try:
            reading = self._read(text, catalog, now, deadline=started + self.timeout)
        except CohereUnavailable as exc:
            self.stats.fallback(exc.reason)
            log.warning(
                "cohere reading not used: reason=%s team=%s text_chars=%d elapsed=%.2fs detail=%s",
                exc.reason, team_id, len(text), time.monotonic() - started, exc.detail[:300],
            )
            # A model's verdict on this text is as stable as its answer; an outage is not.
            if exc.reason in ("invalid_output", "unreadable"):
                self._cache.put(key, exc)
            raise
        self._cache.put(key, reading)
        return reading

    # -------------------------------------------------------------------------------------------- internals

    def _cache_key(self, text: str, catalog: FieldCatalog, now: datetime, team_id: str) -> str:
        words = " ".join(text.split()).casefold()
        # The workspace's day and zone: a bare month name's year depends on both.
        day = f"{now.date().isoformat()} {zone_name(now.tzinfo)}"
        fingerprint = json.dumps(catalog.to_json(), sort_keys=True)
        return hashlib.sha256(
            json.dumps([team_id, day, self.model, words, fingerprint]).encode("utf-8")
        ).hexdigest()

    def _read(self, text: str, catalog: FieldCatalog, now: datetime, deadline: float) -> Reading:
        schema = rule_schema(catalog)
        messages = messages_for(text, catalog, now)
        answer = self._chat(messages, schema, deadline)
        try:
            return self._accept(answer, text, catalog)
        except RuleError as exc:
            error = exc.message if not exc.path else f"{exc.message} (at {exc.path})"
        if deadline - time.monotonic() < MIN_REPAIR_SECONDS:
            raise CohereUnavailable("invalid_output", f"no time left to repair: {error}")
        self.stats.add("repairs")
        second = self._chat(repair_messages(messages, answer, error), schema, deadline)
        try:
            return self._accept(second, text, catalog)
        except RuleError as exc:
            raise CohereUnavailable("invalid_output", f"twice: {error} / {exc.message}") from None

    def _accept(self, answer: str, text: str, catalog: FieldCatalog) -> Reading:
        """The answer as a validated reading; ``RuleError`` (worth one repair) when it is not a valid rule."""
        try:
            data = json.loads(answer)
        except ValueError:
            raise RuleError("The answer is not JSON.") from None
        if isinstance(data, dict) and set(data) == {ENVELOPE_KEY}:
            data = data[ENVELOPE_KEY]  # the schema's envelope; a bare rule is taken as well
        if isinstance(data, dict) and set(data) == {UNREADABLE_KEY}:
            raise CohereUnavailable("unreadable", str(data[UNREADABLE_KEY])[:200])
        rule = validate_json(data, catalog)
        computed = computed_dates(rule, text)
        if computed:
            raise RuleError(
                f"The text names no date, yet the answer holds {', '.join(computed)}: keep relative words "
                'relative, with {"amount": N, "unit": ...} or {"period": ..., "offset": N}.'
            )
        if isinstance(rule, AllOf | AnyOf) and len(rule.rules) == 1:
            rule = rule.rules[0]  # the schema always wraps in a root group; one item needs none
        return Reading(rule, (), "cohere")

    def _chat(self, messages: list[dict[str, Any]], schema: dict[str, Any], deadline: float) -> str:
        import httpx
        from cohere.core.api_error import ApiError

        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise CohereUnavailable("timeout", "no time left")
        self.stats.add("calls")
        try:
            response = self._client.chat(
                model=self.model,
                messages=messages,
                response_format={"type": "json_object", "json_schema": schema},
                temperature=0,
                seed=SEED,
                max_tokens=MAX_OUTPUT_TOKENS,
                request_options={"timeout": remaining},
            )
        except httpx.TimeoutException as exc:
            raise CohereUnavailable("timeout", type(exc).__name__) from None
        except httpx.TransportError as exc:
            raise CohereUnavailable("network", f"{type(exc).__name__}: {exc}") from None
        except ApiError as exc:
            raise CohereUnavailable(_reason_for_status(exc.status_code), _error_detail(exc)) from None
        except Exception as exc:  # the SDK is third-party: a surprise must not take the request down
            raise CohereUnavailable("error", f"{type(exc).__name__}: {exc}") from None
        usage = getattr(response, "usage", None)
        billed = getattr(usage, "billed_units", None)
        if billed is not None:
            self.stats.add("input_tokens", billed.input_tokens or 0)
            self.stats.add("output_tokens", billed.output_tokens or 0)
        content = getattr(response.message, "content", None) or []
        # An answer cut short (finish_reason MAX_TOKENS) is not JSON and gets rejected like any other.
        return "".join(getattr(item, "text", "") or "" for item in content if getattr(item, "type", "") == "text")


def _reason_for_status(status: int | None) -> str:
    if status in (401, 403, 498):
        return "unauthorized"
    if status == 429:
        return "rate_limited"
    if status is not None and status >= 500:
        return "server_error"
    if status is not None and 400 <= status < 500:
        return "bad_request"
    return "error"


def _error_detail(exc: Any) -> str:
    body = exc.body
    message = body.get("message") if isinstance(body, dict) else body
    return f"HTTP {exc.status_code}: {str(message)[:200]}"
