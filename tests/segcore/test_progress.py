"""Progress lines on a terminal, silence elsewhere (a fake stream says whether it is a terminal)."""

from __future__ import annotations

import io

from segcore.progress import Progress


class FakeTerminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_terminal_sees_count_rate_and_time_left() -> None:
    stream, clock = FakeTerminal(tty=True), Clock()
    progress = Progress(10_000, "Importing users.csv", stream, clock=clock)
    clock.now += 2
    progress.advance(2_000)
    assert stream.getvalue() == "\rImporting users.csv: 2,000 of 10,000 people (20%), 1,000/s, about 8 s left"
    clock.now += 8
    progress.advance(8_000)
    progress.done()
    last = stream.getvalue().rsplit("\r", 1)[1]
    assert last.startswith("Importing users.csv: 10,000 people in 10 s, 1,000 people/s") and last.endswith("\n")


def test_redraws_are_limited_to_a_few_a_second() -> None:
    stream, clock = FakeTerminal(tty=True), Clock()
    progress = Progress(1_000_000, "Seeding", stream, clock=clock)
    for _ in range(1000):
        clock.now += 0.001
        progress.advance(1)
    assert 1 <= stream.getvalue().count("\r") <= 6
    assert progress.count == 1000


def test_unknown_total_shows_the_count_without_a_time_left() -> None:
    stream, clock = FakeTerminal(tty=True), Clock()
    progress = Progress(None, "Building the mirror", stream, unit="rows", clock=clock)
    clock.now += 1
    progress.advance(5_000)
    assert stream.getvalue() == "\rBuilding the mirror: 5,000 rows, 5,000/s"


def test_not_a_terminal_stays_quiet() -> None:
    stream, clock = FakeTerminal(tty=False), Clock()
    progress = Progress(100, "Importing", stream, clock=clock)
    clock.now += 5
    progress.advance(50)
    progress.set(100)
    progress.done()
    assert stream.getvalue() == "" and progress.count == 100


def test_a_shorter_line_blanks_the_end_of_the_longer_one_before_it() -> None:
    stream, clock = FakeTerminal(tty=True), Clock()
    progress = Progress(1_000_000, "Seeding", stream, clock=clock)
    clock.now += 1
    progress.advance(10)
    first = stream.getvalue()
    clock.now += 1000
    progress.advance(999_990)
    second = stream.getvalue()[len(first):]
    assert len(second) >= len(first)
    progress.done()
    progress.done()  # a second done() writes nothing more
    assert stream.getvalue().count("\n") == 1
