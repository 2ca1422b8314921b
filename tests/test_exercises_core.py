"""The check/hint/solution machinery: placeholders, outcomes, feedback, time limits."""

import math
import signal
import threading
import time

import numpy as np
import pytest

from servicelab.exercises import core
from servicelab.exercises.core import (
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    ____,
    is_placeholder,
)
from servicelab.exercises.feedback import describe_error, num, read_number, show
from servicelab.exercises.kinds import (
    Case,
    ChoiceQuestion,
    ClassifyQuestion,
    FunctionQuestion,
    Mistake,
    PredictQuestion,
    ValueQuestion,
    number_judge,
)
from servicelab.exercises.question import Question, QuestionSet, WrongExample, progress
from servicelab.exercises.render import Outcome, to_html
from servicelab.exercises.timeouts import TimeLimitExceeded, call_with_time_limit
from servicelab.lessons.l02_temporal_coupling import exercises as ex02
from servicelab.lessons.l03_cascading_failures import exercises as ex03


@pytest.fixture(autouse=True)
def no_grading(monkeypatch):
    monkeypatch.setattr(core, "_GRADING", False)  # decided at import; no setter


def value_question(**kw):
    options = dict(
        variable="answer",
        title="a number",
        expected=lambda: 0.99**4,
        label="chain availability",
        truth=lambda t: f"a 4-service chain of 0.99 each is {t}",
        abs_tol=0.0005,
        spec=".4f",
        fraction=True,
        mistakes=lambda: [Mistake(0.99**2, "did you multiply all four?")],
        evidence=lambda: "The simulation says 96.1%.",
        hints=["first", lambda: "second, computed"],
        explanation="because",
    )
    options.update(kw)
    return ValueQuestion("q1", **options)


# -- the placeholder ---------------------------------------------------------------------------


def test_placeholder_is_one_object_that_survives_arithmetic():
    assert core.Placeholder() is ____
    assert is_placeholder(____) and not is_placeholder(None) and not is_placeholder("____")
    for value in (2 * ____, ____ + 1, 1 - ____, ____ / 3, ____**2, -____, ____(1, x=2)):
        assert value is ____
    assert repr(____) == "____" and f"{____:.2f}" == "____"


# -- outcomes and their display ----------------------------------------------------------------


def test_outcome_is_plain_text_and_escaped_html():
    o = Outcome("q1", INCORRECT, "Your `x` is <b>bad</b>\n\n- one\n- **two**\n\n    code < 1")
    assert str(o).startswith("✗ Incorrect (q1)\n") and "**" not in str(o)
    assert repr(o) == str(o) and not o and not o.correct
    html = o._repr_html_()
    assert "&lt;b&gt;bad&lt;/b&gt;" in html and "<b>bad</b>" not in html
    assert "<code>x</code>" in html and "<li><strong>two</strong></li>" in html
    assert "<pre" in html and "code &lt; 1" in html


def test_to_html_handles_any_text():
    assert to_html("") == ""
    assert "<em>and</em>" in to_html("a *and* b") and "2 * 3 * 4" in to_html("2 * 3 * 4")
    assert "<code>a ** b</code>" in to_html("`a ** b` and **c**")
    assert str(Outcome("q", CORRECT, "x *and* `a*b*c`")).endswith("x and `a*b*c`")
    assert "<br>" in to_html("a\nb")
    assert to_html("<script>alert(1)</script>").count("<script>") == 0


# -- a question's life: check, hints, solution -------------------------------------------------


def test_check_reads_the_callers_globals_and_says_what_is_missing():
    q = value_question()
    assert "answer" not in globals()
    outcome = q.check()
    assert outcome.status == NOT_ATTEMPTED and "`answer`" in outcome.message
    assert "run the cell" in outcome.message.lower()
    assert q.check({"answer": ____}).status == NOT_ATTEMPTED
    assert q.check({"answer": 0.9606}).status == CORRECT
    assert q.last.status == CORRECT


