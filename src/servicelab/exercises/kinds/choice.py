"""One option of several, by letter, with a reason for each wrong option."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..core import CORRECT, INCORRECT
from ..feedback import show
from ..question import Question, lazy, paragraphs, resolve

__all__ = ["ChoiceQuestion", "read_letter"]


def read_letter(value, options: Mapping[str, str]) -> tuple[str | None, str | None]:
    """``(letter, None)`` if ``value`` picks one of ``options``, else ``(None, why not)``.

    A letter in any case and with brackets (``"B"``, ``"(b)"``) or an option's
    whole text picks it. The answer is read as a plain ``str`` (a subclass's
    own ``__eq__`` or ``strip`` is never called), and the letter returned is
    the option's own key.
    """
    letters = "/".join(f"'{k}'" for k in options)
    if isinstance(value, str):
        value = str.__str__(value)  # a plain copy: a str subclass cannot rig the comparisons
        t = value.strip().strip("().:").strip().lower()
        for k, text in options.items():
            if t == k or value.strip().casefold() == text.casefold():
                return k, None
        return None, f"{show(value)} is not one of the options: write one letter, {letters}."
    if isinstance(value, (list, tuple, set)):
        return None, f"Pick one option only: write one letter, {letters}."
    return None, (
        f"Your answer is {show(value)}; write the letter of your choice in quotes, "
        f"e.g. `answer = '{next(iter(options))}'`."
    )


class ChoiceQuestion(Question):
    """One option of several, by letter. ``why[letter]`` explains each wrong option.

    The right letter (``answer``) and the reasons (``why``, whose letters are the
    wrong ones) are private.
    """

    kind = "choice"

    def __init__(
        self,
        name: str,
        *,
        variable: str,
        options: Mapping[str, str],
        answer: Callable[[], str],
        why: Mapping[str, str],
        when_correct: str | Callable[[], str],
        evidence: Callable[[], str] | None = None,
        **common,
    ):
        super().__init__(name, variables=(variable,), **common)
        self.variable, self.options = variable, dict(options)
        self._answer = lazy(answer)
        self._why, self.when_correct = dict(why), when_correct
        self.evidence = lazy(evidence) if evidence is not None else None

    def bounded(self, values):
        # an answer that is not plain data: read the letter under the time limit, judge it here
        return self.read_then_judge(values, lambda v: read_letter(v, self.options))

    def _assess(self, values):
        picked, problem = read_letter(values[self.variable], self.options)
        if problem:
            return self.outcome(INCORRECT, problem)
        evidence = self.evidence() if self.evidence else ""
        said = f"You picked ({picked}): “{self.options[picked].rstrip('.')}”."
        if picked == self._answer():
            return self.outcome(CORRECT, paragraphs(said, resolve(self.when_correct), evidence))
        return self.outcome(
            INCORRECT,
            paragraphs(
                f"{said} Not this one: {self._why.get(picked, '')}",
                evidence,
                "Read the other options again, then check once more.",
            ),
        )
