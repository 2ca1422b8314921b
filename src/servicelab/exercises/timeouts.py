"""Time limits for everything a check does with a learner's code, so that nothing can hang it.

:func:`run_limited` runs ``task(stage)``, a check's work with the learner's
function or answer. The task calls ``stage(label)`` as it moves from step to
step (``("call", 3)``: the fourth case's call); every step has ``seconds``
(or the seconds ``stage`` names), and one that overruns is stopped with
:class:`TimeLimitExceeded`, which carries the step's label. What the learner
prints is passed on, at most :data:`OUTPUT_LIMIT` characters, then a note.
:func:`call_with_time_limit` is the same for one in-process call.

Four ways to stop a step, the best one usable chosen at each call:

* **fork** (POSIX: Linux and macOS, so Jupyter and pytest there). The task
  runs in a forked child process, which the caller kills (``SIGKILL``, with
  the child's process group) when a step overruns. Nothing the learner's code
  does prevents that: a bare ``except:`` in a retry loop, ``signal.signal(
  SIGALRM, SIG_IGN)``, ``setitimer(…, 0)``, a loop inside C such as
  ``sum(range(10**10))``, a ``__repr__`` or ``__float__`` that never returns,
  a ``print`` loop (the child's output goes to a bounded buffer; ``input()``
  reads nothing). The child sends back only plain data (str, numbers, bools,
  None, and tuples, lists and dicts of them, pickled) and never the learner's
  objects; it ignores ``SIGINT``, so the notebook's Stop button reaches the
  caller, which kills the child and raises ``KeyboardInterrupt``; it ends with
  ``os._exit`` and never returns into the kernel. The price: what the
  learner's code changes in memory (a global, a list it was given) does not
  outlive the check. A child that ends without an answer (``os._exit`` in the
  learner's code, a crash) raises :class:`ChildEnded`.
* **signal** (where fork is missing or fails; POSIX, main thread): in process,
  an alarm raises :class:`TimeLimitExceeded` in the running code, again every
  quarter second. It stops pure-Python loops, blocking calls such as
  ``time.sleep``, and code that swallows one alarm. It cannot stop a loop that
  swallows every alarm, code that ignores or cancels ``SIGALRM`` itself, or a
  long call inside C: those still hang the caller.
* **thread** (Windows, a call from another thread): the task runs
  in a daemon thread; when a step overruns, :class:`TimeLimitExceeded` is
  injected into it (it stops a pure-Python loop at its next bytecode) and the
  caller gets control back at once. Code that swallows it, or a long call in
  C, keeps running in the background until it ends.
* **trace** (where neither processes, signals nor threads exist: Pyodide in
  JupyterLite, or wherever a thread cannot start): in process, a trace
  function looks at the clock at every line of the learner's own code and
  raises :class:`TimeLimitExceeded` there (:mod:`servicelab.exercises.traced`).
  It stops pure-Python loops; a long call in C, or a loop that catches
  ``BaseException`` and calls nothing, still runs to its end.

Invariant: in fork and thread modes the caller gets control back within about
a step's seconds (plus a quarter second); in signal and trace modes too, unless
the learner's code defeats them. No mode fails for want of what the platform
lacks: a check never reports the environment as the learner's mistake. A
previous ``SIGALRM`` handler and timer are restored afterwards.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

from servicelab._check import number

__all__ = [
    "TimeLimitExceeded",
    "ChildEnded",
    "TaskFailed",
    "OUTPUT_LIMIT",
    "REPEAT_S",
    "Printed",
    "show_printed",
    "run_limited",
    "call_with_time_limit",
    "signals_usable",
    "fork_usable",
    "threads_usable",
    "check_seconds",
]

#: how often the alarm repeats after the first one, and how often the caller looks, in seconds
REPEAT_S = 0.25
#: at most this many characters of what the learner's code prints are shown
OUTPUT_LIMIT = 4000


class TimeLimitExceeded(BaseException):
    """A step of a check was still running when its time was up.

    ``seconds`` is the step's limit and ``stage`` its label. A
    ``BaseException`` (like ``KeyboardInterrupt``), so that a learner's
    ``except Exception:`` does not swallow it. Built from its ``args`` alone,
    so it survives being rebuilt as ``type(e)(*e.args)`` (simpy does that) and
    pickling.
    """

    def __init__(self, seconds: float = 0.0, stage: object = None):
        super().__init__(seconds, stage)

    @property
    def seconds(self):
        return self.args[0] if self.args else 0.0

    @property
    def stage(self):
        return self.args[1] if len(self.args) > 1 else None

    def __str__(self):
        try:
            return f"still running after {self.seconds:g} s"
        except (TypeError, ValueError):
            return f"still running after {self.seconds} s"


class ChildEnded(Exception):
    """The child process ended without an answer: ``how`` it ended, during ``stage``."""

    def __init__(self, how: str = "", stage: object = None):
        super().__init__(how, stage)
        self.how, self.stage = how, stage

    def __str__(self):
        return f"the process ended before it answered ({self.how})"


class TaskFailed(Exception):
    """The task raised in the child process: the exception's ``kind`` and text."""

    def __init__(self, kind: str = "", text: str = ""):
        super().__init__(kind, text)
        self.kind, self.text = kind, text

    def __str__(self):
        return f"{self.kind}: {self.text}" if self.text else self.kind