def test_assess_takes_one_answer_or_every_variable_by_name():
    q = value_question()
    assert q.assess(0.9606).correct
    assert q.assess(answer=0.9606).correct
    with pytest.raises(ValueError, match=r"^q1.assess was given 2 answer\(s\) without names"):
        q.assess(1, 2)
    with pytest.raises(ValueError, match=r"^values = \['other'\] is not allowed: values must be"):
        q.assess(other=1)


def test_value_question_messages():
    q = value_question()
    wrong = q.assess(0.9801)
    assert wrong.status == INCORRECT
    assert wrong.message.startswith(
        "Your chain availability is 0.9801 but a 4-service chain of 0.99 each is 0.9606: "
        "did you multiply all four?"
    )
    assert "The simulation says 96.1%." in wrong.message
    assert "looks like a percentage" in q.assess(96.06).message
    generic = q.assess(0.5)
    assert "0.9606" in generic.message and "too small" in generic.message
    assert "hint" in generic.message
    assert "% too low" in q.assess(0.9).message
    assert "right" in q.assess(0.961).message  # within the tolerance


@pytest.mark.parametrize(
    "value, words",
    [
        (None, "print"),
        (True, "yes/no"),
        ("0.96", "without quotes"),
        ("96%", "fraction"),
        ("lots", "text"),
        ([0.96], "list of 1"),
        (np.array([0.9, 0.96]), "array of 2"),
        (math.nan, "nan"),
        (math.inf, "infinite"),
        (10**400, "infinite"),
        (1j, "complex"),
        (print, "function"),
        (object(), "object"),
    ],
)
def test_value_question_explains_answers_that_are_not_numbers(value, words):
    outcome = value_question().assess(value)
    assert outcome.status == INCORRECT and not outcome.internal_error
    assert words in outcome.message


def test_numpy_numbers_are_numbers():
    assert value_question().assess(np.float32(0.9606)).correct
    assert value_question().assess(np.array(0.9606)).correct


def test_hints_come_in_levels_then_point_to_the_solution():
    q = value_question()
    first, second, again = q.hint(), q.hint(), q.hint()
    assert (first.level, second.level, again.level) == (1, 2, 2)
    assert first.text == "first" and second.text == "second, computed"
    assert "q1.hint()" in first.footer and "q1.solution()" in second.footer
    assert q.hint(1).text == "first" and "Hint 1 of 2" in str(q.hint(1))
    assert "Hint 1 of 2" in q.hint(1)._repr_html_()
    for bad in (0, 3, 1.5, True, np.bool_(True), "1", [1]):
        with pytest.raises(ValueError, match="level"):
            q.hint(bad)
    assert q.hint(np.int64(2)).level == 2 and q.hint(1.0).level == 1  # as the kit's _check
    q.reset()
    assert q.hint().level == 1


def test_solution_shows_code_and_explanation(monkeypatch):
    view = ex02.q4.solution()
    assert "slow_share = 1 - 0.99**6" in view.code and view.explanation
    assert "slow_share" in str(view) and "<pre" in view._repr_html_()
    monkeypatch.setattr(core, "_SOLUTIONS_HIDDEN", True)  # decided at import
    hidden = ex02.q4.solution()
    assert hidden.code == "" and "switched off" in hidden.explanation


def test_grading_mode_raises_on_anything_but_correct(monkeypatch, capsys):
    q = value_question()
    monkeypatch.setattr(core, "_GRADING", True)  # decided at import; no setter
    with pytest.raises(AssertionError, match="Not attempted"):
        q.check({"answer": ____})
    with pytest.raises(AssertionError, match="multiply all four"):
        q.check({"answer": 0.9801})
    assert q.check({"answer": 0.9606}) is None  # nbgrader reads a result as points
    assert q.last.correct and "Correct (q1)" in capsys.readouterr().out
    monkeypatch.setattr(core, "_GRADING", False)
    assert q.check({"answer": 0.9801}).status == INCORRECT


def test_a_broken_checker_blames_itself_not_the_learner():
    class Broken(Question):
        def _assess(self, values):
            raise RuntimeError("oops")

    q = Broken("q9", variables=("x",), title="t", hints=["h"])
    outcome = q.assess(1)
    assert outcome.internal_error and outcome.status == INCORRECT
    assert "not in your answer" in outcome.message


