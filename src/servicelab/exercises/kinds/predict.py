"""A number predicted *before* a simulation runs; the check runs it and compares."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from servicelab._check import boolean, number

from ..core import CORRECT, INCORRECT, solutions_hidden
from ..feedback import num, read_number
from ..question import Question, lazy, off_by, paragraphs
from .mistakes import Mistake, close

__all__ = ["PredictQuestion"]


class PredictQuestion(Question):
    """A number to predict before a simulation runs; the check runs it and compares.

    ``actual()`` returns ``(value, evidence)`` from the simulation (kept private:
    only a check runs it, once there is a prediction). A
    prediction within ``rel_tol`` (or ``abs_tol``) counts as correct;
    ``explain(prediction, actual)`` says why the simulation came out as it did.
    The tolerance is relative to the simulated value: ±20 % of 187 is 150–224.
    ``mistakes()`` are recognised wrong predictions (each within its own
    ``rel``, default 2 %); one is named even inside the tolerance, unless the
    prediction is nearer the simulated value than the mistake. With
    ``unit="ms"``, a prediction below 10 for a result of 100 ms or more is
    asked whether it is in seconds. The first prediction checked is
    remembered, so the verdict can mention it.
    """

    kind = "predict"

    def __init__(
        self,
        name: str,
        *,
        variable: str,
        actual: Callable[[], tuple[float, str]],
        label: str,
        explain: Callable[[float, float], str],
        rel_tol: float = 0.2,
        abs_tol: float = 0.0,
        spec: str = ",.0f",
        unit: str = "",
        fraction: bool = False,
        mistakes: Callable[[], Iterable[Mistake]] = tuple,
        **common,
    ):
        super().__init__(name, variables=(variable,), **common)
        self.variable = variable
        self._actual = lazy(actual)
        self.label, self.explain = label, explain
        self.rel_tol = number("rel_tol", rel_tol, low=0)
        self.abs_tol = number("abs_tol", abs_tol, low=0)
        self.spec, self.unit = spec, unit
        self.fraction = boolean("fraction", fraction)
        self.mistakes = lazy(lambda: tuple(mistakes()))

    def reset(self):
        super().reset()
        self.first: float | None = None

    def fmt(self, x: float) -> str:
        return num(x, self.spec, self.unit)

    def not_attempted_message(self, blank):
        return (
            f"Predict first: set `{self.variable}` to your guess, run that cell, then run "
            f"`{self.name}.check()`. I run the simulation only once you have predicted, "
            "so the guess is really yours."
        )

    def _tolerance_text(self) -> str:
        parts = []
        if self.rel_tol:
            parts.append(f"±{self.rel_tol:.0%}")
        if self.abs_tol:
            parts.append(f"±{self.fmt(self.abs_tol)}")
        return " or ".join(parts)

    def _mistake(self, x: float, actual: float) -> str | None:
        """What a recognised mistake says, unless ``x`` is nearer ``actual`` than the mistake."""
        for m in self.mistakes():
            if m.matches(x, rel=0.02) and abs(x - actual) >= abs(x - m.value):
                return m.say
        return None

    def bounded(self, values):
        # an answer that is not plain data: read the number under the time limit, judge it here
        return self.read_then_judge(values, lambda v: read_number(v, f"`{self.variable}`"))

    def _assess(self, values):
        x, problem = read_number(values[self.variable], f"`{self.variable}`")
        if problem:
            return self.outcome(INCORRECT, problem)
        if self.fraction and 1 < abs(x) <= 100:
            return self.outcome(
                INCORRECT,
                f"You predicted {num(x, ',.4g')}, which looks like a percentage. Write shares "
                f"as fractions between 0 and 1: {num(x / 100, ',.4g')} rather than "
                f"{num(x, ',.4g')}.",
            )
        actual, evidence = self._actual()
        if self.unit == "ms" and 0 < abs(x) < 10 and abs(actual) >= 100:
            return self.outcome(
                INCORRECT,
                f"You predicted {num(x, ',.4g')}: did you give seconds? The question asks for "
                f"milliseconds: {num(x * 1000, ',.4g')} rather than {num(x, ',.4g')}.",
            )
        if self.first is None:
            self.first = x
        why = self.explain(x, actual)
        first = (
            f"(Your first prediction was {self.fmt(self.first)}.)"
            if not close(self.first, x, 1e-9)
            else ""
        )
        said = (
            f"You predicted {self.label} of {self.fmt(x)}; the simulation gave {self.fmt(actual)}."
        )
        say = self._mistake(x, actual)
        if say is not None:  # named even inside the tolerance: the reasoning is what counts
            if solutions_hidden():
                return self.outcome(
                    INCORRECT,
                    paragraphs(
                        f"You predicted {self.label} of {self.fmt(x)}: {say}",
                        first,
                        f"Reason it through again (`{self.name}.hint()` can help) and check "
                        "once more.",
                    ),
                )
            return self.outcome(INCORRECT, paragraphs(f"{said} {say}", why, evidence, first))
        if close(x, actual, self.rel_tol, self.abs_tol):
            return self.outcome(
                CORRECT,
                paragraphs(
                    f"{said} Within {self._tolerance_text()}: a good prediction.",
                    why,
                    evidence,
                    first,
                ),
            )
        if solutions_hidden():  # the result and its reasons wait until the prediction is right
            return self.outcome(
                INCORRECT,
                paragraphs(
                    f"You predicted {self.label} of {self.fmt(x)}. That is not within "
                    f"{self._tolerance_text()} of what the simulation gives: it is "
                    f"{off_by(x, actual)}.",
                    first,
                    f"Reason it through again (`{self.name}.hint()` can help) and check once more.",
                ),
            )
        return self.outcome(
            INCORRECT,
            paragraphs(
                f"{said} That is outside {self._tolerance_text()}.",
                why,
                evidence,
                first,
                "That gap is what this question is for: the reason above is the lesson. "
                "Set your prediction again from the reasoning (not by copying the number) "
                "and check once more.",
            ),
        )
