"""The check/hint/solution machinery every exercise question shares.

An exercise notebook binds questions with one line
(``from servicelab.exercises.ex02 import ____, q1, q2, …``). The learner
replaces a placeholder ``____`` with an answer and runs ``q1.check()``, which
reads the answer from the notebook, judges it and returns an
:class:`Outcome`:

* ``status`` — ``"not attempted"`` (the placeholder is still there),
  ``"incorrect"`` or ``"correct"``;
* ``message`` — what was expected, what came out, and the simulation's
  evidence, in a few sentences.

An outcome shows itself as a coloured box in Jupyter and as plain text
anywhere else (``str(outcome)``). ``q1.hint()`` gives hints in levels, one
more each call; ``q1.solution()`` shows the code of the solutions notebook
and why it is right.

For grading (nbgrader's autograde runs the check cells), set the environment
variable ``SERVICELAB_GRADING=1``: a check that is not correct then raises
``AssertionError`` with its message, so the cell fails and scores nothing.
``SERVICELAB_NO_SOLUTIONS=1`` switches ``solution()`` off for a class.

The question kinds live in :mod:`servicelab.exercises.questions`.
"""

from __future__ import annotations

import html
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = [
    "____",
    "Placeholder",
    "is_placeholder",
    "NOT_ATTEMPTED",
    "INCORRECT",
    "CORRECT",
    "STATUSES",
    "Outcome",
    "Hint",
    "SolutionView",
    "Progress",
    "Question",
    "grading",
    "set_grading",
    "solutions_hidden",
    "progress",
    "to_html",
]

NOT_ATTEMPTED, INCORRECT, CORRECT = "not attempted", "incorrect", "correct"
STATUSES = (NOT_ATTEMPTED, INCORRECT, CORRECT)


# -- the placeholder ---------------------------------------------------------------------


class Placeholder:
    """The blank a learner fills in: ``____``.

    Arithmetic on it gives it back (``2 * ____`` is still a blank), so a
    half-edited answer reads as *not attempted*, not as a puzzling error.
    """

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "____"

    def __format__(self, spec):
        return "____"

    def __call__(self, *args, **kwargs):
        return self

    def _same(self, *args):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _same
    __pow__ = __rpow__ = __mod__ = __rmod__ = __neg__ = __pos__ = __abs__ = _same


#: the blank in an exercise: replace it with your answer
____ = Placeholder()


def is_placeholder(value) -> bool:
    """True if ``value`` is the blank ``____``."""
    return value is ____


# -- grading and solutions switches --------------------------------------------------------

_grading_override: bool | None = None


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def grading() -> bool:
    """True when checks must raise on a wrong answer (``SERVICELAB_GRADING=1``)."""
    if _grading_override is not None:
        return _grading_override
    return _env_flag("SERVICELAB_GRADING")


def set_grading(on: bool | None) -> None:
    """Force grading mode on or off; ``None`` follows ``SERVICELAB_GRADING`` again."""
    global _grading_override
    if on is not None and not isinstance(on, bool):
        raise ValueError(f"on = {on!r} is not allowed: on must be True, False or None.")
    _grading_override = on


def solutions_hidden() -> bool:
    """True when ``solution()`` is switched off (``SERVICELAB_NO_SOLUTIONS=1``)."""
    return _env_flag("SERVICELAB_NO_SOLUTIONS")


# -- text → HTML (a small, safe subset of Markdown) ------------------------------------------

_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*([^*\n]+)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*([^*\s][^*\n]*?)\*(?![\w*])")


def _emphasis(text: str) -> str:
    text = _BOLD.sub(lambda m: f"<strong>{m.group(1)}</strong>", text)
    return _ITALIC.sub(lambda m: f"<em>{m.group(1)}</em>", text)


def _inline(text: str) -> str:
    """Escape ``text``; then `code`, **bold** and *italic* (never inside code)."""
    out = []
    for i, part in enumerate(_CODE.split(text)):
        escaped = html.escape(part, quote=False)
        out.append(f"<code>{escaped}</code>" if i % 2 else _emphasis(escaped))
    return "".join(out)


