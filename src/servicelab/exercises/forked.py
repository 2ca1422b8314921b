"""Run a check's task in a forked child process, killed when a step of it overruns.

The fork mode of :func:`~servicelab.exercises.timeouts.run_limited` (its
docstring says what each mode can stop). :func:`run_forked` forks; the child
runs the task with its output bounded, sends length-prefixed pickles of plain
data up a pipe (``("stage", label, seconds)``, ``("out", stream, text)``,
``("done", value)``, ``("raised", kind, text)``, ``("interrupt",)``) and ends
with ``os._exit``; the parent reads them with a deadline per step, unpickles
nothing but plain data, and kills the child's process group when a deadline
passes, when it has its answer, or when it is interrupted.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import os
import pickle
import selectors
import signal
import struct
import sys
import threading
import time
import warnings
from collections.abc import Callable

from .timeouts import (
    REPEAT_S,
    ChildEnded,
    Printed,
    TaskFailed,
    TimeLimitExceeded,
    show_printed,
)

__all__ = ["NO_FORK", "run_forked"]

#: what :func:`run_forked` returns when this process cannot fork just now
NO_FORK = object()
#: the longest message a child may send (its verdict is a few KB)
_MAX_MESSAGE = 8 << 20
_PLAIN_ATOMS = (str, int, float, bool, type(None), bytes)


def run_forked(task: Callable, seconds: float):
    """``task(stage)`` in a forked child: its plain result, or :data:`NO_FORK` if fork failed.

    A Stop (``SIGINT``) that comes between the fork and the moment the parent
    watches its child is held back until then, so that no child is ever left
    running unwatched.
    """
    read_end, write_end = os.pipe()
    held = _HeldInterrupt()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # "multi-threaded, fork()…"
            pid = os.fork()
    except OSError:
        held.release()
        os.close(read_end)
        os.close(write_end)
        return NO_FORK
    if pid == 0:  # pragma: no cover - the child; coverage does not follow it
        _child(task, write_end, read_end)
    os.close(write_end)
    return _parent(pid, read_end, seconds, held)


class _HeldInterrupt:
    """Hold back ``SIGINT`` (in the main thread, where Python handles it) until :meth:`release`."""

    def __init__(self):
        self.old, self.came = None, False
        main = threading.current_thread() is threading.main_thread()
        if main and signal.getsignal(signal.SIGINT) is not None:  # None: not Python's to restore
            self.old = signal.signal(signal.SIGINT, self._hold)

    def _hold(self, signum, frame):
        self.came = True

    def release(self) -> None:
        """Put the old handler back; if a Stop came meanwhile, act on it now."""
        if self.old is None:
            return
        old, self.old = self.old, None
        signal.signal(signal.SIGINT, old)
        if self.came and callable(old):
            old(signal.SIGINT, None)
        elif self.came and old == signal.SIG_DFL:
            raise KeyboardInterrupt


def _plain(value, depth: int = 0):
    """``value`` if it is plain data (no learner objects), str subclasses made str; else raise."""
    kind = type(value)
    if kind in _PLAIN_ATOMS:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if depth < 20 and kind in (tuple, list):
        return kind(_plain(v, depth + 1) for v in value)
    if depth < 20 and kind is dict:
        return {_plain(k, depth + 1): _plain(v, depth + 1) for k, v in value.items()}
    raise TypeError(f"a check may send back only plain data, not a {kind.__name__}")


class _PlainOnly(pickle.Unpickler):
    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"not plain data: {module}.{name}")


def _child(task, out_fd: int, in_fd: int) -> None:  # pragma: no cover - runs in the child
    """Run ``task`` here, send its result to ``out_fd``, and end this process: never returns."""
    try:
        os.close(in_fd)
        with contextlib.suppress(ValueError, OSError):
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the Stop button is for the parent
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)  # its own group: killed with anything it starts
        with contextlib.suppress(OSError):
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):  # C-level prints, and the kernel's pipes, are not for it
                os.dup2(null, fd)
        lock = threading.Lock()

        def send(message) -> None:
            data = pickle.dumps(_plain(message), protocol=4)
            data = struct.pack("!I", len(data)) + data
            with lock:
                while data:
                    data = data[os.write(out_fd, data) :]

        printed = Printed(lambda stream, text: send(("out", stream, text)))
        sys.stdout, sys.stderr = printed.stream("out"), printed.stream("err")
        sys.stdin = io.StringIO()
        builtins.input = _no_input
        try:
            value = task(lambda label, limit=None: send(("stage", label, limit)))
            send(("done", value))
        except KeyboardInterrupt:
            send(("interrupt",))
        except BaseException as error:
            send(("raised", type(error).__name__, _text(error)))
    finally:
        os._exit(0)  # ends the child at once: no cleanup of the kernel's state


def _no_input(prompt=""):  # pragma: no cover - runs in the child
    raise EOFError("input() reads nothing while a check runs")


def _text(error: BaseException) -> str:  # pragma: no cover - runs in the child
    try:
        return str(error)[:2000]
    except Exception:
        return ""


def _parent(pid: int, fd: int, seconds: float, held: _HeldInterrupt):
    """Follow the child's messages until it answers; kill it if a step overruns."""
    reaped, selector = None, None
    try:
        held.release()  # from here on, a Stop kills the child (below)
        deadline, limit, label = time.monotonic() + seconds, seconds, None
        buffer, selector = b"", selectors.DefaultSelector()
        selector.register(fd, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeLimitExceeded(limit, label)
            if selector.get_map() and selector.select(min(left, REPEAT_S)):
                chunk = os.read(fd, 1 << 16)
                if not chunk:  # the child closed its end: it is ending, or closed its files
                    selector.unregister(fd)
                buffer += chunk
            else:  # nothing to read: has the child ended without an answer?
                reaped = _reap(pid)
                if reaped:
                    raise ChildEnded(reaped, label)
                if not selector.get_map():
                    time.sleep(min(left, 0.05))
            while len(buffer) >= 4:
                (size,) = struct.unpack("!I", buffer[:4])
                if size > _MAX_MESSAGE:
                    raise TaskFailed("OverflowError", "the check's answer was too long")
                if len(buffer) < 4 + size:
                    break
                message = _PlainOnly(io.BytesIO(buffer[4 : 4 + size])).load()
                buffer = buffer[4 + size :]
                if message[0] == "stage":
                    label, limit = message[1], message[2] or seconds
                    deadline = time.monotonic() + limit
                elif message[0] == "out":
                    show_printed(message[1], message[2])
                elif message[0] == "done":
                    return message[1]
                elif message[0] == "interrupt":
                    raise KeyboardInterrupt
                elif message[0] == "raised":
                    raise TaskFailed(message[1], message[2])
    finally:
        if selector is not None:
            selector.close()
        os.close(fd)
        if not reaped:
            _kill(pid)


def _reap(pid: int) -> str | None:
    """How the child ended, if it has (and it is reaped), else None."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # someone else reaps children (SIGCHLD ignored): is it there?
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return "it has gone"
        except OSError:
            pass
        return None
    if not done:
        return None
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"killed by {name}"
    return f"exit status {os.WEXITSTATUS(status) if os.WIFEXITED(status) else status}"


def _kill(pid: int) -> None:
    """Kill the child and its process group, and reap it."""
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(OSError):
            kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
