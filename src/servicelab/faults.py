"""Fault schedules: when a service is down, slow, or failing some requests.

A :class:`Faults` object combines three kinds of trouble:

* **outages** — time windows in which the service answers nothing; a sync
  caller is refused at once. What an async consumer does depends on what is
  down (``down``): if the whole process is down (``"process"``, the default)
  its consumers stop pulling and messages wait in the queue; if only its
  database is down (``"database"``) the process keeps pulling, every try
  fails, and each message is redelivered until its queue dead-letters it
  (after ``max_attempts`` tries: about 4 s with 5 tries 1 s apart);
* **slowdowns** — time windows in which every request takes ``factor`` times
  longer (``factor=10``: ten times slower);
* an **error rate** — the probability that a request fails after doing its
  work (a 500 error, a crashed consumer).

Times are in ms of simulated time. ``Faults()`` is a healthy service.
"""

from __future__ import annotations

import dataclasses
import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import _check

__all__ = [
    "Outage",
    "Slowdown",
    "Faults",
    "HEALTHY",
    "DOWN_PARTS",
    "MAX_OUTAGES",
    "MAX_SLOWDOWNS",
]

#: At most this many outage windows in one schedule (100,000 take ~0.5 s to check and sort).
MAX_OUTAGES = 100_000
#: At most this many slowdown windows in one schedule: the factor of every stretch
#: between two edges is worked out once, up to 2,000 stretches × 1,000 windows.
MAX_SLOWDOWNS = 1_000
#: what an outage takes down: the whole process (its consumers stop pulling), or
#: only its database (the process keeps pulling messages and fails every try)
DOWN_PARTS = ("process", "database")


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
    """When a service is down, slow or erroring. ``Faults()`` means healthy.

    ``outages`` and ``slowdowns`` are lists of :class:`Outage` and
    :class:`Slowdown` windows; an entry may also be a tuple of the fields
    (``(start_ms, end_ms)``, ``(factor, start_ms, end_ms)``) or a dict of
    them (``{"start_ms": 0, "end_ms": 100}``). At most :data:`MAX_OUTAGES`
    outages and :data:`MAX_SLOWDOWNS` slowdowns. ``down`` says what the
    outages take down (one of :data:`DOWN_PARTS`): ``"process"`` (the default:
    the service's consumers stop pulling while it is down) or ``"database"``
    (they keep pulling, and every try fails: :attr:`consumers_pause` is False).

    The windows are sorted once, when the schedule is made: outages that
    overlap or touch merge into one, and the slowdown factor is worked out for
    each stretch between two window edges. :meth:`is_down`, :meth:`up_at` and
    :meth:`slowdown` then look a time up by bisection, however many windows
    there are.
    """

    def __init__(self, outages=(), slowdowns=(), error_rate: float = 0.0, *, down: str = "process"):
        self.outages = _entries(outages, Outage, "outages", MAX_OUTAGES)
        self.slowdowns = _entries(slowdowns, Slowdown, "slowdowns", MAX_SLOWDOWNS)
        self.error_rate = _check.probability("error_rate", error_rate)
        self.down = _check.choice("down", down, DOWN_PARTS)
        self._down_starts, self._down_ends = _merged(self.outages)
        self._edges, self._factors = _factors(self.slowdowns)

    @classmethod
    def outage(cls, start_ms: float, length_ms: float, *, down: str = "process") -> Faults:
        """Down for ``length_ms`` from ``start_ms``.

        ``down="database"``: only the service's database is down, so its
        consumers keep pulling messages and fail them (see :data:`DOWN_PARTS`).
        """
        start = _check.number("start_ms", start_ms, low=0.0)
        length = _check.number("length_ms", length_ms, low=0.0, allow_inf=True)
        return cls(outages=[Outage(start, start + length)], down=down)

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
        if self.outages and other.outages and self.down != other.down:
            raise _check.KitValueError(
                f"down = {other.down!r} is not allowed here: these outages take down the "
                f"{self.down}, and one schedule's outages all take down the same part "
                f"(one of {', '.join(DOWN_PARTS)})."
            )
        down = self.down if self.outages else other.down
        return Faults(
            self.outages + other.outages, self.slowdowns + other.slowdowns, rate, down=down
        )

    @property
    def healthy(self) -> bool:
        """True if this schedule has no faults at all."""
        return not (self.outages or self.slowdowns or self.error_rate)

    @property
    def consumers_pause(self) -> bool:
        """True if the service's queue consumers stop pulling while it is down.

        So they do when the whole process is down (``down="process"``); with
        only its database down they keep pulling, and every try fails.
        """
        return bool(self.outages) and self.down == "process"

    def _window(self, t: float) -> int:
        """The merged outage window that starts last at or before ``t`` (-1: none)."""
        return bisect_right(self._down_starts, t) - 1

    def is_down(self, t: float) -> bool:
        """Is the service down at time ``t`` (ms)?"""
        if t.__class__ is not float or t != t:  # not a float, or nan
            t = _check.number("t", t, allow_inf=True)
        i = self._window(t)
        return i >= 0 and t < self._down_ends[i]

    def up_at(self, t: float) -> float:
        """The first time ≥ ``t`` at which the service is up (``inf``: never)."""
        if t.__class__ is not float or t != t:  # not a float, or nan
            t = _check.number("t", t, allow_inf=True)
        i = self._window(t)
        if i >= 0 and t < self._down_ends[i]:
            return self._down_ends[i]  # merged: the window ends where the service is up
        return t

    def slowdown(self, t: float) -> float:
        """The slowdown factor for a request starting at ``t`` (1.0: normal speed)."""
        if t.__class__ is not float or t != t:  # not a float, or nan
            t = _check.number("t", t, allow_inf=True)
        i = bisect_right(self._edges, t) - 1
        return self._factors[i] if i >= 0 else 1.0

    def __repr__(self):
        parts = []
        if self.outages:
            parts.append(f"outages={list(self.outages)}")
        if self.slowdowns:
            parts.append(f"slowdowns={list(self.slowdowns)}")
        if self.error_rate:
            parts.append(f"error_rate={self.error_rate:g}")
        if self.down != "process":
            parts.append(f"down={self.down!r}")
        return f"Faults({', '.join(parts)})"


