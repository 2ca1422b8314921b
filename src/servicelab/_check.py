"""Argument checks that speak to the learner.

Every public function of the kit validates what it is given and, when a value
is not allowed, raises ``ValueError`` with one sentence that names the
parameter, the value it got and the range it accepts, e.g.::

    KitValueError: workers = 0 is not allowed: workers must be a whole number ≥ 1.

:class:`KitValueError` is a ``ValueError``, so callers catch it as one; its own
class lets a panel tell a sentence meant for the learner (show it) from a
``ValueError`` raised by a bug in the kit (let it raise).

A message shows a huge whole number short (:func:`show`): ``1e+400``, not
its thousands of digits.
"""

from __future__ import annotations

import math
import numbers

__all__ = [
    "KitValueError",
    "number",
    "integer",
    "index",
    "probability",
    "choice",
    "boolean",
    "text",
    "fail",
    "show",
]


class KitValueError(ValueError):
    """A value the kit does not allow, explained in one sentence for the learner."""


def show(value: object) -> str:
    """``value`` as a message shows it: its repr, short even for a huge whole number.

    A whole number of more than 15 digits is shown as ``1.5e+400``: its repr
    could be thousands of digits long, or refuse (Python converts at most 4,300
    digits to text). A value whose repr fails is shown by its type.
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        n = int(value)
        if abs(n) >= 10**15:
            return _short_int(n)
    try:
        return repr(value)
    except Exception:  # a repr that fails: a huge number inside a list, a broken object
        return f"<{type(value).__name__}>"


def _short_int(n: int) -> str:
    """A whole number of more than 15 digits as ``1.5e+400`` (7 digits, rounded)."""
    a = abs(n)
    exponent = math.floor(math.log10(a))  # Python takes logs of ints of any size
    if 10**exponent > a:  # the float log rounded up to the next power of ten
        exponent -= 1
    elif 10 ** (exponent + 1) <= a:
        exponent += 1
    mantissa = round((a // 10 ** (exponent - 8)) / 1e8, 6)  # 9 digits, rounded to 7
    if mantissa >= 10:  # 9.9999999… rounded up
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{'-' if n < 0 else ''}{mantissa:.7g}e+{exponent}"


def fail(name: str, value: object, allowed: str) -> KitValueError:
    """The kit's error for a bad value (raise it): names the parameter, value and range."""
    return KitValueError(f"{name} = {show(value)} is not allowed: {name} must be {allowed}.")


_fail = fail


def _bound(x: float) -> str:
    """A bound as a message shows it: ``0.5``, ``10000``, ``1,000,000``, ``2.592e+09``."""
    if float(x).is_integer() and 1e6 <= abs(x) < 1e12:
        return f"{int(x):,}"
    return f"{x:g}"


def _bound_text(low, high, low_open, high_open) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '≥'} {_bound(low)}")
    if high is not None:
        parts.append(f"{'<' if high_open else '≤'} {_bound(high)}")
    return " and ".join(parts)


def number(
    name: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_inf: bool = False,
) -> float:
    """Return ``value`` as a float if it is a real number in the allowed range.

    ``allow_inf``: ``inf`` is allowed too, even above ``high`` (``inf`` means
    "never", "forever").
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _number_fail(name, value, low, high, low_open, high_open, allow_inf)
    try:
        x = float(value)
    except (OverflowError, ValueError, TypeError):  # a whole number beyond 1.8e308, …
        raise _number_fail(name, value, low, high, low_open, high_open, allow_inf, True) from None
    if math.isnan(x) or math.isinf(x):
        if allow_inf and x == math.inf:
            return x
        raise _number_fail(name, value, low, high, low_open, high_open, allow_inf)
    if (low is not None and (x < low or (low_open and x == low))) or (
        high is not None and (x > high or (high_open and x == high))
    ):
        raise _number_fail(name, value, low, high, low_open, high_open, allow_inf)
    return x


def _number_fail(name, value, low, high, low_open, high_open, allow_inf, huge=False):
    """The sentence of :func:`number` (built only when a value is refused)."""
    bounds = _bound_text(low, high, low_open, high_open)
    allowed = "a number" + (f" {bounds}" if bounds else "")
    if huge and high is None:
        allowed += " that a float holds (at most about 1.8e+308)"
    return _fail(name, value, allowed + (", or inf" if allow_inf else ""))


def integer(name: str, value: object, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int if it is a whole number in the allowed range (``3.0`` is 3)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _integer_fail(name, value, low, high)
    if isinstance(value, numbers.Integral):
        n = int(value)
    else:
        try:
            x = float(value)
        except (OverflowError, ValueError, TypeError):
            raise _integer_fail(name, value, low, high) from None
        if not math.isfinite(x) or x != int(x):
            raise _integer_fail(name, value, low, high)
        n = int(x)
    if (low is not None and n < low) or (high is not None and n > high):
        raise _integer_fail(name, value, low, high)  # the value as given: 1e+308, not 309 digits
    return n


def _integer_fail(name, value, low, high):
    """The sentence of :func:`integer` (built only when a value is refused)."""
    bounds = _bound_text(low, high, False, False)
    return _fail(name, value, "a whole number" + (f" {bounds}" if bounds else ""))


def index(name: str, value: object, high: int) -> int:
    """Return ``value`` as an int if it is a whole number from 0 to ``high`` (a key, an attempt).

    An int in range returns at once: keys are checked on every request.
    """
    if value.__class__ is int and 0 <= value <= high:
        return value
    return integer(name, value, low=0, high=high)


def probability(name: str, value: object) -> float:
    """Return ``value`` as a float if it is a probability, between 0 and 1."""
    return number(name, value, low=0.0, high=1.0)


def choice(name: str, value: object, options) -> object:
    """Return ``value`` if it is one of ``options``."""
    try:
        known = value in options
    except TypeError:  # an unhashable value asked of a dict or a set
        known = False
    if not known:
        listed = ", ".join(repr(o) for o in options)
        raise _fail(name, value, f"one of {listed}")
    return value


def boolean(name: str, value: object) -> bool:
    """Return ``value`` if it is True or False."""
    if not isinstance(value, bool):
        raise fail(name, value, "True or False")
    return value


def text(name: str, value: object) -> str:
    """Return ``value`` if it is a non-empty string."""
    if not isinstance(value, str) or not value:
        raise fail(name, value, "a non-empty string")
    return value
