"""The kinds of exercise question: a value, a choice, a classification, a prediction,
a function, and settings for a scenario.

Each kind judges one kind of answer and explains a wrong one concretely:

* :class:`ValueQuestion` — a number (a closed form: a chain's availability, a
  latency sum, Little's law), with known mistakes recognised by their value
  ("0.9801: did you multiply all four?") and a simulation as evidence;
* :class:`ChoiceQuestion` — one letter of a multiple choice, with a reason for
  each wrong option;
* :class:`ClassifyQuestion` — a dict from items to labels (interactions to
  *sync*, *queue* or *callback*), judged item by item;
* :class:`PredictQuestion` — a number predicted *before* a simulation runs;
  the check runs it and compares (and never shows the result before a
  prediction is written);
* :class:`FunctionQuestion` — a learner's function, called on several cases
  (some of them simulation runs) with a time limit on every call;
* :class:`ScenarioQuestion` — settings that must make a scenario meet its goals.

Expected values are functions, called when first needed (and cached), so that
importing an exercise module is instant and every number comes from the
kit's theory or simulation at check time.
"""

from __future__ import annotations

import copy
import difflib
import functools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .core import CORRECT, INCORRECT, NOT_ATTEMPTED, Question, is_placeholder, resolve
from .feedback import describe_error, num, read_number, show
from .timeouts import TimeLimitExceeded, call_with_time_limit

__all__ = [
    "lazy",
    "Mistake",
    "ValueQuestion",
    "ChoiceQuestion",
    "ClassifyQuestion",
    "PredictQuestion",
    "Case",
    "FunctionQuestion",
    "Goal",
    "ScenarioQuestion",
]


def lazy(fn: Callable[[], object]) -> Callable[[], object]:
    """``fn``, computed once on first call and then remembered."""
    return functools.cache(fn)


def _close(x: float, y: float, rel: float, abs_: float) -> bool:
    return math.isclose(x, y, rel_tol=rel, abs_tol=abs_)


def _join(*parts: str) -> str:
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


# -- a number ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    """A wrong answer learners often give, and what to say when one does."""

    value: float
    say: str
    rel: float = 0.002


