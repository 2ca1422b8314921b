"""A number predicted *before* a simulation runs; the check runs it and compares."""

from __future__ import annotations

from collections.abc import Callable

from ..core import CORRECT, INCORRECT
from ..feedback import num, read_number
from ..question import Question, lazy, paragraphs
from .mistakes import close

__all__ = ["PredictQuestion"]


class PredictQuestion(Question):
    """A number to predict before a simulation runs; the check runs it and compares.

    ``actual()`` returns ``(value, evidence)`` from the simulation. A
    prediction within ``rel_tol`` (or ``abs_tol``) counts as correct;
    ``explain(prediction, actual)`` says why the simulation came out as it did.
    The first prediction checked is remembered, so the verdict can mention it.
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
        **common,
    ):
        super().__init__(name, variables=(variable,), **common)
        self.variable = variable
        self.actual = lazy(actual)
        self.label, self.explain = label, explain
        self.rel_tol, self.abs_tol = rel_tol, abs_tol
        self.spec, self.unit, self.fraction = spec, unit, fraction

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
        if self.first is None:
            self.first = x
        actual, evidence = self.actual()
        why = self.explain(x, actual)
        first = (
            f"(Your first prediction was {self.fmt(self.first)}.)"
            if not close(self.first, x, 1e-9)
            else ""
        )
        said = (
            f"You predicted {self.label} of {self.fmt(x)}; the simulation gave {self.fmt(actual)}."
        )
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
