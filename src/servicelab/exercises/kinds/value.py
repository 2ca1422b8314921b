"""A number, compared with the kit's own: a closed form such as a chain's availability."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from servicelab._check import boolean, number

from ..core import CORRECT, INCORRECT, solutions_hidden
from ..feedback import num, read_number
from ..question import Question, lazy, off_by, paragraphs, resolve
from .mistakes import Mistake, close, recognise

__all__ = ["ValueQuestion", "MISTAKE_REL"]

#: how near a known mistake a number must be to be recognised as it (relative)
MISTAKE_REL = 0.002


class ValueQuestion(Question):
    """A number, compared with ``expected()`` within ``abs_tol``/``rel_tol``.

    ``label`` names the number ("chain availability"); ``truth(text)`` states
    the right value in a sentence ("a 4-service chain of 0.99 each is
    {text}"); ``mistakes()`` are recognised wrong answers (within
    :data:`MISTAKE_REL` unless a :class:`Mistake` says otherwise);
    ``evidence()`` is a sentence from a simulation. ``fraction=True`` catches
    percentages. ``decimals`` is the precision the prompt asks for: an answer
    that is the expected value rounded to one decimal fewer is told so first,
    before any known mistake it happens to equal.
    """

    kind = "value"

    def __init__(
        self,
        name: str,
        *,
        variable: str,
        expected: Callable[[], float],
        label: str,
        truth: Callable[[str], str],
        abs_tol: float = 0.0,
        rel_tol: float = 1e-9,
        spec: str = ",.4g",
        unit: str = "",
        fraction: bool = False,
        decimals: int | None = None,
        mistakes: Callable[[], Iterable[Mistake]] = tuple,
        evidence: Callable[[], str] | None = None,
        when_correct: str | Callable[[], str] = "",
        **common,
    ):
        super().__init__(name, variables=(variable,), **common)
        self.variable = variable
        self._expected = lazy(expected)  # private: a check judges, it does not tell
        self.label, self.truth = label, truth
        self.abs_tol = number("abs_tol", abs_tol, low=0)
        self.rel_tol = number("rel_tol", rel_tol, low=0)
        self.spec, self.unit = spec, unit
        self.fraction = boolean("fraction", fraction)
        self.decimals = decimals
        self.mistakes = lazy(lambda: tuple(mistakes()))
        self.evidence = lazy(evidence) if evidence is not None else None
        self.when_correct = when_correct

    def fmt(self, x: float) -> str:
        return num(x, self.spec, self.unit)

    def _evidence(self) -> str:
        return self.evidence() if self.evidence is not None else ""

    def bounded(self, values):
        # an answer that is not plain data: read the number under the time limit, judge it here
        return self.read_then_judge(values, lambda v: read_number(v, f"`{self.variable}`"))

    def _assess(self, values):
        x, problem = read_number(values[self.variable], f"`{self.variable}`")
        if problem:
            return self.outcome(INCORRECT, problem)
        want = self._expected()
        said = f"Your {self.label} is {self.fmt(x)}"
        if close(x, want, self.rel_tol, self.abs_tol):
            return self.outcome(
                CORRECT,
                paragraphs(f"{said}: right.", resolve(self.when_correct), self._evidence()),
            )
        truth = self.truth(self.fmt(want))
        if self.fraction and 1 < abs(x) <= 100 and close(x / 100, want, 0.01, self.abs_tol):
            return self.outcome(
                INCORRECT,
                f"Your {self.label} is {num(x, ',.6g')}, which looks like a percentage. Write "
                f"shares as fractions between 0 and 1: {num(x / 100, self.spec)} rather than "
                f"{num(x, ',.6g')}.",
            )
        say = recognise(x, self.mistakes(), rel=MISTAKE_REL, abs_tol=self.abs_tol / 2)
        rounded = self._rounded(x, want, said, say)
        if rounded is not None:
            return self.outcome(INCORRECT, rounded)
        if solutions_hidden():  # say what is wrong, not what is right (no evidence: it is close)
            why = say if say is not None else f"it is {off_by(x, want)}."
            return self.outcome(
                INCORRECT,
                paragraphs(f"{said}, which is not right: {why}", f"`{self.name}.hint()` can help."),
            )
        if say is not None:
            return self.outcome(
                INCORRECT, paragraphs(f"{said} but {truth}: {say}", self._evidence())
            )
        return self.outcome(
            INCORRECT,
            paragraphs(
                f"{said} but {truth}{self._how_far(x, want)}.",
                self._evidence(),
                f"`{self.name}.hint()` can help.",
            ),
        )

    def _rounded(self, x: float, want: float, said: str, say: str | None) -> str | None:
        """The rounding hint, if ``x`` is ``want`` rounded to one decimal fewer than asked."""
        if self.decimals is None or self.decimals < 1:
            return None
        places = self.decimals - 1
        if abs(x - round(want, places)) > 1e-12:
            return None
        if solutions_hidden():
            lead = (
                f"{said}, with only {places} decimals: the question asks for {self.decimals}, "
                f"and a value rounded to {places} cannot be told apart from a wrong one."
            )
        else:
            lead = (
                f"{said}: that is the right value rounded to {places} decimals, but the "
                f"question asks for {self.decimals}."
            )
        return paragraphs(
            f"{lead} Give {self.decimals} decimals, or write the calculation itself.",
            f"(If you did not round: {say})" if say is not None else "",
        )

    @staticmethod
    def _how_far(x: float, want: float) -> str:
        """`` (yours is 2.5 times too large)``, or nothing if the signs differ."""
        if not (want and x and math.copysign(1, x) == math.copysign(1, want)):
            return ""
        ratio = x / want
        how = f"{ratio:.3g} times too large" if ratio > 1 else f"{1 / ratio:.3g} times too small"
        if 0.8 < ratio < 1.25:
            how = f"{abs(ratio - 1):.1%} too {'high' if ratio > 1 else 'low'}"
        return f" (yours is {how})"
