"""A learner's function, called on several cases (some from simulations), each with a time limit."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..core import CORRECT, INCORRECT, NOT_ATTEMPTED, is_placeholder
from ..feedback import describe_error, learner_line, read_number, show
from ..question import Question, lazy, paragraphs, resolve
from ..timeouts import TimeLimitExceeded, call_with_time_limit
from .mistakes import Mistake, close, recognise

__all__ = ["Case", "FunctionQuestion", "number_judge", "MISTAKE_REL"]

#: how near a known wrong result a function's result must be to be recognised (relative)
MISTAKE_REL = 1e-9


@dataclass(frozen=True)
class Case:
    """One call of the learner's function: ``args``, the ``expected`` result, and a ``note``.

    ``note`` says where the expectation comes from (a simulation run, the
    catalogue); ``source`` names that kind of case for the summary, e.g.
    ``"simulation run"``; ``tol`` is an absolute tolerance (a simulation's noise).
    """

    args: tuple
    expected: object
    note: str = ""
    kwargs: Mapping | None = None
    tol: float | None = None
    source: str = ""


def _call_text(name: str, args: tuple, kwargs: Mapping | None) -> str:
    shown = [show(a, 110) for a in args] + [f"{k}={show(v, 60)}" for k, v in (kwargs or {}).items()]
    return f"`{name}({', '.join(shown)})`"


def _raised_at_call(error: TypeError) -> bool:
    """True if a TypeError came from the call itself (wrong arguments), not from inside."""
    return learner_line(error) is None


def _same(got):
    return got


class FunctionQuestion(Question):
    """A function, called on ``cases()`` (some from simulations), each within ``time_limit``.

    ``judge(got, case)`` returns ``(ok, problem)``: ``problem`` is a
    sentence when the result cannot be compared at all (a str for a number).
    ``mistakes(case)`` are the wrong results learners' functions often give
    for that case, and what to say (as a ValueQuestion's mistakes); a result
    is read with ``answer_of(got)`` before it is compared with them (e.g. a
    label in any spelling).
    """

    kind = "function"

    def __init__(
        self,
        name: str,
        *,
        variable: str,
        signature: str,
        cases: Callable[[], Iterable[Case]],
        judge: Callable[[object, Case], tuple[bool, str | None]],
        show_result: Callable[[object], str] = show,
        mistakes: Callable[[Case], Iterable[Mistake]] = lambda case: (),
        answer_of: Callable[[object], object] = _same,
        time_limit: float = 2.0,
        when_correct: str | Callable[[], str] = "",
        **common,
    ):
        super().__init__(name, variables=(variable,), **common)
        self.variable, self.signature = variable, signature
        self.cases = lazy(lambda: tuple(cases()))
        self.judge_result, self.show_result = judge, show_result
        self.mistakes, self.answer_of = mistakes, answer_of
        self.time_limit = time_limit
        self.when_correct = when_correct

    def _call(self, fn, case: Case, call: str):
        """``(result, None)``, or ``(None, outcome)`` if the call did not return a result."""
        args = copy.deepcopy(case.args)
        kwargs = copy.deepcopy(dict(case.kwargs or {}))
        try:
            got = call_with_time_limit(fn, args, kwargs, seconds=self.time_limit)
        except TimeLimitExceeded:
            return None, self.outcome(
                INCORRECT,
                f"{call} was still running after {self.time_limit:g} seconds, so I stopped "
                "it. Does it have a loop that never ends, such as a `while` whose "
                "condition never becomes false?",
            )
        except NotImplementedError:  # nbgrader's stub: `raise NotImplementedError()`
            return None, self.outcome(
                NOT_ATTEMPTED,
                f"Not attempted yet: `{self.variable}` still raises NotImplementedError. "
                "Replace that line with your code, run the cell, and check again.",
            )
        except (Exception, SystemExit) as error:  # not KeyboardInterrupt: the learner's stop
            text = describe_error(error, call)
            if isinstance(error, TypeError) and _raised_at_call(error):
                text += f"\n\nYour function should take its arguments as `{self.signature}`."
            return None, self.outcome(INCORRECT, text)
        if is_placeholder(got):
            return None, self.outcome(
                NOT_ATTEMPTED,
                f"Not attempted yet: `{self.variable}` still returns `____`. Write its "
                "body, run that cell, and check again.",
            )
        return got, None

    def _known_mistake(self, case: Case, got) -> str:
        return recognise(self.answer_of(got), self.mistakes(case), rel=MISTAKE_REL) or ""

    def _assess(self, values):
        fn = values[self.variable]
        if not callable(fn):
            return self.outcome(
                INCORRECT,
                f"`{self.variable}` is {show(fn)}, but it should be a function: "
                f"`def {self.signature}:` … `return …`.",
            )
        cases = self.cases()
        for i, case in enumerate(cases):
            call = _call_text(self.variable, case.args, case.kwargs)
            got, stopped = self._call(fn, case, call)
            if stopped is not None:
                return stopped
            try:
                ok, problem = self.judge_result(got, case)
            except Exception:
                ok, problem = (
                    False,
                    f"I could not compare the result {show(got)} with the expected one.",
                )
            passed = f"({i} of {len(cases)} cases passed before this one.)" if i else ""
            if problem:
                return self.outcome(INCORRECT, paragraphs(f"{call}: {problem}", passed))
            if not ok:
                return self.outcome(
                    INCORRECT,
                    paragraphs(
                        f"{call} returned {self.show_result(got)}, but it should be "
                        f"{self.show_result(case.expected)}.",
                        case.note,
                        self._known_mistake(case, got),
                        passed,
                    ),
                )
        sources = [c.source for c in cases if c.source]
        kinds = [
            f"{sources.count(k)} {k}{'s' if sources.count(k) > 1 else ''}"
            for k in dict.fromkeys(sources)
        ]
        tested = f"All {len(cases)} cases pass" + (
            f", {' and '.join(kinds)} among them." if kinds else "."
        )
        return self.outcome(CORRECT, paragraphs(tested, resolve(self.when_correct)))


def number_judge(rel_tol: float = 1e-9, abs_tol: float = 1e-9):
    """A ``judge`` for functions that return a number (``case.tol``, if set, is absolute)."""

    def judge(got, case):
        x, problem = read_number(got, "The result", returned=True)
        if problem:
            return False, problem
        if case.tol is not None:
            return abs(x - float(case.expected)) <= case.tol, None
        return close(x, float(case.expected), rel_tol, abs_tol), None

    return judge
