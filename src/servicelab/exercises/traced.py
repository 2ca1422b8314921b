"""The trace mode of :func:`~servicelab.exercises.timeouts.run_limited`: a deadline in a trace.

For a Python with neither processes, signals nor threads — Pyodide, the
kernel of JupyterLite, has no ``fork``, no ``setitimer`` and cannot start a
thread — the check runs here, in the caller, with a trace function
(:func:`sys.settrace`) that looks at the clock:

* in the learner's own code (a frame whose file is not in the standard
  library, in site-packages or in the kit), at every line (every bytecode
  before Python 3.12), so a ``while True: pass`` loop there is stopped with
  :class:`TimeLimitExceeded` as soon as its step's time is up;
* library frames (the kit's simulations, simpy, numpy) are not traced line by
  line: the trace function only sees each call, so a simulation runs about 3×
  slower than untraced (4× on Python 3.11); a loop of the learner's around
  such calls is still stopped between them.

Python unsets a trace function that raises, so after a stop a profile
function (:func:`sys.setprofile`) traces again from the next call on: a
learner's function that catches the stop and returns is stopped again the
next time it is called. What it cannot stop, as the thread mode cannot: a
long call inside C (``sum(range(10**10))``), and a loop that catches
``BaseException`` and calls nothing. The cost: a tight loop in the
learner's code runs several times slower while traced (about 9× in Pyodide),
which a small exercise function does not notice. A previous trace function (a debugger,
coverage) is put back afterwards.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import time
from collections.abc import Callable

from .timeouts import TimeLimitExceeded, check_seconds

__all__ = ["run_traced", "library_file"]


def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths.get(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # servicelab/
    return tuple(sorted(os.path.join(root, "") for root in roots if root))


_ROOTS = _library_roots()
_OPCODES = sys.version_info < (3, 12)
_KNOWN: dict[str, bool] = {}


def library_file(filename: str) -> bool:
    """True if code from ``filename`` is the standard library's, a package's or the kit's.

    Code that is not (a notebook cell's, a learner's module) is traced line by line.
    """
    if not isinstance(filename, str):
        raise TypeError(f"filename must be a str, not {type(filename).__name__}.")
    known = _KNOWN.get(filename)
    if known is None:
        known = _KNOWN[filename] = filename.startswith(_ROOTS) or filename.startswith("<frozen ")
    return known


def run_traced(task: Callable, seconds: float):
    """``task(stage)`` here, each step stopped with :class:`TimeLimitExceeded` after its seconds.

    ``stage(label, seconds=None)`` starts a step, as in
    :func:`~servicelab.exercises.timeouts.run_limited`. It returns what
    ``task`` returns and re-raises what it raises; if the learner's code
    caught the stop and went on, the stop is raised when ``task`` returns.
    """
    seconds = check_seconds(seconds)
    if not callable(task):
        raise TypeError(f"task must be callable, not {type(task).__name__}.")
    step = {"seconds": seconds, "label": None, "deadline": time.monotonic() + seconds}
    fired: list[TimeLimitExceeded] = []
    clock = time.monotonic

    def stage(label, limit=None):
        limit = check_seconds(limit) if limit is not None else seconds
        if not fired:  # once a step was stopped, everything after it is stopped at once
            step.update(label=label, seconds=limit, deadline=clock() + limit)

    def on_step(frame, event, arg):
        if clock() > step["deadline"]:
            fired.append(TimeLimitExceeded(step["seconds"], step["label"]))
            sys.setprofile(on_profile)  # Python unsets a trace function that raises
            raise fired[-1]
        return on_step

    def on_call(frame, event, arg):
        if event != "call" or library_file(frame.f_code.co_filename):
            return None
        # before Python 3.12, `while True: pass` on one line jumps to itself without a
        # 'line' event: there, look at every bytecode (3.12 and later raise the event)
        frame.f_trace_opcodes = _OPCODES
        return on_step(frame, event, arg)

    def on_profile(frame, event, arg):
        # after a stop the learner's code caught: trace again from the next call on
        if event == "call" and sys.gettrace() is None:
            sys.settrace(on_call)
            if not library_file(frame.f_code.co_filename):
                frame.f_trace, frame.f_trace_opcodes = on_step, _OPCODES

    previous, previous_profile = sys.gettrace(), sys.getprofile()
    sys.settrace(on_call)
    try:
        result = task(stage)
    finally:
        sys.settrace(previous)
        sys.setprofile(previous_profile)
    if fired:
        raise TimeLimitExceeded(step["seconds"], step["label"])
    return result
