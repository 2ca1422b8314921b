"""Words for feedback: showing a learner's value, reading a number, explaining an error.

Everything here is total: whatever a learner's answer is — ``None``, a
string, ``nan``, a number with 400 digits, an object whose ``repr`` raises —
these functions return a sentence and never raise (bar ``KeyboardInterrupt``
and a time limit's stop). They may run the learner's own methods (``repr``,
``float``), which may never return: :func:`is_plain` tells values that are
safe to read in the kernel from those a check reads under a time limit
(:mod:`~servicelab.exercises.timeouts`).
"""

from __future__ import annotations

import math
import numbers
import reprlib
import site
import sysconfig
import traceback
from pathlib import Path

import numpy as np

from .core import Placeholder
from .timeouts import TimeLimitExceeded

__all__ = [
    "is_plain",
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
    found = [paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if paths.get(k)]
    try:
        found += [*site.getsitepackages(), site.getusersitepackages()]
    except Exception:  # pragma: no cover - a Python without site's helpers
        pass
    resolved = set()
    for p in found:
        try:
            resolved.add(str(Path(p).resolve()))
        except Exception:  # pragma: no cover - an odd path
            continue
    return tuple(sorted(resolved))


#: what a learner's own code never raises on purpose, and what stops a check: let through
_PASS = (KeyboardInterrupt, TimeLimitExceeded)
#: types whose values the checks read without running any learner code
_ATOMS = frozenset({int, float, complex, str, bytes, bool, type(None), range, Placeholder})
_CONTAINERS = frozenset({list, tuple, set, frozenset})


def is_plain(value, _budget: list | None = None, _depth: int = 0) -> bool:
    """True if ``value`` is made of Python's own data only (no class of the learner's).

    Numbers, text, None, ranges, numpy numbers and arrays of numbers, and
    lists, tuples, sets and dicts of those (at most 10,000 items in all): a
    check reads these in the kernel; anything else under a time limit.
    """
    budget = [10_000] if _budget is None else _budget
    budget[0] -= 1
    kind = type(value)
    if budget[0] < 0 or _depth > 20:
        return False
    if kind in _ATOMS:
        return True
    if kind is np.ndarray:
        return value.dtype.kind in "biufc"
    if isinstance(value, (np.number, np.bool_)):
        return kind.__module__ == "numpy"
    if kind in _CONTAINERS:
        if len(value) > budget[0]:
            return False
        return all(is_plain(v, budget, _depth + 1) for v in value)
    if kind is dict:
        if len(value) > budget[0]:
            return False
        return all(
            is_plain(k, budget, _depth + 1) and is_plain(v, budget, _depth + 1)
            for k, v in value.items()
        )
    return False


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
        text = str.__str__(text)  # a str, even if a learner's __repr__ gave a subclass
    except _PASS:
        raise
    except BaseException:
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
    except _PASS:
        raise
    except BaseException:
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
    try:
        return _read_number(value, what, returned)
    except _PASS:
        raise
    except BaseException:  # a learner's class whose methods raise where we did not expect it
        return None, f"{what} ({show(value)}) cannot be read as a number."


def _read_number(value, what: str, returned: bool) -> tuple[float | None, str | None]:
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
        text = (
            bytes.decode(value, "utf-8", "replace")
            if isinstance(value, bytes)
            else str.__str__(value)
        )
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
    for kind in (list, tuple, set, frozenset, dict, range):
        if isinstance(value, kind):
            return None, f"{what} is a {kind.__name__} of {_count(value)}; I need one number."
    if isinstance(value, numbers.Real) or hasattr(type(value), "__float__"):
        try:
            x = float(value)
        except OverflowError:
            x = math.inf
        except _PASS:
            raise
        except BaseException:
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


def _count(values) -> str:
    """``"3 values"``, ``"1 value"``; ``"many values"`` if its length cannot be had."""
    try:
        n = len(values)
    except _PASS:
        raise
    except BaseException:  # range(10**20): too many for len(); or a len() that raises
        return "many values"
    return "1 value" if n == 1 else f"{n:,} values"


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
    "GeneratorExit": "a generator was closed; it is not an error to raise yourself: "
    "return a value, or raise a `ValueError` with a message",
    "BaseException": "the code raised Python's most general exception, which stops more "
    "than it should: return a value, or raise a `ValueError` with a message",
}


def _is_learner(filename: str) -> bool:
    """True for the learner's own code: a notebook cell or their file, not Python's or the kit's."""
    if not filename:
        return False
    if filename.startswith("<"):  # "<frozen os>", "<string>" (a dataclass's __init__)…
        return filename.startswith("<ipython-input-") or filename == "<stdin>"
    try:
        path = str(Path(filename).resolve())
    except Exception:
        path = filename
    if path.startswith(_PACKAGE):
        return False
    parts = Path(path).parts
    if "site-packages" in parts or "dist-packages" in parts:
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
        detail = str.__str__(str(error))
    except _PASS:
        raise
    except BaseException:
        detail = ""
    detail = detail if len(detail) <= 300 else detail[:299] + "…"
    head = f"{call} raised **{kind}**" + (f": {detail}" if detail else "")
    head += "" if head.endswith((".", "!", "?")) else "."
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
