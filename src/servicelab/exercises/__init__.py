"""Self-checking exercises: check, hints in levels, solutions; and the builder.

A learner's notebook binds its questions with one line::

    from servicelab.exercises.ex02 import ____, progress, q1, q2, q3, q4, q5

then fills in each ``____`` and runs ``q1.check()`` (``q1.hint()``,
``q1.solution()``). Modules:

* :mod:`~servicelab.exercises.core` — the placeholder, outcomes and their
  display, the :class:`~servicelab.exercises.core.Question` base, grading mode;
* :mod:`~servicelab.exercises.questions` — the kinds of question;
* :mod:`~servicelab.exercises.feedback` — the sentences of feedback;
* :mod:`~servicelab.exercises.timeouts` — time limits for learners' functions;
* :mod:`~servicelab.exercises.builder` — ``solutions/`` → ``exercises/``;
* ``ex01``, ``ex02``, ``ex03`` — the questions of each exercise notebook.

Exercise modules are imported on demand (they are not imported here), so
``import servicelab`` stays light.
"""

from .core import (
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    STATUSES,
    Outcome,
    Question,
    ____,
    grading,
    is_placeholder,
    set_grading,
)

__all__ = [
    "____",
    "is_placeholder",
    "Outcome",
    "Question",
    "NOT_ATTEMPTED",
    "INCORRECT",
    "CORRECT",
    "STATUSES",
    "grading",
    "set_grading",
    "MODULES",
]

#: the exercise modules, by notebook number
MODULES = {"01": "ex01", "02": "ex02", "03": "ex03"}