def to_html(text: str) -> str:
    """Paragraphs, ``- `` bullets, 4-space code blocks, ```code``` and ``**bold**`` as HTML."""
    parts = []
    if not text.strip():
        return ""
    for block in text.strip("\n").split("\n\n"):
        lines = block.split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("    "):
                j = i
                while j < len(lines) and (lines[j].startswith("    ") or not lines[j].strip()):
                    j += 1
                code = "\n".join(x[4:] for x in lines[i:j])
                parts.append(
                    '<pre style="margin:0.3em 0 0.3em 1em;white-space:pre-wrap">'
                    f"{html.escape(code, quote=False)}</pre>"
                )
            elif line.startswith("- "):
                j = i
                while j < len(lines) and lines[j].startswith("- "):
                    j += 1
                items = "".join(f"<li>{_inline(x[2:])}</li>" for x in lines[i:j])
                parts.append(f'<ul style="margin:0.2em 0">{items}</ul>')
            else:
                j = i
                while j < len(lines) and not lines[j].startswith(("    ", "- ")):
                    j += 1
                body = "<br>".join(_inline(x) for x in lines[i:j])
                parts.append(f'<p style="margin:0.3em 0">{body}</p>')
            i = j
    return "\n".join(parts)


def _plain(text: str) -> str:
    parts = _CODE.split(text)
    for i in range(0, len(parts), 2):  # outside `code`
        parts[i] = _ITALIC.sub(lambda m: m.group(1), _BOLD.sub(lambda m: m.group(1), parts[i]))
    return "`".join(parts)


_COLORS = {  # Okabe–Ito, as every figure of the kit
    CORRECT: "#009E73",
    INCORRECT: "#D55E00",
    NOT_ATTEMPTED: "#777777",
    "hint": "#0072B2",
    "solution": "#CC79A7",
    "progress": "#555555",
}
_LABELS = {CORRECT: "✓ Correct", INCORRECT: "✗ Incorrect", NOT_ATTEMPTED: "… Not attempted"}


def _box(kind: str, title: str, tag: str, body_html: str) -> str:
    color = _COLORS[kind]
    return (
        f'<div style="border-left:5px solid {color};padding:0.4em 0.9em;margin:0.4em 0;'
        f'background:{color}14">'
        f'<div style="font-weight:bold;color:{color}">{html.escape(title)}'
        f'<span style="font-weight:normal;opacity:0.7"> · {html.escape(tag)}</span></div>'
        f"{body_html}</div>"
    )


