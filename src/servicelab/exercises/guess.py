"""A learner's guess next to the simulation's number: compared, never graded.

A lesson asks for a prediction *before* it runs a simulation; the learner
writes it in a cell of its own (``my_guess_waits = None``, to be replaced),
and after the run one call sets the guess beside what came out::

    compare_guess(my_guess_waits, {"sync": sync.p(50), "async": asyn.p(50)}, unit="ms")

which shows, one line per number, *you guessed 300 ms; the simulation gave
304 ms, 1% above your guess*. It never says right or wrong: the gap is what
the learner reads the explanation for. A guess left blank (``None``, ``"?"``,
``____``) gets a sentence asking for one, never a traceback; so does a guess
it cannot read.

:func:`gap` is the one wording of "how far the simulation is from a guess";
the exercises' prediction questions
(:class:`~servicelab.exercises.kinds.PredictQuestion`) use it too.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

from servicelab import _check

from .core import is_placeholder
from .feedback import is_plain, show

__all__ = ["GuessComparison", "compare_guess", "gap", "is_blank", "BLANK_HELP"]

#: what a learner is told when no guess is written yet
BLANK_HELP = (
    "No guess written yet: replace `None` in the guess cell above with yours, run that "
    "cell, then this one. (Guessing first is what makes the numbers tell you something.)"
)
_YES = ("yes", "y", "true")
_NO = ("no", "n", "false")


def is_blank(guess) -> bool:
    """True for a guess not written yet: ``None``, ``...``, ``""``, ``"?"`` or ``____``."""
    if guess is None or guess is Ellipsis or is_placeholder(guess):
        return True
    return type(guess) is str and guess.strip() in ("", "?", "...")


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def gap(guess: float, actual: float, *, share: bool = False) -> str:
    """How far ``actual`` is from ``guess``, in words that grade nothing.

    ``"1% above your guess"``, ``"3.2× your guess"``, ``"6.2 points below your
    guess"`` (for shares, in percentage points), ``"the same as your guess"``.
    """
    guess, actual = float(guess), float(actual)
    if math.isnan(actual):
        return "the simulation had nothing to measure here"
    if share:
        points = (actual - guess) * 100
        if abs(points) < 0.05:
            return "the same as your guess"
        return f"{abs(points):.1f} points {'above' if points > 0 else 'below'} your guess"
    if guess == actual:
        return "the same as your guess"
    if guess == 0 or (guess > 0) != (actual > 0):
        return f"{'above' if actual > guess else 'below'} your guess"
    ratio = actual / guess
    if abs(ratio - 1) < 0.005:
        return "the same as your guess, to within 0.5%"
    if 0.5 <= ratio <= 2:
        return f"{abs(ratio - 1):.0%} {'above' if ratio > 1 else 'below'} your guess"
    if ratio > 2:
        return f"{ratio:.1f}× your guess"
    return f"your guess was {1 / ratio:.1f}× that"


def _fmt(x: float, *, unit: str, share: bool, spec: str | None) -> str:
    if math.isnan(x):
        return "nothing (no requests to count)"
    if share:
        return format(x, spec or ".1%")
    spec = spec or (",.0f" if unit == "ms" else ",.3g")
    text = format(x, spec)
    return f"{text} {unit}" if unit else text


def _read_guess(guess, actual, *, share: bool) -> tuple[object, str, str | None]:
    """``(value, note, problem)``: the guess as comparable with ``actual``, or why not."""
    if not is_plain(guess):  # a learner's object: not touched (its methods might never return)
        return None, "", f"I can't read your guess ({show(guess)}): write a plain number."
    if isinstance(actual, bool):
        if isinstance(guess, bool):
            return guess, "", None
        word = guess.strip().casefold() if isinstance(guess, str) else None
        if word in _YES or word in _NO:
            return word in _YES, "", None
        return (
            None,
            "",
            f"I can't read your guess ({show(guess)}) as a yes or no: write True or False.",
        )
    if isinstance(actual, str):
        if isinstance(guess, str):
            return guess.strip(), "", None
        return None, "", f"I can't read your guess ({show(guess)}): write it in quotes."
    note = ""
    if isinstance(guess, str):
        text = guess.strip().replace(",", "").replace("_", "")
        percent = text.endswith("%")
        text = text.rstrip("%").strip()
        if unit_text := next((u for u in (" ms", "ms") if text.endswith(u)), ""):
            text = text[: -len(unit_text)].strip()
        try:
            number = float(text)
        except ValueError:
            return (
                None,
                "",
                f"I can't read your guess ({show(guess)}) as a number: write just the number.",
            )
        if percent:
            number /= 100
            if not share:
                note = f" (I read {show(guess)} as {number:g})"
        guess = number
    if not _is_number(guess):
        return (
            None,
            "",
            f"I can't read your guess ({show(guess)}) as a number: write just the number.",
        )
    value = float(guess)
    if not math.isfinite(value):
        return None, "", f"Your guess ({show(guess)}) is not a finite number: write a number."
    if share and 1 < value <= 100:
        note = f" (I read {show(guess)} as {value:g}%)"
        value /= 100
    return value, note, None


def _line(guess, actual, *, unit: str, share: bool, spec: str | None) -> str:
    """One guess next to one simulated value, as a sentence (no leading name)."""
    sim = (
        ("yes" if actual else "no")
        if isinstance(actual, bool)
        else actual
        if isinstance(actual, str)
        else _fmt(actual, unit=unit, share=share, spec=spec)
    )
    if is_blank(guess):
        return f"no guess written; the simulation gave {sim}."
    value, note, problem = _read_guess(guess, actual, share=share)
    if problem:
        return f"{problem} The simulation gave {sim}."
    if isinstance(actual, bool):
        said = "yes" if value else "no"
        same = "the same as your guess" if value == actual else "not what you guessed"
        return f"you said {said}; the simulation says {sim}, {same}."
    if isinstance(actual, str):
        same = value.casefold() == actual.casefold()
        return f"you said {value!r}; the simulation: {sim}{'' if same else ', not your guess'}."
    whole = share and spec is None and float(value * 100).is_integer()
    mine = _fmt(value, unit=unit, share=share, spec=".0%" if whole else spec)
    return (
        f"you guessed {mine}{note}; the simulation gave {sim}, {gap(value, actual, share=share)}."
    )


@dataclass(frozen=True)
class GuessComparison:
    """What :func:`compare_guess` shows: one line per simulated number (``lines``).

    ``blank`` is True when no guess was written at all.
    """

    lines: tuple[str, ...]
    blank: bool = False

    def __str__(self) -> str:
        return "\n".join(self.lines)

    __repr__ = __str__


def _actual_value(name: str, value) -> object:
    if isinstance(value, (bool, str)):
        return value
    if _is_number(value):
        return float(value)
    raise _check.fail(name, value, "a number, True/False or a str (the simulation's result)")


def compare_guess(
    guess, actual, *, unit: str = "", share: bool = False, spec: str | None = None
) -> GuessComparison:
    """Set a learner's ``guess`` beside the simulation's ``actual``: no verdict, just the gap.

    ``actual`` is one number (or True/False, or a word), or a dict of them
    by name (``{"sync": 304.2, "async": 145.0}``), and ``guess`` is then a
    dict with the same names (a missing or ``None`` entry is "no guess").
    ``unit`` is printed after numbers (``"ms"``); ``share=True`` shows
    fractions as percentages (a guess of ``96`` is read as 96%); ``spec``
    overrides the number format. A blank or unreadable guess gets a sentence.
    """
    if not isinstance(unit, str):
        raise _check.fail("unit", unit, 'a str such as "ms", or "" for none')
    share = _check.boolean("share", share)
    if spec is not None:
        spec = _check.text("spec", spec)
    if isinstance(actual, Mapping):
        if not actual:
            raise _check.fail("actual", actual, "a number, or a dict of at least one number")
        sims = {str(k): _actual_value(f"actual[{k!r}]", v) for k, v in actual.items()}
    else:
        sims = {"": _actual_value("actual", actual)}
    names = [n for n in sims if n]
    if is_blank(guess) or (
        isinstance(guess, Mapping) and is_plain(guess) and all(is_blank(v) for v in guess.values())
    ):
        return GuessComparison((BLANK_HELP,), blank=True)
    if not names:
        line = _line(guess, sims[""], unit=unit, share=share, spec=spec)
        return GuessComparison((line[:1].upper() + line[1:],))
    if not (isinstance(guess, Mapping) and is_plain(guess)):
        keys = ", ".join(f'"{n}": …' for n in names)
        return GuessComparison(
            (f"Write one guess per name, as a dict: {{{keys}}} (you wrote {show(guess)}).",)
        )
    unknown = [k for k in guess if str(k) not in sims]
    lines = [
        f"{name}: " + _line(guess.get(name), sims[name], unit=unit, share=share, spec=spec)
        for name in names
    ]
    if unknown:
        lines.append(
            f"(Not compared: {', '.join(show(k) for k in unknown)}; the names here are "
            f"{', '.join(names)}.)"
        )
    return GuessComparison(tuple(lines))