def test_progress_lists_every_question():
    q1, q2 = value_question(), value_question()
    q2.name = "q2"
    shown = progress([q1, q2], {"answer": 0.9606})
    assert shown.count(CORRECT) == 2 and "All 2" in str(shown)
    partial = progress([q1], {})
    assert partial.count(NOT_ATTEMPTED) == 1 and "0 of 1" in partial.headline
    assert "<table>" in partial._repr_html_()


def test_a_question_set_names_its_questions_and_reads_the_callers_answers():
    q1, q2 = value_question(), value_question()
    q2.name = "q2"
    questions = QuestionSet("servicelab.lessons.l07_example.exercises", q1, q2)
    assert questions.exercise == q1.exercise == "ex07" and list(questions) == [q1, q2]
    assert repr(q1).startswith("<ValueQuestion ex07.q1")
    assert questions.progress().count(NOT_ATTEMPTED) == 2  # this module's globals: no `answer`
    assert questions.progress({"answer": 0.9606}).count(CORRECT) == 2
    with pytest.raises(ValueError, match="named once each"):
        QuestionSet("m", q1, q1)
    with pytest.raises(ValueError, match="one Question or more"):
        QuestionSet("m")


def test_a_wrong_example_gives_the_values_to_assess():
    one = WrongExample(0.98, says="multiply")
    assert one.says == ("multiply",) and one.values(("answer",)) == {"answer": 0.98}
    made = WrongExample(make=lambda: {"a": 1, "b": 2}, says=["x", "y"])
    assert made.values(("a", "b")) == {"a": 1, "b": 2}
    with pytest.raises(ValueError, match="a dict of a, b"):
        WrongExample({"a": 1}, says="x").values(("a", "b"))
    with pytest.raises(ValueError, match="says"):
        WrongExample(1)
    with pytest.raises(ValueError, match="wrong_example"):
        value_question(wrong_example=(1, "x"))


def test_multi_variable_questions_say_which_blank_is_left():
    from servicelab import Retry

    half = ex03.q6.assess(timeout_ms=400, retry=____)
    assert half.status == NOT_ATTEMPTED and "`retry` still holds" in half.message
    none = ex03.q6.assess(timeout_ms=____, retry=____)
    assert none.status == NOT_ATTEMPTED and "`timeout_ms` and `retry`" in none.message
    assert ex03.q6.assess(timeout_ms=400, retry=Retry(3, 50, jitter=1.0)).correct


# -- choice and prediction -----------------------------------------------------------------------


def test_choice_question_accepts_letters_in_several_spellings():
    q = ChoiceQuestion(
        "q1",
        variable="pick",
        title="t",
        options={"a": "Apples.", "b": "Bananas"},
        answer=lambda: "b",
        why={"a": "apples are wrong."},
        when_correct="yes",
        hints=["h"],
    )
    for right in ("b", "B", "(b)", " b) ", "bananas"):
        assert q.assess(right).correct, right
    assert "apples are wrong" in q.assess("a").message
    assert "“Apples”." in q.assess("a").message
    assert "not one of the options" in q.assess("z").message
    assert "in quotes" in q.assess(2).message
    assert "one option only" in q.assess(["a", "b"]).message


def test_predict_question_hides_the_run_until_a_prediction_is_made():
    runs = []

    def actual():
        runs.append(1)
        return 100.0, "The run said 100."

    q = PredictQuestion(
        "q1",
        variable="guess",
        title="t",
        actual=actual,
        label="a wait",
        explain=lambda p, a: "Because.",
        rel_tol=0.2,
        unit="ms",
        hints=["h"],
    )
    why = "the user waits for Payment only"
    assert q.variables == ("guess", "because")
    assert q.assess(guess=____, because=____).status == NOT_ATTEMPTED and not runs
    assert "Predict first" in q.assess(guess=____, because=why).message and not runs
    assert "Nearly there" in q.assess(guess=300, because=____).message and not runs
    assert q.assess(guess=300, because="dunno").status == INCORRECT and not runs
    far = q.assess(guess=300, because=why)  # credited: a prediction is never graded wrong
    assert far.correct and "300 ms" in far.message and "100 ms" in far.message
    assert "Because." in far.message and "The run said 100." in far.message
    assert "your guess was 3.0× that" in far.message and "a close prediction" not in far.message
    near = q.assess(guess=110, because=why)
    assert near.correct and "first prediction was 300 ms" in near.message
    assert "a close prediction" in near.message
    assert len(runs) == 1  # the simulation runs once


