"""What every exercise shares: the blank ``____``, the three verdicts, and the switches.

* :data:`____` — the blank a learner replaces with an answer;
* :data:`STATUSES` — a check says ``"not attempted"`` (a blank is still
  there), ``"incorrect"`` or ``"correct"``;
* :func:`grading` — with ``SERVICELAB_GRADING=1`` (nbgrader's autograde), a
  check that is not correct raises ``AssertionError`` so that its cell scores
  nothing; :func:`solutions_hidden` — ``SERVICELAB_NO_SOLUTIONS=1`` switches
  ``q.solution()`` off for a class, and checks stop stating expected values.
  Both are decided outside the learner's notebook: read from the process's
  environment once, when this module is first imported, and never changed
  afterwards (there is no setter);
* :func:`notebook_namespace` — where a learner's answers are read from: the
  globals of the notebook that called ``q1.check()`` or ``progress()``.

What a check shows lives in :mod:`~servicelab.exercises.render`; the
question base class in :mod:`~servicelab.exercises.question`.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path

__all__ = [
    "____",
    "Placeholder",
    "is_placeholder",
    "NOT_ATTEMPTED",
    "INCORRECT",
    "CORRECT",
    "STATUSES",
    "grading",
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
#
# Whoever starts the kernel decides (nbgrader's autograde, a JupyterHub spawner), not the
# notebook: the switches are read when this module is first imported (a notebook's import
# cell, before any answer cell runs) and kept for the life of the process. A cell that
# changes ``os.environ``, runs ``%env``, or reloads this module changes nothing, and on
# Linux the environment the process was started with counts too, so even a cell run
# before the import cannot switch grading off. (Code that assigns to this module's private
# state can: the learner owns the Python process. The README says how to grade around it.)

_TRUE = ("1", "true", "yes", "on")


def _env_flag(name: str, environ=None) -> bool:
    value = (os.environ if environ is None else environ).get(name, "")
    return value.strip().lower() in _TRUE


def _initial_environment() -> dict[str, str]:
    """The environment this process was started with (Linux), whatever it has done since."""
    try:
        raw = Path("/proc/self/environ").read_bytes()
    except OSError:  # not Linux: os.environ at import is all there is
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


def _decided(name: str) -> bool:
    """``name``'s flag as the process was started, or as ``os.environ`` says at import."""
    return _env_flag(name) or _env_flag(name, _initial_environment())


#: grading mode and the solutions switch, decided once; a ``reload`` keeps the first decision
_GRADING: bool = globals().get("_GRADING", False) or _decided("SERVICELAB_GRADING")
_SOLUTIONS_HIDDEN: bool = globals().get("_SOLUTIONS_HIDDEN", False) or _decided(
    "SERVICELAB_NO_SOLUTIONS"
)


def grading() -> bool:
    """True when checks must raise on a wrong answer (``SERVICELAB_GRADING=1`` at start)."""
    return _GRADING


def solutions_hidden() -> bool:
    """True when ``solution()`` is off and checks keep expected values to themselves.

    (``SERVICELAB_NO_SOLUTIONS=1`` when the kernel started.)
    """
    return _SOLUTIONS_HIDDEN


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
