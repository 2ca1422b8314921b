"""A learner's function, called on several cases (some from simulations), each with a time limit.

The whole check runs under the time limit (in a forked child process where
the platform allows: see :mod:`~servicelab.exercises.timeouts`), each case in
two steps — the call, then reading and judging its result — of ``time_limit``
seconds each. A learner's function therefore cannot hang a check, and what it
changes (a global, a list it was given) does not outlive the check.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from servicelab._check import number

from ..core import CORRECT, INCORRECT, NOT_ATTEMPTED, is_placeholder, solutions_hidden
from ..feedback import describe_error, learner_line, read_number, show
from ..question import Question, lazy, off_by, paragraphs, resolve
from ..timeouts import ChildEnded, TimeLimitExceeded
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

    The cases are private (they hold the expected results). With solutions
    switched off, a failing case's expected result is not stated.

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
        self._cases = lazy(lambda: tuple(cases()))
        self.judge_result, self.show_result = judge, show_result
        self.mistakes, self.answer_of = mistakes, answer_of
        self.time_limit = number("time_limit", time_limit, low=0, low_open=True)
        self.when_correct = when_correct

    runs_code = True

    def prepare(self):
        self._cases()

    def _case_text(self, stage) -> tuple[str, str]:
        """The call a stage label ``("call", i)`` names, and how many cases passed before it."""
        cases = self._cases()
        i = stage[1] if isinstance(stage, tuple) and len(stage) == 2 else None
        if not isinstance(i, int) or not 0 <= i < len(cases):
            return "", ""
        passed = f"({i} of {len(cases)} cases passed before this one.)" if i else ""
        return _call_text(self.variable, cases[i].args, cases[i].kwargs), passed

    def stopped_message(self, stop: TimeLimitExceeded) -> str:
        call, passed = self._case_text(stop.stage)
        if not call:
            return super().stopped_message(stop)
        if stop.stage[0] == "result":
            text = (
                f"{call} returned, but reading what it returned was still running after "
                f"{stop.seconds:g} seconds, so I stopped it: its `__repr__` or `__float__` "
                "never finishes. Return a plain number or string."
            )
        else:
            text = (
                f"{call} was still running after {stop.seconds:g} seconds, so I stopped "
                "it. Does it have a loop that never ends, such as a `while` whose "
                "condition never becomes false?"
            )
        return paragraphs(text, passed)

    def ended_message(self, ended: ChildEnded) -> str:
        call, passed = self._case_text(ended.stage)
        if not call:
            return super().ended_message(ended)
        return paragraphs(
            f"{call} ended the Python process it ran in ({ended.how}) before it returned. "
            "Does it call `os._exit()`, or crash Python? Return a value instead.",
            passed,
        )

    def _call(self, fn, case: Case, call: str):
        """``(result, None)``, or ``(None, outcome)`` if the call did not return a result."""
        args = copy.deepcopy(case.args)
        kwargs = copy.deepcopy(dict(case.kwargs or {}))
        try:
            got = fn(*args, **kwargs)
        except (KeyboardInterrupt, TimeLimitExceeded):  # the learner's stop, or the limit's
            raise
        except NotImplementedError:  # nbgrader's stub: `raise NotImplementedError()`
            return None, self.outcome(
                NOT_ATTEMPTED,
                f"Not attempted yet: `{self.variable}` still raises NotImplementedError. "
                "Replace that line with your code, run the cell, and check again.",
            )
        except BaseException as error:  # SystemExit, GeneratorExit, BaseException("boom") too
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
        try:
            return recognise(self.answer_of(got), self.mistakes(case), rel=MISTAKE_REL) or ""
        except (KeyboardInterrupt, TimeLimitExceeded):
            raise
        except BaseException:  # a result whose own methods raise: no known mistake
            return ""

    def _shown(self, got) -> str:
        """The question's way of showing a result, or :func:`show` if that fails on it."""
        try:
            return str.__str__(self.show_result(got))
        except (KeyboardInterrupt, TimeLimitExceeded):
            raise
        except BaseException:
            return show(got)

    def _assess(self, values):
        return self.run_bounded(values, lambda label, seconds=None: None)

    def run_bounded(self, values, stage):
        fn = values[self.variable]
        if not callable(fn):
            return self.outcome(
                INCORRECT,
                f"`{self.variable}` is {show(fn)}, but it should be a function: "
                f"`def {self.signature}:` … `return …`.",
            )
        cases = self._cases()
        for i, case in enumerate(cases):
            call = _call_text(self.variable, case.args, case.kwargs)
            stage(("call", i))
            got, stopped = self._call(fn, case, call)
            if stopped is not None:
                return stopped
            stage(("result", i))
            try:
                ok, problem = self.judge_result(got, case)
            except (KeyboardInterrupt, TimeLimitExceeded):
                raise
            except BaseException:  # the result's own methods raised
                ok, problem = (
                    False,
                    f"I could not compare the result {show(got)} with the expected one.",
                )
            passed = f"({i} of {len(cases)} cases passed before this one.)" if i else ""
            if problem:
                return self.outcome(INCORRECT, paragraphs(f"{call}: {problem}", passed))
            if not ok and solutions_hidden():  # what came out and what is wrong, not the answer
                x, odd = read_number(got, "the result")
                want, not_a_number = read_number(case.expected, "the expected result")
                how = "" if odd or not_a_number else f": it is {off_by(x, want)}"
                return self.outcome(
                    INCORRECT,
                    paragraphs(
                        f"{call} returned {self._shown(got)}, which is not right{how}.",
                        self._known_mistake(case, got),
                        passed,
                    ),
                )
            if not ok:
                return self.outcome(
                    INCORRECT,
                    paragraphs(
                        f"{call} returned {self._shown(got)}, but it should be "
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
