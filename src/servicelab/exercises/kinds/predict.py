"""A number predicted *before* a simulation runs, with its reason: credited, never graded.

Predict → simulate only works if a guess is honest. So a prediction is not
judged right or wrong: a number in the right form plus a sentence saying why
gets the credit, and only then does the check run the simulation and set the
two side by side (:func:`~servicelab.exercises.guess.gap`), with what the
lesson says about the difference. A prediction close to a known mistake
("you left out Analytics") is told so, as something to look at, not as a
penalty. What is *incorrect* is only what is not a prediction: text instead
of a number, a percentage where a share is asked, a reason of fewer than
three words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from servicelab._check import boolean, number

from ..core import CORRECT, INCORRECT
from ..feedback import is_plain, num, read_number, show
from ..guess import gap
from ..question import Question, lazy, paragraphs
from ..render import Outcome
from .mistakes import Mistake, close

__all__ = ["PredictQuestion", "REASON_WORDS", "NOT_GRADED", "CREDITED"]

#: the fewest words a reason must have
REASON_WORDS = 3
#: the sentence every credited prediction starts with (and the prompts repeat)
NOT_GRADED = "Predictions are not graded right or wrong"
#: the heading of a credited prediction's box (its status is "correct": it earns the point)
CREDITED = "✓ Credited"


class PredictQuestion(Question):
    """A number to predict before a simulation runs, and a sentence saying why.

    The learner sets ``variable`` (the number) and ``reason`` (a sentence,
    default ``because``). Both set, in the right form, earn the credit;
    the check then runs ``actual()`` — ``(value, evidence)`` from the
    simulation, kept private and run once — and shows the prediction next to
    it, ``explain(prediction, actual)`` (why the simulation came out as it
    did), and any recognised mistake from ``mistakes()`` (each within its
    own ``rel``, default 2 %; named unless the prediction is nearer the
    simulated value). ``rel_tol`` / ``abs_tol`` only choose the words: within
    them a prediction is called close. With ``fraction=True`` the number is
    a share between 0 and 1; with ``unit="ms"`` a prediction below 10 for a
    result of 100 ms or more is asked whether it is in seconds. The first
    prediction checked is remembered, so a revision can be compared with it.
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
        reason: str = "because",
        rel_tol: float = 0.2,
        abs_tol: float = 0.0,
        spec: str = ",.0f",
        unit: str = "",
        fraction: bool = False,
        mistakes: Callable[[], Iterable[Mistake]] = tuple,
        **common,
    ):
        super().__init__(name, variables=(variable, reason), **common)
        self.variable, self.reason = variable, reason
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

    def _mine(self, x: float) -> str:
        """The learner's number as the question formats it, unless that rounds it to zero."""
        text = self.fmt(x)
        return num(x, ",.4g", self.unit) if x and text == self.fmt(0.0) else text

    def not_attempted_message(self, blank):
        if self.variable not in blank:
            return (
                f"Nearly there: you predicted, now say why. Set `{self.reason}` to one "
                f"sentence in quotes (what your number is made of), run that cell, then run "
                f"`{self.name}.check()`. {NOT_GRADED}: the reason is what earns the credit."
            )
        return (
            f"Predict first: set `{self.variable}` to your guess and `{self.reason}` to one "
            f"sentence saying why, run that cell, then run `{self.name}.check()`. I run the "
            f"simulation only once you have predicted, so the guess is really yours. "
            f"{NOT_GRADED}."
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
        # an answer that is not plain data: read both under the time limit, judge them here
        read = self.limited(
            lambda stage: (
                read_number(values[self.variable], f"`{self.variable}`"),
                _read_reason(values[self.reason], self.reason),
            )
        )
        if not isinstance(read, tuple):
            return read  # stopped: the Outcome saying so
        (x, problem), (text, why_not) = read
        if problem or why_not:
            return self.outcome(INCORRECT, problem or why_not)
        return self._assess({self.variable: x, self.reason: text})

    def _form_problem(self, x: float) -> str | None:
        """Why ``x`` is not a prediction of what is asked (its form, never its value)."""
        if self.fraction and 1 < abs(x) <= 100:
            return (
                f"You predicted {num(x, ',.4g')}, which looks like a percentage. Write shares "
                f"as fractions between 0 and 1: {num(x / 100, ',.4g')} rather than "
                f"{num(x, ',.4g')}."
            )
        if self.fraction and not 0 <= x <= 1:
            return (
                f"You predicted {num(x, ',.4g')}, but a share lies between 0 and 1 "
                "(0.25 is a quarter)."
            )
        return None

    def _assess(self, values):
        x, problem = read_number(values[self.variable], f"`{self.variable}`")
        if problem:
            return self.outcome(INCORRECT, problem)
        problem = self._form_problem(x)
        if problem:
            return self.outcome(INCORRECT, problem)
        reason, problem = _read_reason(values[self.reason], self.reason)
        if problem:
            return self.outcome(INCORRECT, problem)
        actual, evidence = self._actual()
        if self.first is None:
            self.first = x
        said = (
            f"You predicted {self.label} of {self._mine(x)}; the simulation gave "
            f"{self.fmt(actual)}, {gap(x, actual, share=self.fraction)}."
        )
        near = close(x, actual, self.rel_tol, self.abs_tol)
        said += (
            f" Within {self._tolerance_text()}: a close prediction."
            if near
            else " The gap is what the explanation below is for."
        )
        notes = []
        if self.unit == "ms" and 0 < abs(x) < 10 and abs(actual) >= 100:
            notes.append(
                f"(Did you give seconds? The question asks for milliseconds: "
                f"{num(x, ',.4g')} s would be {num(x * 1000, ',.4g')} ms.)"
            )
        say = self._mistake(x, actual)
        if say is not None:  # named even when close: the reasoning is what counts
            notes.append(f"One thing to look at: {say}")
        first = (
            f"(Your first prediction was {self._mine(self.first)}.)"
            if not close(self.first, x, 1e-9)
            else ""
        )
        revise = (
            ""
            if near and say is None
            else f"If the result surprised you, write in `{self.reason}` what you would "
            "change, and check again: revising a prediction is part of the exercise."
        )
        return Outcome(
            self.name,
            CORRECT,
            paragraphs(
                f"**Credit for a prediction with its reason.** {NOT_GRADED}: the point is "
                "to commit to a number, then compare.",
                said,
                *notes,
                self.explain(x, actual),
                evidence,
                first,
                revise,
            ),
            label=CREDITED,
        )


def _read_reason(value, name: str) -> tuple[str | None, str | None]:
    """``(text, None)`` for a reason of :data:`REASON_WORDS`+ words, else ``(None, why)``."""
    if not isinstance(value, str):
        return None, (
            f"`{name}` is {show(value)}; write your reason as a sentence in quotes, e.g. "
            f'`{name} = "the user waits for …"`.'
        )
    text = str.__str__(value) if not is_plain(value) else value
    if len(text.split()) < REASON_WORDS:
        return None, (
            f"`{name}` is {show(text)}: say in a sentence why you expect your number (at "
            f"least {REASON_WORDS} words: what it is made of). {NOT_GRADED}: the reason is "
            "what earns the credit."
        )
    return text, None
