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

    ``alternatives`` is empty unless two readers disagreed on the audience. Then it holds both readings
    (the grammar's first, then Cohere's), ``rule``/``source`` are the grammar's as a placeholder, and the
    caller must show every alternative and let the user pick: never save a reading with alternatives as is.
    The picked reading is saved with ``source="user"`` (the user chose between readers).

    ``notice`` is one short line for the user when something worth knowing happened on the way, e.g.
    "Cohere did not answer in time; read by the grammar."
    """

    rule: Rule
    assumptions: tuple[str, ...] = ()
    source: str = "grammar"
    alternatives: tuple[Reading, ...] = ()
    notice: str | None = None

    @property
    def needs_choice(self) -> bool:
        """True when the readers disagreed and the user has to pick one of ``alternatives``."""
        return bool(self.alternatives)