class ValueQuestion(Question):
    """A number, compared with ``expected()`` within ``abs_tol``/``rel_tol``.

    ``label`` names the number ("chain availability"); ``truth(text)`` states
    the right value in a sentence ("a 4-service chain of 0.99 each is
    {text}"); ``mistakes()`` are recognised wrong answers; ``evidence()`` is a
    sentence from a simulation. ``fraction=True`` catches percentages.
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
        mistakes: Callable[[], Iterable[Mistake]] = tuple,
        evidence: Callable[[], str] | None = None,
        when_correct: str | Callable[[], str] = "",
        **common,
    ):
        super().__init__(name, variables=(variable,), **common)
        self.variable = variable
        self.expected = lazy(expected)
        self.label, self.truth = label, truth
        self.abs_tol, self.rel_tol = abs_tol, rel_tol
        self.spec, self.unit, self.fraction = spec, unit, fraction
        self.mistakes = lazy(lambda: tuple(mistakes()))
        self.evidence = lazy(evidence) if evidence is not None else None
        self.when_correct = when_correct

    def fmt(self, x: float) -> str:
        return num(x, self.spec, self.unit)

    def _evidence(self) -> str:
        return self.evidence() if self.evidence is not None else ""

    def _assess(self, values):
        x, problem = read_number(values[self.variable], f"`{self.variable}`")
        if problem:
            return self.outcome(INCORRECT, problem)
        want = self.expected()
        said = f"Your {self.label} is {self.fmt(x)}"
        if _close(x, want, self.rel_tol, self.abs_tol):
            return self.outcome(
                CORRECT,
                _join(f"{said}: right.", resolve(self.when_correct), self._evidence()),
            )
        truth = self.truth(self.fmt(want))
        if self.fraction and 1 < abs(x) <= 100 and _close(x / 100, want, 0.01, self.abs_tol):
            return self.outcome(
                INCORRECT,
                f"Your {self.label} is {num(x, ',.6g')}, which looks like a percentage. Write "
                f"shares as fractions between 0 and 1: {num(x / 100, self.spec)} rather than "
                f"{num(x, ',.6g')}.",
            )
        for m in self.mistakes():
            if _close(x, m.value, m.rel, self.abs_tol / 2):
                return self.outcome(
                    INCORRECT, _join(f"{said} but {truth}: {m.say}", self._evidence())
                )
        if want and math.copysign(1, x) == math.copysign(1, want) and x:
            ratio = x / want
            how = (
                f"{ratio:.3g} times too large" if ratio > 1 else f"{1 / ratio:.3g} times too small"
            )
            if 0.8 < ratio < 1.25:
                how = f"{abs(ratio - 1):.1%} too {'high' if ratio > 1 else 'low'}"
            off = f" (yours is {how})"
        else:
            off = ""
        return self.outcome(
            INCORRECT,
            _join(
                f"{said} but {truth}{off}.",
                self._evidence(),
                f"`{self.name}.hint()` can help.",
            ),
        )


# -- a choice -------------------------------------------------------------------------------


def _letter(value, options: Mapping[str, str]) -> tuple[str | None, str | None]:
    letters = "/".join(f"'{k}'" for k in options)
    if isinstance(value, str):
        t = value.strip().strip("().:").strip().lower()
        if t in options:
            return t, None
        for k, text in options.items():
            if value.strip().casefold() == text.casefold():
                return k, None
        return None, f"{show(value)} is not one of the options: write one letter, {letters}."
    if isinstance(value, (list, tuple, set)):
        return None, f"Pick one option only: write one letter, {letters}."
    return None, (
        f"Your answer is {show(value)}; write the letter of your choice in quotes, "
        f"e.g. `answer = '{next(iter(options))}'`."
    )


class ChoiceQuestion(Question):
    """One option of several, by letter. ``why[letter]`` explains each wrong option."""

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
        self.answer = lazy(answer)
        self.why, self.when_correct = dict(why), when_correct
        self.evidence = lazy(evidence) if evidence is not None else None

    def _assess(self, values):
        picked, problem = _letter(values[self.variable], self.options)
        if problem:
            return self.outcome(INCORRECT, problem)
        evidence = self.evidence() if self.evidence else ""
        said = f"You picked ({picked}): “{self.options[picked].rstrip('.')}”."
        if picked == self.answer():
            return self.outcome(CORRECT, _join(said, resolve(self.when_correct), evidence))
        return self.outcome(
            INCORRECT,
            _join(
                f"{said} Not this one: {self.why.get(picked, '')}",
                evidence,
                "Read the other options again, then check once more.",
            ),
        )


# -- a classification ------------------------------------------------------------------------


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


class ClassifyQuestion(Question):
    """A dict from items to labels, judged item by item.

    ``expected()`` maps each item to ``(label, why)``; ``synonyms`` maps what
    a learner may write (lower case) to a label; ``half`` maps words that are
    only half an answer (``"async"``) to what to say.
    """

    kind = "classify"

    def __init__(
        self,
        name: str,
        *,
        variable: str,
        expected: Callable[[], Mapping[str, tuple[str, str]]],
        synonyms: Mapping[str, str],
        half: Mapping[str, str] = None,
        when_correct: str | Callable[[], str] = "",
        **common,
    ):
        super().__init__(name, variables=(variable,), **common)
        self.variable = variable
        self.expected = lazy(lambda: dict(expected()))
        self.synonyms = {_key(k): v for k, v in synonyms.items()}
        self.half = {_key(k): v for k, v in (half or {}).items()}
        self.when_correct = when_correct

    @property
    def labels(self) -> str:
        return ", ".join(f"'{x}'" for x in dict.fromkeys(self.synonyms.values()))

    def _assess(self, values):
        given = values[self.variable]
        expected = self.expected()
        if not isinstance(given, Mapping):
            return self.outcome(
                INCORRECT,
                f"`{self.variable}` is {show(given)}, but it should be a dict with one entry "
                f"per item, like `{{{next(iter(expected))!r}: 'sync', …}}`. Undo your change "
                "to its shape (the blanks were in the values).",
            )
        by_key = {_key(k): k for k in expected}
        answers: dict[str, object] = {}
        for k, v in given.items():
            if not isinstance(k, str) or _key(k) not in by_key:
                text = _key(k) if isinstance(k, str) else ""
                close = difflib.get_close_matches(text, list(by_key), n=1) if text else []
                tip = f" Did you mean {by_key[close[0]]!r}?" if close else ""
                return self.outcome(
                    INCORRECT, f"I don't know the item {show(k)}.{tip} Keep the names as given."
                )
            answers[by_key[_key(k)]] = v
        left_out = [k for k in expected if k not in answers]
        if left_out:
            return self.outcome(
                INCORRECT,
                f"You left out {', '.join(repr(k) for k in left_out)}: keep every item "
                "and give each a label.",
            )
        blank = [k for k in expected if is_placeholder(answers[k])]
        if blank:
            return self.outcome(
                NOT_ATTEMPTED,
                f"You have labelled {len(expected) - len(blank)} of {len(expected)} so far; "
                f"still `____`: {', '.join(repr(k) for k in blank)}.",
            )
        right, wrong = [], []
        for item, (label, why) in expected.items():
            said = answers[item]
            word = _key(said) if isinstance(said, str) else None
            if word in self.half:
                wrong.append(f"**{item}**: you said {show(said)}, {self.half[word]}.")
            elif word not in self.synonyms:
                wrong.append(
                    f"**{item}**: {show(said)} is not a label I know; use one of {self.labels}."
                )
            elif self.synonyms[word] == label:
                right.append(item)
            else:
                wrong.append(
                    f"**{item}**: you said {self.synonyms[word]}, the flowchart says "
                    f"**{label}**. {why}"
                )
        n = len(expected)
        if not wrong:
            return self.outcome(CORRECT, _join(f"All {n} right.", resolve(self.when_correct)))
        lines = "\n".join(f"- {w}" for w in wrong)
        return self.outcome(
            INCORRECT,
            f"{len(right)} of {n} right. Not yet:\n{lines}\n\n"
            "Walk each one through the two questions: does the caller need the result "
            "immediately? If not, can it be fire-and-forget?",
        )


# -- a prediction ---------------------------------------------------------------------------


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
            if not _close(self.first, x, 1e-9, 0)
            else ""
        )
        said = (
            f"You predicted {self.label} of {self.fmt(x)}; the simulation gave {self.fmt(actual)}."
        )
        if _close(x, actual, self.rel_tol, self.abs_tol):
            return self.outcome(
                CORRECT,
                _join(
                    f"{said} Within {self._tolerance_text()}: a good prediction.",
                    why,
                    evidence,
                    first,
                ),
            )
        return self.outcome(
            INCORRECT,
            _join(
                f"{said} That is outside {self._tolerance_text()}.",
                why,
                evidence,
                first,
                "That gap is what this question is for: the reason above is the lesson. "
                "Set your prediction again from the reasoning (not by copying the number) "
                "and check once more.",
            ),
        )


# -- a function -------------------------------------------------------------------------------


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


class FunctionQuestion(Question):
    """A function, called on ``cases()`` (some from simulations), each within ``time_limit``.

    ``judge(got, case)`` returns ``(ok, problem)``: ``problem`` is a
    sentence when the result cannot be compared at all (a str for a number).
    ``diagnose(case, got)`` may explain a wrong result.
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
        diagnose: Callable[[Case, object], str | None] = lambda case, got: None,
        time_limit: float = 2.0,
        when_correct: str | Callable[[], str] = "",
        **common,
    ):
        super().__init__(name, variables=(variable,), **common)
        self.variable, self.signature = variable, signature
        self.cases = lazy(lambda: tuple(cases()))
        self.judge_result, self.show_result = judge, show_result
        self.diagnose, self.time_limit = diagnose, time_limit
        self.when_correct = when_correct

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
            args = copy.deepcopy(case.args)
            kwargs = copy.deepcopy(dict(case.kwargs or {}))
            try:
                got = call_with_time_limit(fn, args, kwargs, seconds=self.time_limit)
            except TimeLimitExceeded:
                return self.outcome(
                    INCORRECT,
                    f"{call} was still running after {self.time_limit:g} seconds, so I stopped "
                    "it. Does it have a loop that never ends, such as a `while` whose "
                    "condition never becomes false?",
                )
            except NotImplementedError:  # nbgrader's stub: `raise NotImplementedError()`
                return self.outcome(
                    NOT_ATTEMPTED,
                    f"Not attempted yet: `{self.variable}` still raises NotImplementedError. "
                    "Replace that line with your code, run the cell, and check again.",
                )
            except (Exception, SystemExit) as error:  # not KeyboardInterrupt: the learner's stop
                text = describe_error(error, call)
                if isinstance(error, TypeError) and _raised_at_call(error):
                    text += f"\n\nYour function should take its arguments as `{self.signature}`."
                return self.outcome(INCORRECT, text)
            if is_placeholder(got):
                return self.outcome(
                    NOT_ATTEMPTED,
                    f"Not attempted yet: `{self.variable}` still returns `____`. Write its "
                    "body, run that cell, and check again.",
                )
            try:
                ok, problem = self.judge_result(got, case)
            except Exception:
                ok, problem = (
                    False,
                    f"I could not compare the result {show(got)} with the expected one.",
                )
            passed = f"({i} of {len(cases)} cases passed before this one.)" if i else ""
            if problem:
                return self.outcome(INCORRECT, _join(f"{call}: {problem}", passed))
            if not ok:
                extra = self.diagnose(case, got) or ""
                return self.outcome(
                    INCORRECT,
                    _join(
                        f"{call} returned {self.show_result(got)}, but it should be "
                        f"{self.show_result(case.expected)}.",
                        case.note,
                        extra,
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
        return self.outcome(CORRECT, _join(tested, resolve(self.when_correct)))


def _raised_at_call(error: TypeError) -> bool:
    """True if a TypeError came from the call itself (wrong arguments), not from inside."""
    from .feedback import learner_line

    return learner_line(error) is None


def number_judge(rel_tol: float = 1e-9, abs_tol: float = 1e-9):
    """A ``judge`` for functions that return a number (``case.tol``, if set, is absolute)."""

    def judge(got, case):
        x, problem = read_number(got, "The result", returned=True)
        if problem:
            return False, problem
        if case.tol is not None:
            return abs(x - float(case.expected)) <= case.tol, None
        return _close(x, float(case.expected), rel_tol, abs_tol), None

    return judge


# -- settings for a scenario ------------------------------------------------------------------


@dataclass(frozen=True)
class Goal:
    """A target a scenario run must meet: ``measure(result)`` below or above ``target``.

    ``advice(values, result)`` says what to change when it is missed.
    """

    label: str
    measure: Callable[[object], float]
    target: float
    at_most: bool
    spec: str = ",.0f"
    unit: str = ""
    advice: Callable[[dict, object], str] = lambda values, result: ""

    def met(self, x: float) -> bool:
        if math.isnan(x):
            return False
        return x <= self.target if self.at_most else x >= self.target

    def line(self, x: float) -> str:
        mark = "✓" if self.met(x) else "✗"
        bound = "at most" if self.at_most else "at least"
        return (
            f"{mark} {self.label}: {num(x, self.spec, self.unit)} "
            f"(goal: {bound} {num(self.target, self.spec, self.unit)})"
        )


class ScenarioQuestion(Question):
    """Settings (several variables) with which ``run(**settings)`` must meet every goal.

    ``validate(values)`` may return a sentence for settings of the wrong
    kind before anything runs; the kit's own ``ValueError`` messages are
    passed on kindly.
    """

    kind = "scenario"

    def __init__(
        self,
        name: str,
        *,
        variables: Iterable[str],
        run: Callable[..., object],
        goals: Iterable[Goal],
        validate: Callable[[dict], str | None] = lambda values: None,
        time_limit: float = 20.0,
        when_correct: str | Callable[[], str] = "",
        **common,
    ):
        super().__init__(name, variables=variables, **common)
        self.run = run
        self.goals = tuple(goals)
        self.validate = validate
        self.time_limit = time_limit
        self.when_correct = when_correct

    def settings_text(self, values: dict) -> str:
        return ", ".join(f"`{k} = {show(values[k], 70)}`" for k in self.variables)

    def _assess(self, values):
        yours = f"Your settings: {self.settings_text(values)}."
        problem = self.validate(values)
        if problem:
            return self.outcome(INCORRECT, _join(yours, problem))
        try:
            result = call_with_time_limit(self.run, (), dict(values), seconds=self.time_limit)
        except TimeLimitExceeded:
            return self.outcome(
                INCORRECT,
                _join(
                    yours,
                    f"The simulation with these settings ran for over {self.time_limit:g} s, so "
                    "I stopped it. Pick more modest numbers.",
                ),
            )
        except (ValueError, TypeError) as error:
            return self.outcome(INCORRECT, _join(yours, f"The kit refused these settings: {error}"))
        measured = [(g, float(g.measure(result))) for g in self.goals]
        lines = "\n".join(f"- {g.line(x)}" for g, x in measured)
        missed = [(g, x) for g, x in measured if not g.met(x)]
        if not missed:
            return self.outcome(
                CORRECT,
                _join(yours, f"Every goal met:\n{lines}", resolve(self.when_correct)),
            )
        advice = [g.advice(values, result) for g, _ in missed]
        return self.outcome(
            INCORRECT,
            _join(
                yours,
                f"{len(self.goals) - len(missed)} of {len(self.goals)} goals met:\n{lines}",
                *advice,
            ),
        )
