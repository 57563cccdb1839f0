"""Progress of long work (imports, seeding, a mirror build) on a terminal: count, rate and time left.

    progress = Progress(total, "Importing users.csv", sys.stderr)   # total 0 or None: unknown
    progress.advance(1000)
    progress.done()

It writes one line that rewrites itself (``\\r``) and only when the stream is a terminal: piped into a file
or a log, a command's output stays what it was. Redraws are limited to a few a second so that a fast loop
pays nothing for them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

REDRAW_SECONDS = 0.2


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or not a real stream
        return False


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class Progress:
    """Counts work done and shows it on a terminal; silent on anything else."""

    def __init__(
        self,
        total: int | None,
        label: str,
        stream: TextIO | None = None,
        unit: str = "people",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = max(0, total or 0)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.unit = unit
        self.clock = clock
        self.count = 0
        self.started = clock()
        self.shown = _is_terminal(self.stream)
        self._drawn_at: float | None = None
        self._width = 0

    def advance(self, n: int = 1) -> None:
        self.count += n
        if not self.shown:
            return
        now = self.clock()
        if self._drawn_at is None or now - self._drawn_at >= REDRAW_SECONDS:
            self._draw(self.line(now))
            self._drawn_at = now

    def set(self, count: int, total: int | None = None) -> None:
        """Jump to ``count`` done (of ``total`` when it changes): for work that reports where it is."""
        if total is not None:
            self.total = max(0, total)
        self.advance(count - self.count)

    def done(self) -> None:
        """The final line (count, time taken, rate), then a new line; nothing when not a terminal."""
        if not self.shown:
            return
        elapsed = self.clock() - self.started
        rate = f", {self.count / elapsed:,.0f} {self.unit}/s" if elapsed > 0 else ""
        self._draw(f"{self.label}: {self.count:,} {self.unit} in {_duration(elapsed)}{rate}")
        self.stream.write("\n")
        self.stream.flush()
        self.shown = False  # a second done() writes nothing

    def line(self, now: float | None = None) -> str:
        """What the terminal shows now."""
        elapsed = (self.clock() if now is None else now) - self.started
        rate = self.count / elapsed if elapsed > 0 else 0.0
        text = f"{self.label}: {self.count:,}"
        if self.total:
            text += f" of {self.total:,} {self.unit} ({min(1.0, self.count / self.total):.0%})"
        else:
            text += f" {self.unit}"
        if rate > 0:
            text += f", {rate:,.0f}/s"
            if self.total and self.count < self.total:
                text += f", about {_duration((self.total - self.count) / rate)} left"
        return text

    def _draw(self, text: str) -> None:
        # Pad over the previous line: it may have been longer.
        padding = " " * max(0, self._width - len(text))
        self._width = len(text)
        self.stream.write("\r" + text + padding)
        self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.done()


__all__ = ["Progress"]