def signals_usable() -> bool:
    """True if an alarm signal can stop a call made here (POSIX, main thread)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def fork_usable() -> bool:
    """True if a check can run in a forked child process here (POSIX)."""
    return hasattr(os, "fork") and hasattr(os, "killpg") and sys.platform != "emscripten"


def check_seconds(seconds) -> float:
    """``seconds`` as a float if it is a finite number > 0 (not a bool), else the kit's error."""
    return number("seconds", seconds, low=0, low_open=True)


def run_limited(task: Callable, *, seconds: float = 2.0, mode: str | None = None):
    """``task(stage)``, each of its steps stopped with :class:`TimeLimitExceeded` after ``seconds``.

    ``stage(label, seconds=None)`` starts a step; ``mode`` is ``"fork"``,
    ``"signal"``, ``"thread"``, ``"trace"`` or ``None`` (fork if usable, else
    signal in the main thread, else trace under Pyodide, else thread; trace
    where a thread cannot start). In fork mode ``task`` must return plain data;
    if it raises, :class:`TaskFailed` says what (in process, its exception
    itself is re-raised).
    """
    seconds = check_seconds(seconds)
    if mode not in (None, "fork", "signal", "thread", "trace"):
        raise ValueError(
            f"mode = {mode!r} is not allowed: mode must be 'fork', 'signal', 'thread', "
            "'trace' or None."
        )
    if mode in (None, "fork") and fork_usable():
        from .forked import NO_FORK, run_forked  # it builds on this module

        result = run_forked(task, seconds)
        if result is not NO_FORK:
            return result
        if mode == "fork":
            raise OSError("fork failed")
    elif mode == "fork":
        raise ValueError("mode = 'fork' is not allowed here: this Python cannot fork.")
    return _in_process(task, seconds, mode)


def call_with_time_limit(
    fn: Callable, args: tuple = (), kwargs: dict | None = None, *, seconds: float = 2.0, mode=None
):
    """``fn(*args, **kwargs)`` here, stopped with :class:`TimeLimitExceeded` after ``seconds``.

    ``mode`` is ``"signal"``, ``"thread"``, ``"trace"`` or ``None`` (as
    :func:`run_limited` chooses, fork aside); it
    returns what ``fn`` returns and re-raises what it raises. What ``fn``
    prints is bounded as :func:`run_limited`'s. (A check uses
    :func:`run_limited`, which prefers a forked child: this is the fallback
    alone.)
    """
    seconds = check_seconds(seconds)
    if mode not in (None, "signal", "thread", "trace"):
        raise ValueError(
            f"mode = {mode!r} is not allowed: mode must be 'signal', 'thread', 'trace' or None."
        )
    kwargs = {} if kwargs is None else kwargs
    return _in_process(lambda stage: fn(*args, **kwargs), seconds, mode)


# -- output: bounded, passed on ------------------------------------------------------------


