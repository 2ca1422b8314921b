"""Known mistakes: a wrong answer learners often give, recognised by its value, and what to say.

A :class:`~servicelab.exercises.kinds.ValueQuestion` lists the wrong numbers
learners write ("0.9801: did you multiply all four?"); a
:class:`~servicelab.exercises.kinds.FunctionQuestion` lists, for each case,
the wrong results a function gives back — the same catalogue, so both say
the same kind of sentence.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass

from ..feedback import read_number

__all__ = ["Mistake", "close", "recognise"]


def close(x: float, ref: float, rel: float, abs_: float = 0.0) -> bool:
    """True if ``x`` is within ``rel`` of ``ref`` (relative to ``ref``) or ``abs_`` of it.

    The tolerance is relative to the reference (the expected or simulated
    value), not to the larger of the two as in :func:`math.isclose`: "±20 %"
    of 187 accepts 150–224, not 234.
    """
    if math.isnan(x) or math.isnan(ref):
        return False
    if math.isinf(x) or math.isinf(ref):
        return x == ref
    return abs(x - ref) <= max(rel * abs(ref), abs_)


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


@dataclass(frozen=True)
class Mistake:
    """A wrong answer learners often give (``value``), and what to ``say`` when one does.

    A number matches an answer that reads as a number (as the checks read
    one) within ``rel`` (``None``: the question's own tolerance); anything
    else (a label) matches an equal answer.
    """

    value: object
    say: str
    rel: float | None = None

    def matches(self, x, *, rel: float, abs_tol: float = 0.0) -> bool:
        if _is_number(self.value):
            number, problem = read_number(x, "the answer")
            if problem:
                return False
            return close(number, self.value, self.rel if self.rel is not None else rel, abs_tol)
        try:
            return bool(x == self.value)
        except Exception:  # a learner's value whose == raises
            return False


def recognise(x, mistakes: Iterable[Mistake], *, rel: float, abs_tol: float = 0.0) -> str | None:
    """What the first of ``mistakes`` that ``x`` matches says, or None."""
    for m in mistakes:
        if m.matches(x, rel=rel, abs_tol=abs_tol):
            return m.say
    return None
