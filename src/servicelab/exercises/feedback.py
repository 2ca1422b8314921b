"""Words for feedback: showing a learner's value, reading a number, explaining an error.

Everything here is total: whatever a learner's answer is — ``None``, a
string, ``nan``, a number with 400 digits, an object whose ``repr`` raises —
these functions return a sentence and never raise.
"""

from __future__ import annotations

import math
import numbers
import reprlib
import sysconfig
import traceback
from pathlib import Path

import numpy as np

__all__ = [
    "show",
    "num",
    "read_number",
    "describe_error",
    "learner_line",
]

_PACKAGE = str(Path(__file__).resolve().parents[1])


def _library_dirs() -> tuple[str, ...]:
    """Where the standard library and installed packages live (not learner code)."""
    paths = sysconfig.get_paths()
    found = {
        str(Path(paths[k]).resolve())
        for k in ("stdlib", "platstdlib", "purelib", "platlib")
        if paths.get(k)
    }
    return tuple(sorted(found))


_LIBRARIES = _library_dirs()
_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 6


def show(value, limit: int = 80) -> str:
    """A short repr of ``value`` (never raises; long ones end in …)."""
    try:
        if isinstance(value, np.ndarray):
            text = f"array of shape {value.shape}"
        elif isinstance(value, (list, tuple, dict, set, frozenset)) and len(value) <= 12:
            text = repr(value)  # as the learner wrote it (reprlib would sort a dict's keys)
        elif isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
            text = _repr.repr(value)  # shortens long ones without building the whole repr
        else:
            text = repr(value)
    except Exception:
        try:
            text = f"<a {type(value).__name__} that cannot be shown>"
        except Exception:
            text = "<a value that cannot be shown>"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def num(x: float, spec: str = ",.4g", unit: str = "") -> str:
    """``x`` formatted with ``spec`` (huge or odd values: 3 significant digits)."""
    try:
        x = float(x)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "infinity" if x > 0 else "minus infinity"
        text = format(x, ",.3g") if abs(x) >= 1e12 else format(x, spec)
    except Exception:
        text = show(x)
    if not unit:
        return text
    return text + unit if unit in ("%", "×") else f"{text} {unit}"


def _parse(text: str):
    t = text.strip().replace(",", "").replace("_", "")
    percent = t.endswith("%")
    t = t.rstrip("%").strip()
    for suffix in ("ms", "s"):
        if t.endswith(suffix) and t[: -len(suffix)].strip():
            t = t[: -len(suffix)].strip()
            break
    try:
        return float(t), percent
    except ValueError:
        return None, percent


def read_number(value, what: str, *, returned: bool = False) -> tuple[float | None, str | None]:
    """``(number, None)`` if ``value`` is one real number, else ``(None, why not)``.

    ``what`` names the value in the sentence, e.g. ``"`availability`"`` or
    ``"your function's result"``; ``returned`` says it came from a ``return``.
    """
    if value is None:
        if returned:
            return None, (
                f"{what} is None. A function without a `return` line gives back None: "
                "does every path through your function end in `return …`?"
            )
        return None, (
            f"{what} is None. Did you assign the result of `print(…)`? print shows a value "
            "but gives back None: write the number itself."
        )
    if isinstance(value, (bool, np.bool_)):
        return None, f"{what} is {value}, a yes/no value; I need a number."
    if isinstance(value, (str, bytes)):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        parsed, percent = _parse(text)
        if parsed is not None and math.isfinite(parsed):
            if percent:
                return None, (
                    f"{what} is the text {show(value)}. Write it as a number without quotes "
                    f"or %: a share is a fraction, so {parsed / 100:g} rather than "
                    f"{show(value)}."
                )
            return None, (
                f"{what} is the text {show(value)}, in quotes. Write the number without "
                f"quotes: {parsed:g}."
            )
        return None, f"{what} is the text {show(value)}; I need a number."
    if isinstance(value, complex):
        return None, f"{what} is the complex number {show(value)}; I need a real number."
    if isinstance(value, np.ndarray):
        if value.ndim == 0 and np.issubdtype(value.dtype, np.number):
            value = value[()]
        else:
            return None, (
                f"{what} is an array of {value.size} values; I need one number. "
                "(Did you mean its mean, or one element?)"
            )
    if isinstance(value, (list, tuple, set, dict, range)):
        kind = type(value).__name__
        return None, f"{what} is a {kind} of {len(value)} values; I need one number."
    if isinstance(value, numbers.Real) or hasattr(type(value), "__float__"):
        try:
            x = float(value)
        except OverflowError:
            x = math.inf
        except Exception:
            return None, f"{what} ({show(value)}) cannot be read as a number."
        if math.isnan(x):
            return None, (
                f"{what} is nan, 'not a number': usually 0/0, or the mean of an empty list."
            )
        if math.isinf(x):
            return None, f"{what} is infinite: a division by zero somewhere, or a huge power?"
        return x, None
    if callable(value):
        return None, f"{what} is a function; I need the number it computes: call it."
    return None, f"{what} is a {type(value).__name__} ({show(value)}); I need a number."