def _entries(values, cls, name: str, most: int) -> tuple:
    """``values`` as a tuple of ``cls`` (each entry one, or a tuple or dict of its fields)."""
    fields = ", ".join(f.name for f in dataclasses.fields(cls))
    article = "an" if cls.__name__[0] in "AEIOU" else "a"
    what = (
        f"a list of {cls.__name__} windows: each {article} {cls.__name__}, a tuple "
        f"({fields}) or a dict with those keys"
    )
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise _check.fail(name, values, what)
    entries = []
    for value in values:
        if len(entries) == most:  # the sentence names the count, not the whole list
            raise _check.KitValueError(
                f"{name} = (more than {most:,} windows) is not allowed: {name} must be "
                f"{what}, at most {most:,} of them."
            )
        entries.append(_as(value, cls, name, fields))
    return tuple(entries)


def _as(value, cls, name: str, fields: str):
    if isinstance(value, cls):
        return value
    article = "an" if cls.__name__[0] in "AEIOU" else "a"
    try:
        if isinstance(value, Mapping):
            return cls(**value)
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise TypeError
        return cls(*value)
    except TypeError:
        raise _check.fail(
            f"{name} entry",
            value,
            f"{article} {cls.__name__}, a tuple ({fields}) or a dict with those keys",
        ) from None


def _merged(outages: tuple[Outage, ...]) -> tuple[list[float], list[float]]:
    """Outage windows sorted and merged where they overlap or touch: (starts, ends)."""
    starts: list[float] = []
    ends: list[float] = []
    windows = sorted((float(o.start_ms), float(o.end_ms)) for o in outages if o.start_ms < o.end_ms)
    for start, end in windows:
        if ends and start <= ends[-1]:  # overlaps or touches the last one: one window
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _factors(slowdowns: tuple[Slowdown, ...]) -> tuple[list[float], list[float]]:
    """The slowdown factor from each window edge to the next: (edges, factors).

    Each stretch's factor multiplies its windows' factors in the order given,
    exactly as a request starting in it has them applied.
    """
    windows = [(float(s.start_ms), float(s.end_ms), float(s.factor)) for s in slowdowns]
    edges = sorted({t for start, end, _ in windows for t in (start, end)})
    factors = []
    for edge in edges:
        factor = 1.0
        for start, end, f in windows:
            if start <= edge < end:
                factor *= f
        factors.append(factor)
    return edges, factors


#: the healthy schedule, shared (``Faults()``: no faults at all)
HEALTHY = Faults()
