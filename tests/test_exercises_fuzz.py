"""Hypothesis throws anything at every checker: it answers with a sentence, never a crash.

Answers of every kind — None, bools, huge and odd numbers, nan, text, bytes,
lists, dicts, arrays, ranges too long for ``len``, objects whose repr, float,
len or iteration raises, and functions that return any of these or raise
(``BaseException`` and ``GeneratorExit`` too) — must give an outcome with a
valid status and a message, never an exception and never the checker's own
"internal error". (Answers that never finish are ``tests/test_time_limits.py``'s.)
Every question of every lesson in :data:`servicelab.lessons.LESSONS` is
fuzzed, by its kind.
"""

import math
from collections.abc import Mapping

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicelab import Retry
from servicelab.exercises import STATUSES, ____, core
from servicelab.lessons import LESSONS

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class BadRepr:
    def __repr__(self):
        raise RuntimeError("no repr")

    def _repr_pretty_(self, printer, cycle):  # for hypothesis's own reports only
        printer.text("BadRepr()")


class BadFloat:
    def __float__(self):
        raise ValueError("no float")

    def __repr__(self):
        return "BadFloat()"


class BadEq(str):
    def __eq__(self, other):
        raise RuntimeError("no eq")

    __hash__ = str.__hash__


class Huge:
    def __repr__(self):
        return "x" * 100_000


class BadLen(list):
    def __len__(self):
        raise RuntimeError("no len")


class BadMapping(Mapping):
    def __getitem__(self, key):
        raise KeyError(key)

    def __iter__(self):
        raise RuntimeError("no iteration")

    def __len__(self):
        return 3


class RudeText(str):
    def __str__(self):
        raise RuntimeError("no str")

    def strip(self, *args):
        raise RuntimeError("no strip")


class RudeStr(RudeText):
    def __eq__(self, other):
        raise GeneratorExit

    __hash__ = str.__hash__


ERRORS = [
    ZeroDivisionError,
    KeyError,
    TypeError,
    ValueError,
    IndexError,
    RuntimeError,
    SystemExit,
    BaseException,
    GeneratorExit,
]


def raiser(error):
    def learner_function(*args, **kwargs):
        raise error("from the learner")

    return learner_function


def returner(value):
    return lambda *args, **kwargs: value


plain = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e308, max_value=1e308),
    st.complex_numbers(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["0.96", "96%", "1e999", "nan", "-inf", "b", "(c)", "sync", "async", " "]),
    st.binary(max_size=10),
    st.just(____),
    st.one_of(st.builds(c) for c in (BadRepr, BadFloat, Huge, object, BadMapping)),
    st.builds(BadEq, st.text(max_size=3)),
    st.builds(RudeStr, st.sampled_from(["b", "sync", "0.5", "x"])),
    st.builds(BadLen, st.lists(st.integers(), max_size=2)),
    st.sampled_from([range(10**20), range(3), np.int64(7), np.float32(0.5)]),
    st.sampled_from([print, np.nan]),
    st.builds(np.array, st.lists(st.floats(allow_nan=True), max_size=4)),
    st.just(np.float64("nan")),
    st.just(np.array(3.0)),
)
answers = st.recursive(
    plain,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=10), inner, max_size=4),
    ),
    max_leaves=8,
)
functions = st.one_of(
    st.builds(returner, answers), st.builds(raiser, st.sampled_from(ERRORS)), answers
)


def valid(outcome):
    assert outcome.status in STATUSES
    assert isinstance(outcome.message, str) and outcome.message.strip()
    assert not outcome.internal_error, outcome.message
    assert str(outcome) and outcome._repr_html_()


@pytest.fixture(autouse=True)
def not_grading(monkeypatch):
    monkeypatch.setattr(core, "_GRADING", False)  # decided at import; no setter


QUESTIONS = [
    q for lesson in LESSONS if lesson.has("exercises") for q in lesson.part("exercises").QUESTIONS
]
SINGLE = [q for q in QUESTIONS if len(q.variables) == 1 and q.kind != "function"]
FUNCTIONS = [q for q in QUESTIONS if q.kind == "function"]
CLASSIFY = [q for q in QUESTIONS if q.kind == "classify"]
SCENARIOS = [q for q in QUESTIONS if q.kind == "scenario"]
PREDICTIONS = [q for q in QUESTIONS if q.kind == "predict"]