def test_a_prediction_in_an_odd_form_is_read_under_the_time_limit():
    class Odd(str):
        """A str subclass: not plain data, so it is read under the time limit."""

    q = PredictQuestion(
        "q1",
        variable="share",
        title="t",
        actual=lambda: (0.3, ""),
        label="a share",
        explain=lambda p, a: "",
        fraction=True,
        spec=".0%",
        hints=["h"],
    )
    out = q.assess(share=0.25, because=Odd("orders during the outage fail"))
    assert out.correct and "5.0 points above your guess" in out.message
    assert "looks like a percentage" in q.assess(share=30, because=Odd("a b c")).message
    assert "between 0 and 1" in q.assess(share=-0.5, because="a b c").message


# -- functions, errors and time limits -----------------------------------------------------------


def function_question(time_limit=2.0):
    return FunctionQuestion(
        "q3",
        variable="double",
        title="t",
        signature="double(x)",
        cases=lambda: [Case((1,), 2), Case((2,), 4, note="From a run.", source="simulation run")],
        judge=number_judge(),
        mistakes=lambda case: [Mistake(case.args[0] ** 2, "That is the square.")],
        time_limit=time_limit,
        hints=["h"],
    )


def test_function_question_passes_a_right_function():
    outcome = function_question().assess(lambda x: 2 * x)
    assert outcome.correct and "1 simulation run" in outcome.message


def test_function_question_reports_wrong_results_with_the_call_and_the_note():
    outcome = function_question().assess(lambda x: 2 if x == 1 else 5)
    assert outcome.status == INCORRECT
    assert "`double(2)` returned 5, but it should be 4." in outcome.message
    assert "From a run." in outcome.message and "1 of 2 cases passed" in outcome.message


def test_function_question_recognises_known_wrong_results():
    squared = function_question().assess(lambda x: x**2)
    assert "`double(1)` returned 1, but it should be 2." in squared.message
    assert "That is the square." in squared.message
    assert "That is the square." not in function_question().assess(lambda x: x + 5).message


def test_mistakes_match_numbers_within_a_tolerance_and_labels_exactly():
    assert Mistake(0.9801, "x").matches(0.98011, rel=0.002)
    assert not Mistake(0.9801, "x").matches(0.98011, rel=1e-9)
    assert Mistake(0.96, "x", rel=1e-6).matches("0.96", rel=0.1) is False  # text is no number
    assert Mistake("queue", "x").matches("queue", rel=0) and not Mistake("queue", "x").matches(
        1, rel=0
    )


def test_a_classification_names_its_own_authority_and_advice():
    q = ClassifyQuestion(
        "q2",
        variable="labels",
        title="t",
        expected=lambda: {"A": ("sync", "A waits."), "B": ("queue", "B does not.")},
        synonyms={"sync": "sync", "queue": "queue"},
        verdict="the card says",
        advice="Think again.",
        hints=["h"],
    )
    wrong = q.assess({"A": "queue", "B": "queue"})
    assert "**A**: you said queue, the card says **sync**. A waits." in wrong.message
    assert wrong.message.endswith("Think again.") and "1 of 2 right" in wrong.message
    assert "like `{'A': 'sync', …}`" in q.assess(3).message


def test_function_question_placeholder_and_missing_return():
    def blank(x):
        return ____

    def no_return(x):
        x * 2

    assert function_question().assess(blank).status == NOT_ATTEMPTED
    assert "`return`" in function_question().assess(no_return).message
    assert "should be a function" in function_question().assess(3).message


