"""Run a learner's function with a time limit, so a loop that never ends cannot hang a check.

:func:`call_with_time_limit` calls ``fn(*args, **kwargs)`` and returns what
it returns, re-raises what it raises, and raises :class:`TimeLimitExceeded`
if it is still running after ``seconds``.

Two ways to stop a running function, chosen at each call:

* **an alarm signal** (``signal.setitimer`` + ``SIGALRM``) when the call is
  made in the main thread of a POSIX process. ipykernel runs every cell in
  the main thread, and so does pytest, so this is the usual way. The signal
  interrupts pure-Python loops and blocking calls such as ``time.sleep``
  alike. The alarm repeats every quarter second until the call is over, so a
  learner's bare ``except:`` that swallows the first one does not win.
* **a helper thread** everywhere else (Windows, or a call from a thread): the
  function runs in a daemon thread; if it overruns, :class:`TimeLimitExceeded`
  is injected into that thread (``PyThreadState_SetAsyncExc``, which stops a
  pure-Python loop at its next bytecode) and the caller is told at once.

Invariant: whichever way is used, the caller gets control back within about
``seconds`` (plus a quarter second), and a previous ``SIGALRM`` handler and
timer are restored afterwards.
"""

from __future__ import annotations

import ctypes
import signal
import threading
import time
from collections.abc import Callable

__all__ = ["TimeLimitExceeded", "call_with_time_limit", "signals_usable"]

#: how often the alarm repeats after the first one, in seconds
_REPEAT_S = 0.25


class TimeLimitExceeded(BaseException):
    """The learner's function was still running when its time was up.

    A ``BaseException`` (like ``KeyboardInterrupt``), so that a learner's
    ``except Exception:`` does not swallow it.
    """

    def __init__(self, seconds: float = 0.0):
        super().__init__(f"still running after {seconds:g} s")
        self.seconds = seconds


def signals_usable() -> bool:
    """True if an alarm signal can stop a call made here (POSIX, main thread)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def call_with_time_limit(
    fn: Callable, args: tuple = (), kwargs: dict | None = None, *, seconds: float = 2.0, mode=None
):
    """``fn(*args, **kwargs)``, stopped with :class:`TimeLimitExceeded` after ``seconds``.

    ``mode`` is ``"signal"``, ``"thread"`` or ``None`` (choose: signal if usable).
    """
    if not seconds > 0:
        raise ValueError(f"seconds = {seconds!r} is not allowed: seconds must be a number > 0.")
    kwargs = {} if kwargs is None else kwargs
    if mode is None:
        mode = "signal" if signals_usable() else "thread"
    if mode == "signal":
        if not signals_usable():
            raise ValueError(
                "mode = 'signal' is not allowed here: signals work only in the main thread "
                "of a POSIX process; use mode='thread'."
            )
        return _with_alarm(fn, args, kwargs, seconds)
    if mode == "thread":
        return _with_thread(fn, args, kwargs, seconds)
    raise ValueError(f"mode = {mode!r} is not allowed: mode must be 'signal', 'thread' or None.")


def _with_alarm(fn, args, kwargs, seconds):
    armed = [True]

    def on_alarm(signum, frame):
        if armed[0]:
            raise TimeLimitExceeded(seconds)

    started = time.monotonic()
    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT_S)
    try:
        try:
            result = fn(*args, **kwargs)
        finally:
            armed[0] = False  # from here on an alarm is ignored
            signal.setitimer(signal.ITIMER_REAL, 0)
        return result
    finally:
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay:  # someone else's timer was running: give it back what is left
            left = max(old_delay - (time.monotonic() - started), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, old_interval)


def _with_thread(fn, args, kwargs, seconds):
    box: dict = {}

    def target():
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as error:  # handed to the caller below, traceback and all
            box["error"] = error

    worker = threading.Thread(target=target, name="servicelab-learner-call", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        _raise_in(worker, TimeLimitExceeded)
        worker.join(_REPEAT_S)
        raise TimeLimitExceeded(seconds)
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