# -- errors in learner code ------------------------------------------------------------

_EXPLAIN = {
    "KeyError": "a dict was asked for a key it does not have (check the spelling; "
    "`print(d.keys())` shows the keys)",
    "TypeError": "a value of the wrong type was used, e.g. a number added to a str, or "
    "a function called with the wrong number of arguments",
    "NameError": "a name is not defined: a typo, or a variable from a cell you have not run",
    "UnboundLocalError": "a variable was used inside the function before it was given a value",
    "ZeroDivisionError": "something was divided by zero",
    "IndexError": "a list was asked for a position it does not have",
    "AttributeError": "a value does not have that attribute or method (a typo?)",
    "ValueError": "a function was given a value it does not accept (its message says which)",
    "RecursionError": "the function calls itself again and again without end",
    "AssertionError": "an `assert` in your code failed",
    "OverflowError": "a number grew too large",
    "ImportError": "an import failed",
    "ModuleNotFoundError": "an import failed: no such module",
    "SystemExit": "the code called `exit()` or `sys.exit()`, which would stop the whole "
    "kernel: return a value instead",
}


def _is_learner(filename: str) -> bool:
    try:
        path = str(Path(filename).resolve())
    except Exception:
        path = filename
    if path.startswith(_PACKAGE):
        return False
    return not any(path.startswith(lib) for lib in _LIBRARIES if lib)


def learner_line(error: BaseException):
    """The last frame of ``error``'s traceback in the learner's own code, or None."""
    try:
        frames = traceback.extract_tb(error.__traceback__)
    except Exception:
        return None
    mine = [f for f in frames if _is_learner(f.filename)]
    return mine[-1] if mine else None  # the deepest: where the learner's code failed


def describe_error(error: BaseException, call: str) -> str:
    """A kind explanation of ``error``, raised by learner code during ``call``."""
    kind = type(error).__name__
    try:
        detail = str(error)
    except Exception:
        detail = ""
    detail = detail if len(detail) <= 300 else detail[:299] + "…"
    head = f"{call} raised **{kind}**" + (f": {detail}" if detail else "") + "."
    parts = [head]
    frame = learner_line(error)
    if frame is not None and frame.line:
        where = f"line {frame.lineno}"
        if frame.name and frame.name != "<module>":
            where += f", in `{frame.name}`"
        parts.append(f"It happened on {where}:\n\n    {frame.line.strip()}")
    elif frame is not None and frame.lineno:
        parts.append(f"It happened on line {frame.lineno} of your code.")
    why = _EXPLAIN.get(kind)
    if why:
        parts.append(f"A {kind} means {why}.")
    return "\n\n".join(parts)