def test_an_exception_is_reported_kindly_with_the_line_that_failed():
    def double(x):
        table = {"one": 1}
        return table["two"] * x

    outcome = function_question().assess(double)
    assert outcome.status == INCORRECT
    assert "`double(1)` raised **KeyError**: 'two'." in outcome.message
    assert 'return table["two"] * x' in outcome.message
    assert "in `double`" in outcome.message and "A KeyError means" in outcome.message


def test_wrong_arguments_point_to_the_signature():
    outcome = function_question().assess(lambda: 1)
    assert "TypeError" in outcome.message and "`double(x)`" in outcome.message


def test_nbgraders_stub_counts_as_not_attempted():
    def double(x):
        # YOUR CODE HERE
        raise NotImplementedError()

    outcome = function_question().assess(double)
    assert outcome.status == NOT_ATTEMPTED and "NotImplementedError" in outcome.message


def test_exit_is_caught():
    def leave(x):
        raise SystemExit(1)

    assert "exit()" in function_question().assess(leave).message


def test_a_function_that_never_returns_is_stopped():
    def forever(x):
        while True:
            pass

    started = time.monotonic()
    outcome = function_question(time_limit=0.3).assess(forever)
    assert time.monotonic() - started < 2.0
    assert outcome.status == INCORRECT and "still running after 0.3 seconds" in outcome.message


def test_describe_error_without_a_learner_frame():
    text = describe_error(ZeroDivisionError("division by zero"), "`f(0)`")
    assert text.startswith("`f(0)` raised **ZeroDivisionError**: division by zero.")
    assert "divided by zero" in text


def test_show_and_num_never_raise():
    class Nasty:
        def __repr__(self):
            raise RuntimeError("no")

    assert "cannot be shown" in show(Nasty())
    assert "..." in show("x" * 500) and len(show("x" * 500)) <= 80
    assert show(list(range(1000))).endswith("...]")
    assert num(1e300) == "1e+300" and num(math.nan) == "nan" and num(math.inf) == "infinity"
    assert num(12, ",.0f", "ms") == "12 ms" and num(0.5, ".0%") == "50%"
    assert num(1.1, ".2f", "×") == "1.10×"
    assert read_number(Nasty(), "x")[0] is None


# -- timeouts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["signal", "thread"])
def test_time_limit_returns_and_reraises(mode):
    assert call_with_time_limit(lambda a, b=0: a + b, (1,), {"b": 2}, seconds=1, mode=mode) == 3

    def fail():
        raise ValueError("inside")

    with pytest.raises(ValueError, match="inside") as info:
        call_with_time_limit(fail, seconds=1, mode=mode)
    assert info.traceback[-1].name == "fail"


@pytest.mark.parametrize("mode", ["signal", "thread"])
def test_time_limit_stops_a_loop_that_never_ends(mode):
    def forever():
        n = 0
        while True:
            n += 1

    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded):
        call_with_time_limit(forever, seconds=0.2, mode=mode)
    assert time.monotonic() - started < 1.5


def test_time_limit_interrupts_sleep_and_a_swallowing_except():
    def stubborn():
        try:
            time.sleep(10)
        except BaseException:
            pass
        time.sleep(10)

    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded):
        call_with_time_limit(stubborn, seconds=0.2, mode="signal")
    assert time.monotonic() - started < 2.0


def test_time_limit_restores_the_previous_alarm():
    fired = []
    old = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.6)
        call_with_time_limit(lambda: None, seconds=0.1)
        assert signal.getsignal(signal.SIGALRM) is not None
        time.sleep(0.8)
        assert fired == [1]  # the outer timer still went off, once
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_time_limit_from_another_thread_uses_a_thread():
    result = {}

    def run():
        try:
            call_with_time_limit(lambda: time.sleep(5), seconds=0.2)
        except TimeLimitExceeded:
            result["stopped"] = True

    t = threading.Thread(target=run)
    t.start()
    t.join(3)
    assert result == {"stopped": True}


def test_time_limit_rejects_bad_settings():
    with pytest.raises(ValueError, match="seconds"):
        call_with_time_limit(lambda: 1, seconds=0)
    with pytest.raises(ValueError, match="mode"):
        call_with_time_limit(lambda: 1, mode="fork")
