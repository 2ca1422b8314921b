"""Checks with a time limit: what a question does with a learner's code and with odd answers.

A check reads a plain answer (numbers, text, lists and dicts of them:
:func:`~servicelab.exercises.feedback.is_plain`) right here, in the kernel:
nothing of the learner's runs. Anything else — a learner's function, a
simulation run with their settings, an object of a class of theirs — is
checked under a time limit (:func:`~servicelab.exercises.timeouts.run_limited`,
in a forked child process where the platform allows): each step of the check
has :attr:`BoundedCheck.time_limit` seconds, and a step that overruns ends the
check with a sentence ("… was still running after 2 seconds, so I stopped
it"). :class:`BoundedCheck` is the part of
:class:`~servicelab.exercises.question.Question` that does this; a kind of
question says which steps it has (:meth:`BoundedCheck.run_bounded`) and what
to say when one is stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .core import INCORRECT
from .feedback import is_plain
from .render import Outcome
from .timeouts import ChildEnded, TimeLimitExceeded, run_limited

__all__ = ["BoundedCheck", "quoted_names", "shown_safely", "PLAIN_VALUE"]

#: what to use instead of an odd object, in the kit's sentences
PLAIN_VALUE = "a plain value (a number, a string, a list or a dict)"


def quoted_names(items: Iterable[str]) -> str:
    """```a```, ```a``` and ```b```, ```a```, ```b``` and ```c```."""
    quoted = [f"`{n}`" for n in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


class _Kind:
    """A value shown by its type alone (its own repr might never return)."""

    def __init__(self, value):
        self.text = f"<a {type(value).__name__}>"

    def __repr__(self):
        return self.text


def shown_safely(value) -> object:
    """``value`` itself if it is plain data, else a stand-in whose repr names its type."""
    return value if is_plain(value) else _Kind(value)


class BoundedCheck:
    """A question's checks under a time limit (the base of every question).

    A subclass provides ``name``, ``variables``, ``outcome(status, message)``
    and ``_assess(values)``.
    """

    #: True for kinds whose check runs code (a learner's function, a simulation): always bounded
    runs_code = False
    #: seconds for each step of a bounded check (a kind may set its own)
    time_limit = 2.0

    def bounded(self, values: dict) -> Outcome:
        """The check of ``values``, each step within :attr:`time_limit`.

        By default the whole assessment runs under the limit, after
        :meth:`prepare` (in the fork mode, in a child process that sends back
        the outcome's fields). A kind may instead read the answer under the
        limit (:meth:`limited`) and judge the plain result here.
        """
        self.prepare()

        def task(stage):
            done = self.safely(lambda: self.run_bounded(values, stage))
            return done.status, done.message, done.internal_error

        fields = self.limited(task)
        return fields if isinstance(fields, Outcome) else Outcome(self.name, *fields)

    def limited(self, task: Callable) -> object:
        """``task(stage)`` under the limit: its plain result, or the Outcome saying it stopped."""
        try:
            return run_limited(task, seconds=self.time_limit)
        except TimeLimitExceeded as stop:
            return self.outcome(INCORRECT, self.stopped_message(stop))
        except ChildEnded as ended:
            return self.outcome(INCORRECT, self.ended_message(ended))

    def read_then_judge(self, values: dict, read: Callable) -> Outcome:
        """Read the one answer under the limit, judge what was read here (a ``bounded``).

        ``read(value)`` returns ``(plain, None)`` — a number, a letter — or
        ``(None, why not)``. A plain answer is judged as the learner's would
        be, in this process, where the question keeps what it remembers.
        """
        read_ = self.limited(lambda stage: read(values[self.variables[0]]))
        if isinstance(read_, Outcome):
            return read_
        plain, problem = read_
        if problem:
            return self.outcome(INCORRECT, problem)
        return self._assess({self.variables[0]: plain})

    def prepare(self) -> None:
        """Compute what a check needs of the kit (its cases, a run) here, before a bounded check.

        So that it is computed once and remembered, and its time does not
        count against the learner's.
        """

    def run_bounded(self, values: dict, stage: Callable) -> Outcome:
        """The assessment, calling ``stage(label)`` at each step (kinds that run code do)."""
        return self._assess(values)

    def stopped_message(self, stop: TimeLimitExceeded) -> str:
        """What to say when a step of the check was stopped (by default: reading the answer)."""
        return (
            f"I tried to read {quoted_names(self.variables)}, but that was still running after "
            f"{stop.seconds:g} seconds, so I stopped it: something in your value (its "
            f"`__repr__`, `__float__` or `__eq__`, say) never finishes. Use {PLAIN_VALUE} "
            f"and run `{self.name}.check()` again."
        )

    def ended_message(self, ended: ChildEnded) -> str:
        """What to say when the process a check ran in ended without an answer."""
        return (
            f"Reading {quoted_names(self.variables)} ended the Python process it ran in "
            f"({ended.how}) before I had an answer. Use {PLAIN_VALUE} and run "
            f"`{self.name}.check()` again."
        )

    def safely(self, work: Callable[[], Outcome]) -> Outcome:
        """``work()``; a failure of the checker, or an odd answer's error, as an Outcome."""
        try:
            return work()
        except (KeyboardInterrupt, TimeLimitExceeded):
            raise
        except Exception as error:  # a bug in the checker: say so, never blame the learner
            return Outcome(
                self.name,
                INCORRECT,
                f"I could not check this answer: the checker itself failed "
                f"({type(error).__name__}: {error}). This is a problem in the kit, not "
                "in your answer; please report it.",
                internal_error=True,
            )
        except BaseException as error:  # GeneratorExit, BaseException(…): the learner's code
            return self.outcome(
                INCORRECT,
                f"Reading your answer raised **{type(error).__name__}**, which stops more than "
                f"an error should. Use {PLAIN_VALUE}, or raise an ordinary exception such "
                "as `ValueError`.",
            )