class Printed:
    """What the learner's code prints, passed to ``emit(stream, text)`` up to a budget."""

    def __init__(self, emit: Callable[[str, str], None]):
        self.emit, self.left, self.cut = emit, OUTPUT_LIMIT, False

    def stream(self, name: str) -> io.TextIOBase:
        return _Stream(self, name)

    def write(self, name: str, text) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        part = text[: self.left] if self.left > 0 else ""
        if part:
            self.left -= len(part)
            self.emit(name, part)
        if len(part) < len(text) and not self.cut:
            self.cut = True
            self.emit("cut", "")
        return len(text)


class _Stream(io.TextIOBase):
    def __init__(self, printed: Printed, name: str):
        super().__init__()
        self._printed, self._name = printed, name

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        return self._printed.write(self._name, text)


def show_printed(stream: str, text: str, out=None, err=None) -> None:
    """Print what the learner's code printed, here (in a notebook: the cell's output)."""
    if stream == "cut":
        stream, text = (
            "out",
            (
                f"\n[… more output was cut: only the first {OUTPUT_LIMIT:,} characters "
                "printed during the check are shown]\n"
            ),
        )
    target = (err or sys.stderr) if stream == "err" else (out or sys.stdout)
    with contextlib.suppress(Exception):
        target.write(text)


# -- in process: an alarm, a thread or a trace function -----------------------------------------


def threads_usable() -> bool:
    """False where a thread cannot be started at all (Pyodide: the browser's WebAssembly build)."""
    return sys.platform != "emscripten"


def _in_process(task, seconds, mode):
    if mode is None:
        mode = "signal" if signals_usable() else "thread" if threads_usable() else "trace"
    if mode == "signal" and not signals_usable():
        raise ValueError(
            "mode = 'signal' is not allowed here: signals work only in the main thread "
            "of a POSIX process; use mode='thread'."
        )
    out, err = sys.stdout, sys.stderr
    printed = Printed(lambda stream, text: show_printed(stream, text, out, err))
    with (
        contextlib.redirect_stdout(printed.stream("out")),
        contextlib.redirect_stderr(printed.stream("err")),
    ):
        if mode == "signal":
            return _with_alarm(task, seconds)
        if mode == "trace":
            return _with_trace(task, seconds)
        return _with_thread(task, seconds)


def _with_trace(task, seconds):
    from .traced import run_traced  # it builds on this module

    return run_traced(task, seconds)


def _with_alarm(task, seconds):
    step = {"armed": True, "seconds": seconds, "label": None}

    def on_alarm(signum, frame):
        if step["armed"]:
            raise TimeLimitExceeded(step["seconds"], step["label"])

    def stage(label, limit=None):
        step.update(label=label, seconds=check_seconds(limit) if limit is not None else seconds)
        signal.setitimer(signal.ITIMER_REAL, step["seconds"], REPEAT_S)

    started = time.monotonic()
    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT_S)
    try:
        try:
            result = task(stage)
        finally:
            step["armed"] = False  # from here on an alarm is ignored
            signal.setitimer(signal.ITIMER_REAL, 0)
        return result
    finally:
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay:  # someone else's timer was running: give it back what is left
            left = max(old_delay - (time.monotonic() - started), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, old_interval)


def _with_thread(task, seconds):
    step = {"seconds": seconds, "label": None, "deadline": time.monotonic() + seconds}
    box: dict = {}

    def stage(label, limit=None):
        limit = check_seconds(limit) if limit is not None else seconds
        step.update(label=label, seconds=limit, deadline=time.monotonic() + limit)

    def target():
        try:
            box["value"] = task(stage)
        except BaseException as error:  # handed to the caller below, traceback and all
            box["error"] = error

    worker = threading.Thread(target=target, name="servicelab-learner-call", daemon=True)
    try:
        worker.start()
    except RuntimeError:  # "can't start new thread": the trace function keeps the limit
        return _with_trace(task, seconds)
    while worker.is_alive():
        left = step["deadline"] - time.monotonic()
        if left <= 0:
            _raise_in(worker, TimeLimitExceeded)
            worker.join(REPEAT_S)
            raise TimeLimitExceeded(step["seconds"], step["label"])
        worker.join(min(left, 0.05))
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _raise_in(thread: threading.Thread, exc_type) -> None:
    """Ask ``thread`` to raise ``exc_type`` at its next bytecode (best effort)."""
    if thread.ident is None:
        return
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread.ident), ctypes.py_object(exc_type)
    )
