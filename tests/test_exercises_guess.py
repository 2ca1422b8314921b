"""A lesson's guess beside the simulated number: compared, never graded, never a traceback.

``compare_guess`` is what every *Predict* cell of the lessons ends in (the
notebooks run it untouched, with the guesses still ``None``); ``gap`` is the
one wording of "how far the simulation is from a guess", which the exercises'
prediction questions share.
"""

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import servicelab
from servicelab.exercises import ____
from servicelab.exercises.guess import BLANK_HELP, GuessComparison, compare_guess, gap, is_blank

WAITS = {"sync": 304.2, "async": 145.0}
VERDICTS = ("right", "wrong", "correct", "incorrect")


def test_it_is_one_import_away_for_a_lesson():
    assert servicelab.compare_guess is compare_guess


@pytest.mark.parametrize(
    "guess", [None, ..., "", " ? ", "...", ____, {"sync": None, "async": None}, {}]
)
def test_a_blank_guess_asks_for_one(guess):
    out = compare_guess(guess, WAITS, unit="ms")
    assert out.blank and str(out) == BLANK_HELP
    assert "None" in BLANK_HELP and "guess cell above" in BLANK_HELP


def test_is_blank():
    assert is_blank(None) and is_blank("?") and is_blank(____)
    assert not is_blank(0) and not is_blank("0") and not is_blank(False)


def test_each_guess_beside_its_number_with_the_gap():
    out = compare_guess({"sync": 300, "async": 1000}, WAITS, unit="ms")
    assert isinstance(out, GuessComparison) and not out.blank
    assert out.lines == (
        "sync: you guessed 300 ms; the simulation gave 304 ms, 1% above your guess.",
        "async: you guessed 1,000 ms; the simulation gave 145 ms, your guess was 6.9× that.",
    )
    assert repr(out) == str(out) == "\n".join(out.lines)
    assert not any(word in str(out).lower() for word in VERDICTS)  # compared, not graded


def test_a_partly_written_guess_compares_what_is_there():
    out = compare_guess({"sync": "300 ms", "typo": 5}, WAITS, unit="ms")
    assert out.lines[0].startswith("sync: you guessed 300 ms;")
    assert out.lines[1] == "async: no guess written; the simulation gave 145 ms."
    assert "Not compared: 'typo'" in out.lines[2] and "sync, async" in out.lines[2]


def test_one_number_for_several_asks_for_a_dict():
    out = compare_guess(300, WAITS, unit="ms")
    assert str(out).startswith('Write one guess per name, as a dict: {"sync": …, "async": …}')


@pytest.mark.parametrize("guess", [0.04, 4, "4%", " 4 % "])
def test_a_share_can_be_written_as_a_fraction_or_a_percentage(guess):
    line = str(compare_guess(guess, 0.0398, share=True))
    assert line.startswith("You guessed 4%")
    assert line.endswith("the simulation gave 4.0%, the same as your guess.")


def test_shares_differ_in_percentage_points():
    assert str(compare_guess(0.9, 0.63, share=True)) == (
        "You guessed 90%; the simulation gave 63.0%, 27.0 points below your guess."
    )


def test_yes_or_no_and_words():
    assert "the same as your guess" in str(compare_guess("yes", True))
    assert "not what you guessed" in str(compare_guess(False, True))
    assert "write True or False" in str(compare_guess("maybe", True))
    assert "not your guess" in str(compare_guess("queue", "sync"))


@pytest.mark.parametrize(
    "guess, says",
    [
        (object(), "write a plain number"),
        ("lots", "as a number"),
        (math.nan, "not a finite number"),
        ([1, 2], "as a number"),
        (True, "as a number"),
    ],
)
def test_an_unreadable_guess_gets_a_sentence_and_the_result(guess, says):
    line = str(compare_guess(guess, 3.0))
    assert says in line and line.endswith("The simulation gave 3.")


def test_nothing_to_measure_is_said_so():
    assert "nothing (no requests to count)" in str(compare_guess(0.5, math.nan, share=True))


@pytest.mark.parametrize(
    "call, parameter",
    [
        (lambda: compare_guess(1, [1, 2]), "actual"),
        (lambda: compare_guess(1, {}), "actual"),
        (lambda: compare_guess(1, {"sync": None}), "actual['sync']"),
        (lambda: compare_guess(1, 2.0, unit=3), "unit"),
        (lambda: compare_guess(1, 2.0, share="yes"), "share"),
    ],
)
def test_a_bad_simulated_value_is_the_authors_mistake_and_says_so(call, parameter):
    with pytest.raises(ValueError, match=rf"^{re.escape(parameter)} = .* is not allowed"):
        call()


@pytest.mark.parametrize(
    "guess, actual, share, says",
    [
        (100, 100, False, "the same as your guess"),
        (100, 100.2, False, "the same as your guess, to within 0.5%"),
        (100, 150, False, "50% above your guess"),
        (100, 60, False, "40% below your guess"),
        (100, 320, False, "3.2× your guess"),
        (100, 20, False, "your guess was 5.0× that"),
        (0, 20, False, "above your guess"),
        (-5, 20, False, "above your guess"),
        (0.5, 0.5004, True, "the same as your guess"),
        (0.5, 0.62, True, "12.0 points above your guess"),
        (1.0, math.nan, False, "nothing to measure"),
    ],
)
def test_gap_words(guess, actual, share, says):
    assert gap(guess, actual, share=share) == says or says in gap(guess, actual, share=share)


guesses = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=6), st.one_of(st.none(), st.floats(), st.text()), max_size=4),
    st.builds(lambda x: np.float32(x), st.floats(width=32)),
)


@settings(max_examples=200, deadline=None, database=None)
@given(guess=guesses, share=st.booleans(), several=st.booleans())
def test_any_guess_gets_sentences_never_an_error(guess, share, several):
    actual = {"sync": 0.96, "async": 0.99} if several else 0.96
    out = compare_guess(guess, actual, share=share)
    assert out.lines and all(isinstance(x, str) and x.strip() for x in out.lines)