# -- what a check, a hint and a solution show ------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """The result of one check: ``status`` (see :data:`STATUSES`) and a ``message``.

    ``internal_error`` is True only if the checker itself failed (a bug in
    the kit, never the learner's fault); the tests make sure it never is.
    """

    question: str
    status: str
    message: str
    internal_error: bool = False

    @property
    def correct(self) -> bool:
        return self.status == CORRECT

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return f"{_LABELS[self.status]} ({self.question})\n{_plain(self.message)}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return _box(self.status, _LABELS[self.status], self.question, to_html(self.message))


@dataclass(frozen=True)
class Hint:
    """Hint number ``level`` of ``total`` for a question."""

    question: str
    level: int
    total: int
    text: str

    @property
    def footer(self) -> str:
        if self.level < self.total:
            return f"Run `{self.question}.hint()` again for hint {self.level + 1}."
        return f"That was the last hint: `{self.question}.solution()` shows the answer."

    def __str__(self) -> str:
        return f"Hint {self.level} of {self.total} ({self.question})\n{_plain(self.text)}\n" + (
            _plain(self.footer)
        )

    __repr__ = __str__

    def _repr_html_(self) -> str:
        body = (
            to_html(self.text)
            + f'<p style="margin:0.3em 0;opacity:0.75">{_inline(self.footer)}</p>'
        )
        return _box("hint", f"Hint {self.level} of {self.total}", self.question, body)


@dataclass(frozen=True)
class SolutionView:
    """A question's solution: the code from the solutions notebook, and why it is right."""

    question: str
    code: str
    explanation: str

    def __str__(self) -> str:
        code = "\n".join("    " + line for line in self.code.splitlines())
        return f"Solution ({self.question})\n{code}\n\n{_plain(self.explanation)}".rstrip()

    __repr__ = __str__

    def _repr_html_(self) -> str:
        body = ""
        if self.code:
            body += (
                '<pre style="margin:0.4em 0;padding:0.4em 0.6em;background:#8881">'
                f"{html.escape(self.code, quote=False)}</pre>"
            )
        body += to_html(self.explanation)
        return _box("solution", "Solution", self.question, body)


@dataclass(frozen=True)
class Progress:
    """Where a learner stands on a set of questions."""

    rows: tuple  # (question name, title, status)

    def count(self, status: str) -> int:
        return sum(1 for _, _, s in self.rows if s == status)

    @property
    def headline(self) -> str:
        done, total = self.count(CORRECT), len(self.rows)
        if done == total:
            return f"All {total} questions correct. Well done!"
        return f"{done} of {total} questions correct so far."

    def __str__(self) -> str:
        lines = [self.headline]
        lines += [f"  {name}  {_LABELS[s]:<16}  {title}" for name, title, s in self.rows]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = "".join(
            f'<tr><td style="padding-right:1em"><code>{html.escape(name)}</code></td>'
            f'<td style="padding-right:1em;color:{_COLORS[s]};font-weight:bold">{_LABELS[s]}</td>'
            f"<td>{html.escape(title)}</td></tr>"
            for name, title, s in self.rows
        )
        body = f'<p style="margin:0.3em 0">{html.escape(self.headline)}</p><table>{rows}</table>'
        return _box("progress", "Your progress", "this notebook", body)


def _fail(outcome: Outcome):
    """Raise the outcome as an ``AssertionError`` (its own frame: a short traceback)."""
    raise AssertionError(str(outcome))


def _show(obj) -> None:
    """Display ``obj`` in a kernel (as display data), or print it."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        print(obj)
        return
    if get_ipython() is None:
        print(obj)
    else:
        display(obj)


# -- the question base class -----------------------------------------------------------------


def resolve(text) -> str:
    """``text`` itself, or ``text()`` if it is a function (hints that quote a simulation)."""
    return text() if callable(text) else text


def _names(names: Iterable[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


class Question:
    """One question of an exercise notebook: check, hints in levels, solution.

    Subclasses implement :meth:`_assess`, which gets the learner's values by
    variable name (never a placeholder) and returns an :class:`Outcome`.

    Parameters
    ----------
    name:
        The name the notebook binds it to, e.g. ``"q1"``.
    exercise:
        The exercise module's short name, e.g. ``"ex02"`` (finds the solution code).
    variables:
        The names the learner sets in the notebook.
    title:
        A few words for progress tables.
    hints:
        From gentle to nearly the answer; each a str or a function giving one.
    explanation:
        Why the solution is right (a str or a function), shown by :meth:`solution`.
    """

    kind = "question"

    def __init__(
        self,
        name: str,
        *,
        exercise: str,
        variables: Iterable[str],
        title: str,
        hints: Iterable[str | Callable[[], str]],
        explanation: str | Callable[[], str] = "",
    ):
        self.name = name
        self.exercise = exercise
        self.variables = tuple(variables)
        self.title = title
        self.hints = tuple(hints)
        self.explanation = explanation
        if not self.variables:
            raise ValueError(f"variables = () is not allowed for {name}: name at least one.")
        if not self.hints:
            raise ValueError(f"hints = () is not allowed for {name}: give at least one hint.")
        self.reset()

    def reset(self) -> None:
        """Forget hints shown and checks made (a fresh start, as in a new kernel)."""
        self._hint_level = 0
        self.last: Outcome | None = None

    def __repr__(self):
        return f"<{type(self).__name__} {self.exercise}.{self.name}: {self.title}>"

    # -- what the learner calls ----------------------------------------------------------
    def check(self, namespace: dict | None = None) -> Outcome | None:
        """Judge the learner's answer, read from the notebook (or from ``namespace``).

        Returns the :class:`Outcome` (Jupyter shows it). In grading mode a check
        that is not correct raises ``AssertionError``; a correct one shows its
        outcome and returns None, since nbgrader reads a cell's result as points.
        """
        __tracebackhide__ = True  # IPython and pytest show the message, not this frame
        ns = namespace if namespace is not None else sys._getframe(1).f_globals
        outcome = self.judge(ns)
        self.last = outcome
        if not grading():
            return outcome
        if not outcome.correct:
            _fail(outcome)
        _show(outcome)
        return None

    def judge(self, namespace: dict) -> Outcome:
        """The outcome for the answers in ``namespace`` (no grading, nothing recorded)."""
        missing = [v for v in self.variables if v not in namespace]
        if missing:
            it = "it" if len(missing) == 1 else "them"
            return self.outcome(
                NOT_ATTEMPTED,
                f"I can't find {_names(missing)} yet. Run the cell where you set {it} "
                f"(the one above), then run `{self.name}.check()` again.",
            )
        return self.assess(**{v: namespace[v] for v in self.variables})

    def hint(self, level: int | None = None) -> Hint:
        """The next hint (or hint number ``level``)."""
        total = len(self.hints)
        if level is None:
            self._hint_level = min(self._hint_level + 1, total)
            level = self._hint_level
        elif isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= total:
            raise ValueError(
                f"level = {level!r} is not allowed: level must be a whole number from 1 to {total}."
            )
        return Hint(self.name, level, total, resolve(self.hints[level - 1]))

    def solution(self) -> SolutionView:
        """The solution's code and why it is right."""
        if solutions_hidden():
            return SolutionView(
                self.name,
                "",
                "Solutions are switched off here (`SERVICELAB_NO_SOLUTIONS` is set). "
                "Ask your instructor, or try the hints.",
            )
        from ._solutions import SOLUTIONS

        return SolutionView(
            self.name, SOLUTIONS.get(f"{self.exercise}.{self.name}", ""), resolve(self.explanation)
        )

    # -- for tests and for subclasses ------------------------------------------------------
    def assess(self, *args, **values) -> Outcome:
        """Judge an answer given directly: ``q.assess(0.96)`` or ``q.assess(a=…, b=…)``."""
        if args:
            if len(args) != 1 or values or len(self.variables) != 1:
                raise TypeError(
                    f"{self.name}.assess takes one answer, or the values of "
                    f"{', '.join(self.variables)} by name"
                )
            values = {self.variables[0]: args[0]}
        if set(values) != set(self.variables):
            raise TypeError(
                f"{self.name}.assess needs exactly {', '.join(self.variables)}; "
                f"got {sorted(values)}"
            )
        blank = [v for v in self.variables if is_placeholder(values[v])]
        if blank:
            return self.outcome(NOT_ATTEMPTED, self.not_attempted_message(blank))
        try:
            return self._assess(values)
        except Exception as error:  # a bug in the checker: say so, never blame the learner
            return Outcome(
                self.name,
                INCORRECT,
                f"I could not check this answer: the checker itself failed "
                f"({type(error).__name__}: {error}). This is a problem in the kit, not "
                "in your answer; please report it.",
                internal_error=True,
            )

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


def progress(questions: Iterable[Question], namespace: dict | None = None) -> Progress:
    """Check every question silently and show which are done (reads the notebook's answers)."""
    ns = namespace if namespace is not None else sys._getframe(1).f_globals
    rows = []
    for q in questions:
        outcome = q.judge(ns)
        rows.append((q.name, q.title, outcome.status))
    return Progress(tuple(rows))