def name(q):
    return f"{q.exercise}.{q.name}"


def test_every_kind_is_fuzzed():
    assert SINGLE and FUNCTIONS and CLASSIFY and SCENARIOS and PREDICTIONS
    assert all(q in SINGLE + FUNCTIONS + SCENARIOS + PREDICTIONS for q in QUESTIONS)


@pytest.mark.parametrize("question", SINGLE, ids=name)
@SETTINGS
@given(answer=answers)
def test_any_answer_gets_an_outcome(question, answer):
    valid(question.assess(answer))


@pytest.mark.parametrize("question", PREDICTIONS, ids=name)
@SETTINGS
@given(data=st.data())
def test_any_prediction_and_reason_get_an_outcome(question, data):
    """A prediction and its reason: anything at all, or a real sentence next to junk."""
    reason = data.draw(st.one_of(answers, st.just("the user waits for Payment only")))
    valid(question.assess(**{question.variable: data.draw(answers), question.reason: reason}))


@pytest.mark.parametrize("question", FUNCTIONS, ids=name)
@SETTINGS
@given(fn=functions)
def test_any_function_gets_an_outcome(question, fn):
    valid(question.assess(fn))


@pytest.mark.parametrize("question", CLASSIFY, ids=name)
@SETTINGS
@given(data=st.data())
def test_a_classification_with_any_labels_gets_an_outcome(question, data):
    items = list(question._expected())
    words = sorted(set(question.synonyms) | set(question.half))
    values = data.draw(st.lists(st.one_of(st.sampled_from(words), answers)))
    labels = dict(zip(items, values, strict=False))
    labels.update({n: words[0] for n in items[len(values) :]})
    valid(question.assess(labels))


@pytest.mark.parametrize("question", CLASSIFY, ids=name)
@SETTINGS
@given(data=st.data())
def test_a_classification_with_any_keys_gets_an_outcome(question, data):
    items = list(question._expected())
    keys = st.one_of(
        st.text(max_size=12),
        st.integers(),
        st.builds(BadRepr),
        st.sampled_from(items),
        st.builds(RudeText, st.sampled_from(items)),  # a key's == must work for a dict
    )
    valid(question.assess(data.draw(st.dictionaries(keys, answers, max_size=8))))


retries = st.builds(
    Retry,
    attempts=st.integers(1, 20),
    backoff_ms=st.floats(0, 3.6e6),
    multiplier=st.floats(1, 10),
    jitter=st.floats(0, 1),
)
timeouts = st.one_of(
    st.none(), st.floats(min_value=1e-3, max_value=3.6e6), st.integers(-10, 10**6), answers
)


#: settings of the kinds a scenario takes, by variable name (anything else: any answer)
SETTING = {"timeout_ms": timeouts, "retry": st.one_of(retries, answers)}
#: extreme settings, by variable name
EXTREMES = {
    "timeout_ms": [1e-3, 3.6e6, math.inf, True],
    "retry": [
        Retry(attempts=20, backoff_ms=0),
        Retry(attempts=20, backoff_ms=3.6e6, multiplier=10),
        Retry(),
        Retry(),
    ],
    "workers": [1, 10_000, 0, True],
    "queue_capacity": [10_000_000, 1, None, 0],
}


@pytest.mark.parametrize("question", SCENARIOS, ids=name)
@settings(max_examples=25, deadline=None, database=None)
@given(data=st.data())
def test_any_settings_for_a_scenario_get_an_outcome(question, data):
    values = {v: data.draw(SETTING.get(v, answers), label=v) for v in question.variables}
    valid(question.assess(**values))


@pytest.mark.parametrize("question", SCENARIOS, ids=name)
def test_the_extremes_of_a_scenarios_settings(question):
    assert set(question.variables) <= set(EXTREMES), "give its variables extremes here"
    for k in range(len(EXTREMES["retry"])):
        outcome = question.assess(**{v: EXTREMES[v][k] for v in question.variables})
        valid(outcome)
        assert outcome.status != "correct"
