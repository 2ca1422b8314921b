"""Argument checks that speak to the learner.

Every public function of the kit validates what it is given and, when a value
is not allowed, raises ``ValueError`` with one sentence that names the
parameter, the value it got and the range it accepts, e.g.::

    KitValueError: workers = 0 is not allowed: workers must be a whole number ≥ 1.

:class:`KitValueError` is a ``ValueError``, so callers catch it as one; its own
class lets a panel tell a sentence meant for the learner (show it) from a
``ValueError`` raised by a bug in the kit (let it raise).
"""

from __future__ import annotations

import math
import numbers

__all__ = ["KitValueError", "number", "integer", "probability", "choice", "boolean", "fail"]


class KitValueError(ValueError):
    """A value the kit does not allow, explained in one sentence for the learner."""


def fail(name: str, value: object, allowed: str) -> KitValueError:
    """The kit's error for a bad value (raise it): names the parameter, value and range."""
    return KitValueError(f"{name} = {value!r} is not allowed: {name} must be {allowed}.")


_fail = fail


def _bound_text(low, high, low_open, high_open) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '≥'} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '≤'} {high:g}")
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
    """Return ``value`` as a float if it is a real number in the allowed range."""
    bounds = _bound_text(low, high, low_open, high_open)
    allowed = "a number" + (f" {bounds}" if bounds else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _fail(name, value, allowed)
    x = float(value)
    if math.isnan(x) or (math.isinf(x) and not allow_inf):
        raise _fail(name, value, allowed)
    if low is not None and (x < low or (low_open and x == low)):
        raise _fail(name, value, allowed)
    if high is not None and (x > high or (high_open and x == high)):
        raise _fail(name, value, allowed)
    return x


def integer(name: str, value: object, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int if it is a whole number in the allowed range."""
    bounds = _bound_text(low, high, False, False)
    allowed = "a whole number" + (f" {bounds}" if bounds else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            x = float(value)
            if math.isfinite(x) and x == int(x):
                value = int(x)
            else:
                raise _fail(name, value, allowed)
        else:
            raise _fail(name, value, allowed)
    n = int(value)
    if (low is not None and n < low) or (high is not None and n > high):
        raise _fail(name, value, allowed)
    return n


def probability(name: str, value: object) -> float:
    """Return ``value`` as a float if it is a probability, between 0 and 1."""
    return number(name, value, low=0.0, high=1.0)


def choice(name: str, value: object, options) -> object:
    """Return ``value`` if it is one of ``options``."""
    if value not in options:
        listed = ", ".join(repr(o) for o in options)
        raise _fail(name, value, f"one of {listed}")
    return value


def boolean(name: str, value: object) -> bool:
    """Return ``value`` if it is True or False."""
    if not isinstance(value, bool):
        raise fail(name, value, "True or False")
    return value
