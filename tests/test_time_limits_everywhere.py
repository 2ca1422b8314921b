"""The exercises' time limit where neither processes, signals nor threads exist (Pyodide).

In JupyterLite the kernel is Pyodide: no ``fork``, no ``setitimer``, and
``Thread.start`` raises ``RuntimeError: can't start new thread``. Here those
three are taken away (as Pyodide lacks them) and the checkers run anyway: the
kit's own correct answers are graded correct, a runaway function is stopped
in about its limit with the usual sentence, and no message names the
environment's missing pieces as the learner's mistake. The trace mode that
makes this work is :mod:`servicelab.exercises.traced`.
"""

import importlib
import os
import signal
import sys
import threading
import time

import pytest

from servicelab.exercises import CORRECT, INCORRECT, core
from servicelab.exercises.kinds import Case, FunctionQuestion, number_judge
from servicelab.exercises.timeouts import (
    TimeLimitExceeded,
    call_with_time_limit,
    fork_usable,
    run_limited,
    signals_usable,
    threads_usable,
)
from servicelab.exercises.traced import library_file, run_traced
from servicelab.scenarios.checkout import run_checkout

# the solutions notebooks, run cell by cell as tests/test_exercises.py runs them (a sibling
# test module, not a dependency)
_exercises = importlib.import_module("test_exercises")
SOLUTIONS, checks = _exercises.SOLUTIONS, _exercises.checks
questions, run_in_process = _exercises.questions, _exercises.run_in_process
LIMIT = 0.5
SLACK = 1.5
#: what a message must never say: the environment's lack is not the learner's mistake
BLAME = ("RuntimeError", "thread", "setitimer", "fork", "checker itself failed")


def no_thread(self, *args, **kwargs):
    raise RuntimeError("can't start new thread")


@pytest.fixture
def like_pyodide(monkeypatch):
    """No processes, no signals, no threads: what the browser's Python has."""
    monkeypatch.delattr(os, "fork", raising=False)
    monkeypatch.delattr(signal, "setitimer", raising=False)
    monkeypatch.setattr(threading.Thread, "start", no_thread)
    monkeypatch.setattr(core, "_GRADING", False)
    assert not fork_usable() and not signals_usable()
    with pytest.raises(RuntimeError):
        threading.Thread(target=print).start()


def question(limit=LIMIT):
    return FunctionQuestion(
        "q3",
        variable="double",
        title="t",
        signature="double(x)",
        cases=lambda: [Case((1,), 2), Case((2,), 4)],
        judge=number_judge(),
        time_limit=limit,
        hints=["h"],
    )


def cell(source: str) -> dict:
    """Functions defined as in a notebook cell (a file name outside every library)."""
    namespace: dict = {}
    exec(compile(source, "<ipython-input-1-0>", "exec"), namespace)
    return namespace


LEARNER = cell(
    "def forever(x):\n"
    "    while True: pass\n"
    "def sleeps(x):\n"
    "    while True:\n"
    "        __import__('time').sleep(0.05)\n"
    "def catches_once(x):\n"
    "    try:\n"
    "        while True:\n"
    "            pass\n"
    "    except BaseException:\n"
    "        pass\n"
    "    return 2 * x\n"
    "def simulating(x):\n"
    "    while True:\n"
    "        run_checkout('sync', n_orders=2_000)\n"
    "def double(x):\n"
    "    return 2 * x\n"
)
LEARNER["run_checkout"] = run_checkout


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_every_correct_answer_is_graded_correct_without_processes_signals_or_threads(
    path, like_pyodide
):
    found = checks(run_in_process(path, grading=False), path)
    assert sorted(found) == sorted(questions(path))
    for name, (outcome, error) in found.items():
        assert error is None and outcome.status == CORRECT, f"{name}: {outcome.message}"
        assert not outcome.internal_error
        assert not any(word in outcome.message for word in BLAME), outcome.message


@pytest.mark.parametrize("name", ["forever", "sleeps", "catches_once", "simulating"])
def test_a_runaway_function_is_stopped_kindly(name, like_pyodide):
    started = time.monotonic()
    outcome = question().assess(LEARNER[name])
    took = time.monotonic() - started
    assert outcome.status == INCORRECT and not outcome.internal_error, outcome.message
    assert f"still running after {LIMIT:g} seconds, so I stopped it" in outcome.message
    assert not any(word in outcome.message for word in BLAME), outcome.message
    assert took < LIMIT + SLACK
    assert sys.gettrace() is None or "coverage" in type(sys.gettrace()).__module__


def test_a_right_answer_is_correct_and_quick(like_pyodide):
    started = time.monotonic()
    assert question().assess(LEARNER["double"]).status == CORRECT
    assert time.monotonic() - started < LIMIT


def test_the_thread_mode_falls_back_to_the_trace_mode(like_pyodide):
    with pytest.raises(TimeLimitExceeded) as info:
        call_with_time_limit(LEARNER["forever"], (1,), seconds=0.3, mode="thread")
    assert info.value.seconds == 0.3
    assert run_limited(lambda stage: "quick answer", seconds=0.3) == "quick answer"


def test_under_pyodide_the_trace_mode_is_chosen_at_once(monkeypatch):
    monkeypatch.setattr(sys, "platform", "emscripten")
    monkeypatch.delattr(signal, "setitimer", raising=False)
    monkeypatch.setattr(threading.Thread, "start", no_thread)
    assert not threads_usable() and not fork_usable()
    with pytest.raises(TimeLimitExceeded):
        run_limited(lambda stage: LEARNER["forever"](1), seconds=0.3)


def test_each_step_has_its_own_limit_and_label():
    def steps(stage):
        stage("first")
        time.sleep(0.2)
        stage("second", 0.25)
        LEARNER["forever"](1)

    with pytest.raises(TimeLimitExceeded) as info:
        run_traced(steps, 0.3)
    assert info.value.stage == "second" and info.value.seconds == 0.25


def test_a_previous_trace_function_is_put_back():
    def tracer(frame, event, arg):
        return None

    sys.settrace(tracer)
    try:
        assert run_traced(lambda stage: 42, 1.0) == 42
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)


def test_only_the_learners_own_code_is_traced_line_by_line():
    assert library_file(threading.__file__) and library_file(run_checkout.__code__.co_filename)
    assert library_file(pytest.__file__)
    assert not library_file("<ipython-input-1-0>")
    assert not library_file("/tmp/ipykernel_123/456.py")
    with pytest.raises(TypeError):
        library_file(None)
    with pytest.raises(ValueError):
        run_traced(lambda stage: None, 0)
