"""The checks of scenario config fields, declared once per field in a config's ``CHECKS``.

A check is a function ``check(name, value)`` that returns the value to store
(a float, an int, a :class:`~servicelab.latency.Latency`, …) or raises the
kit's sentence, ``name = value is not allowed: name must be …``. The
functions here make them::

    CHECKS = {"workers": checks.count(high=MAX_WORKERS), "drain_ms": checks.ms(high=HOUR_MS)}

Scenario modules import this module as ``checks``: its names (``latency``,
``faults``, …) are also the names of config fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .. import _check
from ..faults import HEALTHY, Faults
from ..latency import as_latency

__all__ = [
    "Check",
    "refuse",
    "number",
    "ms",
    "count",
    "events",
    "probability",
    "optional",
    "latency",
    "faults",
    "instance",
    "text",
    "per_key",
]

#: a check: ``check(name, value)`` returns the value to store or raises the kit's sentence
Check = Callable[[str, Any], Any]


def refuse(sentence: str) -> ValueError:
    """The kit's error (raise it) for a sentence not of the form "name must be …"."""
    return _check.KitValueError(sentence)


def number(
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    allow_inf: bool = False,
) -> Check:
    """A real number in range, stored as a float."""

    def check(name: str, value: Any) -> float:
        return _check.number(
            name, value, low=low, high=high, low_open=low_open, allow_inf=allow_inf
        )

    return check


def ms(
    *, low: float = 0.0, high: float | None = None, low_open: bool = False, allow_inf: bool = False
) -> Check:
    """A time in ms, ≥ 0 unless told (``high=HOUR_MS`` for a delay)."""
    return number(low=low, high=high, low_open=low_open, allow_inf=allow_inf)


def count(*, low: int = 1, high: int | None = None) -> Check:
    """A whole number in range (``1.0`` becomes ``1``)."""

    def check(name: str, value: Any) -> int:
        return _check.integer(name, value, low=low, high=high)

    return check


def events() -> Check:
    """A budget of simulation events, as a :class:`~servicelab.world.World` accepts."""
    return count(high=10**9)


def probability() -> Check:
    """A probability, between 0 and 1."""
    return _check.probability


def optional(inner: Check) -> Check:
    """``None``, or what ``inner`` allows."""

    def check(name: str, value: Any) -> Any:
        return None if value is None else inner(name, value)

    return check


def latency(*, positive: bool = False) -> Check:
    """A :class:`~servicelab.latency.Latency`, or ms (a fixed latency); ``positive``: mean > 0."""

    def check(name: str, value: Any):
        value = as_latency(value, name)
        if positive and value.mean_ms <= 0:
            raise _check.fail(name, value, "a latency with a mean > 0 ms")
        return value

    return check


def faults() -> Check:
    """A :class:`~servicelab.faults.Faults` schedule; ``None`` means healthy."""

    def check(name: str, value: Any) -> Faults:
        if value is None:
            return HEALTHY
        if not isinstance(value, Faults):
            raise _check.fail(name, value, "a Faults object")
        return value

    return check


def instance(kind: type, what: str) -> Check:
    """An instance of ``kind``, described to the learner as ``what`` ("a Retry policy")."""

    def check(name: str, value: Any) -> Any:
        if not isinstance(value, kind):
            raise _check.fail(name, value, what)
        return value

    return check


def text() -> Check:
    """A non-empty string."""

    def check(name: str, value: Any) -> str:
        if not isinstance(value, str) or not value:
            raise _check.fail(name, value, "a non-empty string")
        return value

    return check


def per_key(defaults: Mapping, inner: Check, what: str) -> Check:
    """A dict from some of ``defaults``' keys to values ``inner`` allows, over the defaults.

    ``what`` names a key for the learner ("service name"). ``defaults`` is read
    when a config is made, so its keys are the allowed keys.
    """

    def check(name: str, value: Any) -> dict:
        keys = tuple(defaults)
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            raise _check.fail(name, value, f"a dict from {what} ({', '.join(keys)}) to a value")
        merged = dict(defaults)
        for key, v in value.items():
            _check.choice(f"{name} key", key, keys)
            merged[key] = inner(f"{name}[{key!r}]", v)
        return merged

    return check
