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
from ..records import MAX_SAMPLES
from ..world import DEFAULT_MAX_EVENTS, HOUR_MS, MAX_HORIZON_MS

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
    "distinct",
    "few_samples",
    "drained_horizon",
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
    """A budget of simulation events: 1 to DEFAULT_MAX_EVENTS (a few seconds of work)."""
    return count(high=DEFAULT_MAX_EVENTS)


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

    return _check.text


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


def distinct(options: tuple[str, ...]) -> Check:
    """A tuple of different names from ``options``, kept in the order given."""

    def check(name: str, value: Any) -> tuple[str, ...]:
        try:
            names = None if isinstance(value, str) else tuple(value)
        except TypeError:
            names = None
        if names is None or not all(isinstance(d, str) for d in names):
            raise _check.fail(name, value, f"a tuple of names from {options}")
        for d in names:
            _check.choice(f"{name} entry", d, options)
        if len(set(names)) != len(names):
            raise _check.fail(name, names, "a tuple of different names")
        return names

    return check


def few_samples(name: str, value: float, run_ms: float, *, per: int = 1, how: str = "") -> None:
    """Refuse ``value`` if sampling a run of ``run_ms`` ``per`` times every ``value`` ms
    takes more than MAX_SAMPLES samples (``how``: what the run's length is made of)."""
    samples = per * run_ms / value + 1
    if samples > MAX_SAMPLES:
        raise refuse(
            f"{name} = {value:g} is not allowed for a run of {run_ms:,.0f} ms{how}: it would take "
            f"{samples:,.0f} samples; {name} must be ≥ {per * run_ms / (MAX_SAMPLES - 1):.4g} ms "
            f"(at most {MAX_SAMPLES:,} samples a run)."
        )


def drained_horizon(last_arrival_ms: float, drain_ms: float, n: int, rate: float) -> float:
    """The end of a run of ``n`` orders at ``rate`` per second: the last arrival + ``drain_ms``.

    Refuses a run longer than MAX_HORIZON_MS (30 days) naming what the learner
    set, ``n_orders``, ``arrival_rate`` or ``drain_ms``, not the horizon.
    """
    horizon = last_arrival_ms + drain_ms
    if horizon <= MAX_HORIZON_MS:
        return horizon
    day = 24 * HOUR_MS
    within = f"must end within {MAX_HORIZON_MS / day:g} days of simulated time"
    if last_arrival_ms <= MAX_HORIZON_MS:  # the orders fit, the drain after them does not
        raise refuse(
            f"drain_ms = {drain_ms:g} is not allowed with n_orders = {n} at arrival_rate = "
            f"{rate:g}: the last order arrives after {last_arrival_ms / day:.1f} days, and the "
            f"run (the last arrival + drain_ms) {within}; drain_ms must be ≤ "
            f"{MAX_HORIZON_MS - last_arrival_ms:,.0f} here, or fewer orders or a higher "
            "arrival_rate end the arrivals sooner."
        )
    most = max(1, int(rate * (MAX_HORIZON_MS - drain_ms) / 1000))
    raise refuse(
        f"n_orders = {n} is not allowed at arrival_rate = {rate:g} per second: the last order "
        f"would arrive after {last_arrival_ms / day:,.0f} days, and a run (the last arrival + "
        f"drain_ms) {within}; n_orders must be about ≤ {most:,} at this rate, or arrival_rate "
        "higher (orders arrive over n_orders / arrival_rate seconds)."
    )
