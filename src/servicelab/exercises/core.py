"""What every exercise shares: the blank ``____``, the three verdicts, and the switches.

* :data:`____` — the blank a learner replaces with an answer;
* :data:`STATUSES` — a check says ``"not attempted"`` (a blank is still
  there), ``"incorrect"`` or ``"correct"``;
* :func:`grading` — with ``SERVICELAB_GRADING=1`` (nbgrader's autograde), a
  check that is not correct raises ``AssertionError`` so that its cell scores
  nothing; :func:`solutions_hidden` — ``SERVICELAB_NO_SOLUTIONS=1`` switches
  ``q.solution()`` off for a class;
* :func:`notebook_namespace` — where a learner's answers are read from: the
  globals of the notebook that called ``q1.check()`` or ``progress()``.

What a check shows lives in :mod:`~servicelab.exercises.render`; the
question base class in :mod:`~servicelab.exercises.question`.
"""

from __future__ import annotations

import inspect
import os

from servicelab._check import fail

__all__ = [
    "____",
    "Placeholder",
    "is_placeholder",
    "NOT_ATTEMPTED",
    "INCORRECT",
    "CORRECT",
    "STATUSES",
    "grading",
    "set_grading",
    "solutions_hidden",
    "notebook_namespace",
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
        raise fail("on", on, "True, False or None")
    _grading_override = on


def solutions_hidden() -> bool:
    """True when ``solution()`` is switched off (``SERVICELAB_NO_SOLUTIONS=1``)."""
    return _env_flag("SERVICELAB_NO_SOLUTIONS")


# -- where the answers are -----------------------------------------------------------------


def notebook_namespace(depth: int = 1) -> dict:
    """The globals of the code ``depth`` calls above the caller: the learner's notebook.

    ``q1.check()`` and ``progress()`` take no arguments in a notebook; each
    calls this (``depth=1``: whoever called *it*) to read the answers the
    learner's cells have set.
    """
    frame = inspect.currentframe()
    for _ in range(depth + 1):
        frame = frame.f_back
    return frame.f_globals
