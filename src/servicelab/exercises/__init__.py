"""Self-checking exercises: the machinery every lesson's questions are made of.

A learner's notebook binds its lesson's questions with one line::

    from servicelab.lessons.l02_temporal_coupling.exercises import ____, progress, q1, q2

then fills in each ``____`` and runs ``q1.check()`` (``q1.hint()``,
``q1.solution()``). The questions live in each lesson's slice
(``servicelab.lessons.lNN_slug.exercises``; :data:`servicelab.lessons.LESSONS`
lists them); this package is what they are made of:

* :mod:`~servicelab.exercises.core` — the placeholder, the three verdicts,
  grading mode and the solutions switch (read from the environment when this
  package is first imported, and fixed from then on), where answers are read from;
* :mod:`~servicelab.exercises.render` — what a check, a hint, a solution and
  ``progress()`` show, as text and as HTML;
* :mod:`~servicelab.exercises.question` — the :class:`Question` base, its
  :class:`WrongExample`, and a notebook's :class:`QuestionSet`;
* :mod:`~servicelab.exercises.kinds` — the kinds of question, one module each;
* :mod:`~servicelab.exercises.feedback` — the sentences of feedback;
* :mod:`~servicelab.exercises.timeouts` — time limits for learners' code: a
  forked child killed at the deadline (:mod:`~servicelab.exercises.forked`)
  where the system can fork, an in-process alarm or thread otherwise;
* :mod:`~servicelab.exercises.bounded` — which parts of a check run under a
  time limit (learners' functions, and reading any answer that is not plain data);
* :mod:`~servicelab.exercises.guess` — a lesson's prediction next to the
  simulation's number, compared and never graded (:func:`compare_guess`);
* :mod:`~servicelab.exercises.written` — a question answered in words, with
  its rubric and a model answer (:class:`WrittenQuestion`);
* :mod:`~servicelab.exercises.solutions` — where ``q.solution()`` reads each
  answer cell's code: the ``solutions/`` notebooks next to the kit, when they
  are there. The package itself carries no answers.

Lessons' exercise modules are imported on demand (not here), so
``import servicelab`` stays light.
"""

from .core import (
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    STATUSES,
    ____,
    grading,
    is_placeholder,
    solutions_hidden,
)
from .guess import compare_guess
from .question import Question, QuestionSet, WrongExample, exercise_key
from .render import Outcome
from .written import WrittenQuestion

__all__ = [
    "____",
    "is_placeholder",
    "Outcome",
    "Question",
    "QuestionSet",
    "WrongExample",
    "WrittenQuestion",
    "compare_guess",
    "exercise_key",
    "NOT_ATTEMPTED",
    "INCORRECT",
    "CORRECT",
    "STATUSES",
    "grading",
    "solutions_hidden",
]
