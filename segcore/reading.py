"""What a parser hands back: a validated rule and the assumptions made to read the text."""

from __future__ import annotations

from dataclasses import dataclass

from segcore.rules import Rule

SOURCES = ("grammar", "cohere", "both", "user")


@dataclass(frozen=True)
class Reading:
    """One reading of a request.

    ``assumptions`` are short sentences a marketer can check ("'5k' read as ₹5,000 of total spend").
    ``source`` says who read it: ``grammar``, ``cohere``, ``both`` (they agreed) or ``user`` (chosen by hand).
    """

    rule: Rule
    assumptions: tuple[str, ...] = ()
    source: str = "grammar"
