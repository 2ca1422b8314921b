"""The question every exercise asks: check, hints in levels, solution; and a notebook's set.

A lesson's ``exercises`` module declares its questions, each with a
deliberately wrong answer next to it (:class:`WrongExample`, which the tests
hold every question to), and gathers them in a :class:`QuestionSet`::

    q1 = ValueQuestion("q1", variable="availability", …,
                       wrong_example=WrongExample(0.9801, says="did you multiply all four?"))
    QUESTIONS = QuestionSet(__name__, q1, q2, q3)
    progress = QUESTIONS.progress

The set names itself after its lesson (``"ex03"``, from the module's
package), which is how ``q.solution()`` finds its code (in the solutions
notebooks, :mod:`~servicelab.exercises.solutions`); the question kinds live in
:mod:`servicelab.exercises.kinds`. What a question knows of its answer (its
expected value, its explanation) is private: a check judges an answer, it
does not hand one out.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from servicelab._check import KitValueError, fail, integer

from .bounded import BoundedCheck, quoted_names, shown_safely
from .core import (
    NOT_ATTEMPTED,
    grading,
    is_placeholder,
    notebook_namespace,
    solutions_hidden,
)
from .feedback import is_plain
from .render import Hint, Outcome, Progress, SolutionView, display
from .solutions import answer_code

__all__ = [
    "Hinted",
    "Question",
    "WrongExample",
    "QuestionSet",
    "progress",
    "exercise_key",
    "lazy",
    "resolve",
    "paragraphs",
    "off_by",
]


def lazy(fn: Callable[[], object]) -> Callable[[], object]:
    """``fn``, computed once on first call and then remembered."""
    return functools.cache(fn)


def resolve(text) -> str:
    """``text`` itself, or ``text()`` if it is a function (hints that quote a simulation)."""
    return text() if callable(text) else text


def paragraphs(*parts: str) -> str:
    """The non-empty ``parts``, stripped, as paragraphs (one blank line between)."""
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def off_by(x: float, want: float) -> str:
    """How ``x`` misses ``want``, in words that do not give ``want`` away.

    For checks with solutions switched off: ``"too low (off by 25% up to a
    factor of 2)"``. The bands are wide on purpose, so that a few tries do not
    add up to the number.
    """
    direction = "high" if x > want else "low"
    if not (want and x) or (x > 0) != (want > 0):
        return f"too {direction}"
    ratio = abs(x / want)
    factor = max(ratio, 1 / ratio)
    if factor < 1.05:
        return f"a little too {direction} (within 5%)"
    if factor < 1.25:
        return f"too {direction} (off by 5% to 25%)"
    if factor < 2:
        return f"too {direction} (off by 25% up to a factor of 2)"
    if factor < 10:
        return f"far too {direction} (off by a factor of 2 to 10)"
    return f"far too {direction} (off by more than a factor of 10)"


_names = quoted_names


@dataclass(frozen=True)
class WrongExample:
    """A deliberately wrong answer, and words its feedback must contain.

    ``answer`` is what a learner would set: the value of the question's one
    variable (a number, a letter, a dict, a function), or a dict of values by
    name for a question with several. ``make``, if given, computes it instead
    (for an answer built from the kit's data). ``says`` are words the
    feedback must contain.
    """

    answer: object = None
    says: tuple[str, ...] | str = ()
    make: Callable[[], object] | None = None

    def __post_init__(self):
        if isinstance(self.says, str):
            object.__setattr__(self, "says", (self.says,))
        object.__setattr__(self, "says", tuple(self.says))
        if not self.says:
            raise fail("says", self.says, "the words a helpful message holds (at least one)")

    def values(self, variables: tuple[str, ...]) -> dict:
        """The answer as ``Question.assess`` takes it: values by variable name."""
        answer = self.make() if self.make is not None else self.answer
        if len(variables) == 1:
            return {variables[0]: answer}
        if not isinstance(answer, Mapping) or set(answer) != set(variables):
            raise fail("answer", answer, f"a dict of {', '.join(variables)}")
        return dict(answer)


class Hinted:
    """Hints in levels, for a question with ``name``, ``hints`` and ``_hint_level`` (from 0)."""

    def hint(self, level: int | None = None) -> Hint:
        """The next hint (or hint number ``level``)."""
        total = len(self.hints)
        if level is None:
            self._hint_level = min(self._hint_level + 1, total)
            level = self._hint_level
        else:
            level = integer("level", shown_safely(level), low=1, high=total)
        return Hint(self.name, level, total, resolve(self.hints[level - 1]))


class Question(Hinted, BoundedCheck):
    """One question of an exercise notebook: check, hints in levels, solution.

    Subclasses implement :meth:`_assess`, which gets the learner's values by
    variable name (never a placeholder) and returns an :class:`Outcome`.

    Parameters
    ----------
    name:
        The name the notebook binds it to, e.g. ``"q1"``.
    variables:
        The names the learner sets in the notebook.
    title:
        A few words for progress tables.
    hints:
        From gentle to nearly the answer; each a str or a function giving one.
    explanation:
        Why the solution is right (a str or a function), shown by :meth:`solution`
        (and kept private: it states the answer).
    wrong_example:
        A wrong answer and words its feedback must contain (the tests check it).
    """

    kind = "question"

    def __init__(
        self,
        name: str,
        *,
        variables: Iterable[str],
        title: str,
        hints: Iterable[str | Callable[[], str]],
        explanation: str | Callable[[], str] = "",
        wrong_example: WrongExample | None = None,
    ):
        self.name = name
        self.variables = tuple(variables)
        self.title = title
        self.hints = tuple(hints)
        self._explanation = explanation
        self.wrong_example = wrong_example
        #: the exercise set's name, e.g. ``"ex02"`` (set by its :class:`QuestionSet`)
        self.exercise = ""
        if not self.variables:
            raise fail("variables", (), f"at least one name for {name}")
        if not self.hints:
            raise fail("hints", (), f"at least one hint for {name}")
        if wrong_example is not None and not isinstance(wrong_example, WrongExample):
            raise fail("wrong_example", wrong_example, "a WrongExample or None")
        self.reset()

    def reset(self) -> None:
        """Forget hints shown and checks made (a fresh start, as in a new kernel)."""
        self._hint_level = 0
        self.last: Outcome | None = None

    def __repr__(self):
        where = f"{self.exercise}." if self.exercise else ""
        return f"<{type(self).__name__} {where}{self.name}: {self.title}>"

    # -- what the learner calls ----------------------------------------------------------
    def check(self, namespace: dict | None = None) -> Outcome | None:
        """Judge the learner's answer, read from the notebook (or from ``namespace``).

        Returns the :class:`Outcome` (Jupyter shows it). In grading mode a check
        that is not correct raises ``AssertionError``; a correct one shows its
        outcome and returns None, since nbgrader reads a cell's result as points.
        """
        __tracebackhide__ = True  # IPython and pytest show the message, not this frame
        ns = namespace if namespace is not None else notebook_namespace()
        outcome = self.judge(ns)
        self.last = outcome
        if not grading():
            return outcome
        if not outcome.correct:
            _raise(outcome)
        display(outcome)
        return None

    def judge(self, namespace: dict) -> Outcome:
        """The outcome for the answers in ``namespace`` (no grading, nothing recorded)."""
        if not isinstance(namespace, Mapping):
            what = "a dict of answers by name, or nothing (the notebook's)"
            raise fail("namespace", shown_safely(namespace), what)
        missing = [v for v in self.variables if v not in namespace]
        if missing:
            it = "it" if len(missing) == 1 else "them"
            return self.outcome(
                NOT_ATTEMPTED,
                f"I can't find {_names(missing)} yet. Run the cell where you set {it} "
                f"(the one above), then run `{self.name}.check()` again.",
            )
        return self.assess(**{v: namespace[v] for v in self.variables})

    def solution(self) -> SolutionView:
        """The solution's code (from the solutions notebook) and why it is right.

        Nothing when solutions are switched off (``SERVICELAB_NO_SOLUTIONS``), or
        when the kit came without its ``solutions/`` folder.
        """
        if solutions_hidden():
            return SolutionView(
                self.name,
                "",
                "Solutions are switched off here (`SERVICELAB_NO_SOLUTIONS` is set). "
                "Ask your instructor, or try the hints.",
            )
        code = answer_code(self.exercise, self.name)
        if code is None:
            return SolutionView(
                self.name,
                "",
                "There are no solutions here: this copy of the kit came without its "
                "`solutions/` folder. Ask your instructor, or try the hints.",
            )
        return SolutionView(self.name, code, resolve(self._explanation))

    # -- for tests and for subclasses ------------------------------------------------------
    def assess(self, *args, **values) -> Outcome:
        """Judge an answer given directly: ``q.assess(0.96)`` or ``q.assess(a=…, b=…)``."""
        if args:
            if len(args) != 1 or values or len(self.variables) != 1:
                # the answers are not shown: a learner's object may not even print
                names = ", ".join(f"{v}=…" for v in self.variables)
                one = f"one answer, {self.name}.assess(…), or " if len(self.variables) == 1 else ""
                raise KitValueError(
                    f"{self.name}.assess was given {len(args)} answer(s) without names: give "
                    f"{one}every answer by name, {self.name}.assess({names})."
                )
            values = {self.variables[0]: args[0]}
        if set(values) != set(self.variables):
            raise fail("values", sorted(values), f"exactly {', '.join(self.variables)} by name")
        blank = [v for v in self.variables if is_placeholder(values[v])]
        if blank:
            return self.outcome(NOT_ATTEMPTED, self.not_attempted_message(blank))
        if self.runs_code or not all(is_plain(v) for v in values.values()):
            return self.safely(lambda: self.bounded(values))
        return self.safely(lambda: self._assess(values))

    def not_attempted_message(self, blank: list[str]) -> str:
        if len(blank) < len(self.variables):
            done = [v for v in self.variables if v not in blank]
            return (
                f"Nearly there: you set {_names(done)}, but {_names(blank)} still "
                f"{'holds' if len(blank) == 1 else 'hold'} `____`. Fill "
                f"{'it' if len(blank) == 1 else 'them'} in, run that cell, and check again."
            )
        return (
            f"Not attempted yet: replace `____` in {_names(blank)} with your answer, run that "
            f"cell, then run `{self.name}.check()` again."
        )

    def outcome(self, status: str, message: str) -> Outcome:
        return Outcome(self.name, status, message)

    def _assess(self, values: dict) -> Outcome:
        raise NotImplementedError


def _raise(outcome: Outcome):
    """Raise the outcome as an ``AssertionError`` (its own frame: a short traceback)."""
    raise AssertionError(str(outcome))


def progress(questions: Iterable[Question], namespace: dict) -> Progress:
    """Check every question silently against ``namespace``'s answers: which are done."""
    rows = []
    for q in questions:
        outcome = q.judge(namespace)
        rows.append((q.name, q.title, outcome.status, outcome.heading))
    return Progress(tuple(rows))


_LESSON = re.compile(r"\.l(\d\d)_[a-z0-9_]+(\.|$)")


def exercise_key(package: str) -> str:
    """The short name of a lesson's exercise set, from its dotted name: ``"ex03"``.

    ``servicelab.lessons.l03_cascading_failures`` (or any module in it) →
    ``"ex03"``: the prefix of its solutions' keys and its nbgrader assignment.
    A name outside a lesson's slice stands for itself.
    """
    match = _LESSON.search(package)
    return f"ex{match.group(1)}" if match else package


class QuestionSet(tuple):
    """The questions of one exercise notebook, in order, named after their lesson.

    ``QuestionSet(__name__, q1, q2, …)`` in a lesson's ``exercises`` module
    tells each question its set (``q.exercise``, e.g. ``"ex02"``); its
    :meth:`progress` is the notebook's ``progress()``.
    """

    def __new__(cls, module: str, *questions: Question):
        bad = [q for q in questions if not isinstance(q, Question)]
        if not questions or bad:
            raise fail("questions", bad or questions, "one Question or more")
        seen = [q.name for q in questions]
        if len(set(seen)) != len(seen):
            raise fail("questions", seen, "named once each")
        self = super().__new__(cls, questions)
        self.exercise = exercise_key(module)
        for q in questions:
            q.exercise = self.exercise
        return self

    def progress(self, namespace: dict | None = None) -> Progress:
        """Check every question of this notebook silently and show which are done."""
        return progress(self, namespace if namespace is not None else notebook_namespace())
