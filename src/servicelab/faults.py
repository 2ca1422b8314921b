"""Fault schedules: when a service is down, slow, or failing some requests.

A :class:`Faults` object combines three kinds of trouble:

* **outages** — time windows in which the service answers nothing; a sync
  caller is refused at once, an async consumer stops pulling messages;
* **slowdowns** — time windows in which every request takes ``factor`` times
  longer (``factor=10``: ten times slower);
* an **error rate** — the probability that a request fails after doing its
  work (a 500 error, a crashed consumer).

Times are in ms of simulated time. ``Faults()`` is a healthy service.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import _check

__all__ = ["Outage", "Slowdown", "Faults", "HEALTHY"]


@dataclass(frozen=True)
class Outage:
    """The service is down from ``start_ms`` (inclusive) to ``end_ms`` (exclusive)."""

    start_ms: float
    end_ms: float

    def __post_init__(self):
        start = _check.number("start_ms", self.start_ms, low=0.0)
        _check.number("end_ms", self.end_ms, low=start, allow_inf=True)


@dataclass(frozen=True)
class Slowdown:
    """Requests that start in [``start_ms``, ``end_ms``) take ``factor`` times longer."""

    factor: float
    start_ms: float = 0.0
    end_ms: float = math.inf

    def __post_init__(self):
        _check.number("factor", self.factor, low=0.0, high=1e6, low_open=True)
        start = _check.number("start_ms", self.start_ms, low=0.0)
        _check.number("end_ms", self.end_ms, low=start, allow_inf=True)


class Faults:
    """When a service is down, slow or erroring. ``Faults()`` means healthy."""

    def __init__(self, outages=(), slowdowns=(), error_rate: float = 0.0):
        self.outages = tuple(_as(o, Outage, "outages") for o in outages)
        self.slowdowns = tuple(_as(s, Slowdown, "slowdowns") for s in slowdowns)
        self.error_rate = _check.probability("error_rate", error_rate)

    @classmethod
    def outage(cls, start_ms: float, length_ms: float) -> Faults:
        """Down for ``length_ms`` from ``start_ms``."""
        start = _check.number("start_ms", start_ms, low=0.0)
        length = _check.number("length_ms", length_ms, low=0.0, allow_inf=True)
        return cls(outages=[Outage(start, start + length)])

    @classmethod
    def slow(cls, factor: float, start_ms: float = 0.0, end_ms: float = math.inf) -> Faults:
        """``factor`` times slower between ``start_ms`` and ``end_ms`` (default: always)."""
        return cls(slowdowns=[Slowdown(factor, start_ms, end_ms)])

    @classmethod
    def flaky(cls, error_rate: float) -> Faults:
        """A fraction ``error_rate`` of requests fail."""
        return cls(error_rate=error_rate)

    def __add__(self, other: Faults) -> Faults:
        if not isinstance(other, Faults):
            return NotImplemented
        if other.healthy:  # adding nothing keeps the object (and HEALTHY stays HEALTHY)
            return self
        if self.healthy:
            return other
        # two independent error sources: a request survives both or fails
        rate = 1.0 - (1.0 - self.error_rate) * (1.0 - other.error_rate)
        return Faults(self.outages + other.outages, self.slowdowns + other.slowdowns, rate)

    @property
    def healthy(self) -> bool:
        """True if this schedule has no faults at all."""
        return not (self.outages or self.slowdowns or self.error_rate)

    def is_down(self, t: float) -> bool:
        """Is the service down at time ``t``?"""
        for o in self.outages:
            if o.start_ms <= t < o.end_ms:
                return True
        return False

    def up_at(self, t: float) -> float:
        """The first time ≥ ``t`` at which the service is up (``inf``: never)."""
        moved = True
        while moved:
            moved = False
            for o in self.outages:
                if o.start_ms <= t < o.end_ms:
                    t, moved = o.end_ms, True
        return t

    def slowdown(self, t: float) -> float:
        """The slowdown factor for a request starting at ``t`` (1.0: normal speed)."""
        factor = 1.0
        for s in self.slowdowns:
            if s.start_ms <= t < s.end_ms:
                factor *= s.factor
        return factor

    def __repr__(self):
        parts = []
        if self.outages:
            parts.append(f"outages={list(self.outages)}")
        if self.slowdowns:
            parts.append(f"slowdowns={list(self.slowdowns)}")
        if self.error_rate:
            parts.append(f"error_rate={self.error_rate:g}")
        return f"Faults({', '.join(parts)})"


HEALTHY = Faults()


def _as(value, cls, name):
    article = "an" if cls.__name__[0] in "AEIOU" else "a"
    if isinstance(value, cls):
        return value
    try:
        return cls(*value)
    except TypeError:
        raise ValueError(
            f"{name} entry = {value!r} is not allowed: each entry of {name} must be "
            f"{article} {cls.__name__} or a tuple of its fields."
        ) from None
