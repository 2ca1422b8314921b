"""What happened: percentiles, time series and accountings that balance.

The kit's runs keep one record per request (arrays indexed by request key)
and, every so often, a sample of the system's state (queue backlogs, busy
workers). This module holds the small tools to read them:

* :func:`percentile` and :func:`summarize` — latency statistics that ignore
  requests still in flight (``nan``);
* :class:`Sampler` and :class:`TimeSeries` — state over time;
* :func:`drain` and :class:`Drain` — when a queue's backlog first emptied
  after a given time, read from its series; or, if it never did, how many
  still wait at the end and how long they need at the spare capacity left,
  backlog / (cμ − λ) (a queue buys time, not capacity: with cμ ≤ λ it never
  drains);
* :class:`Accounting` — where every request or message ended up. Its parts
  are counted independently, so ``balanced`` is a real check: it is false if
  anything vanished or was counted twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import _check
from .world import World

__all__ = [
    "percentile",
    "summarize",
    "Accounting",
    "TimeSeries",
    "Sampler",
    "Drain",
    "drain",
    "MAX_SAMPLES",
]

#: A :class:`Sampler` takes at most this many samples in a run. Each sample
#: keeps one float per probe (about 32 bytes each while the run goes on):
#: 200,000 samples of the checkout's 9 probes are ~60 MB, and the theory
#: tests' M/M/c runs take 160,000.
MAX_SAMPLES = 200_000


def _numbers(values) -> np.ndarray:
    """``values`` as a float array, or the kit's sentence."""
    if values is None or isinstance(values, (str, bytes, dict)):
        raise _check.fail("values", values, "numbers: a list or an array of them")
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise _check.fail("values", values, "numbers: a list or an array of them") from None


def percentile(values, q: float) -> float:
    """The ``q``-th percentile (0–100) of ``values``, ignoring nan; nan if none."""
    q = _check.number("q", q, low=0.0, high=100.0)
    v = _numbers(values)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return float("nan")
    return float(np.percentile(v, q))


def summarize(values) -> dict[str, float]:
    """Count, mean, p50, p95, p99 and max of ``values`` (nan ignored)."""
    v = _numbers(values)
    v = v[~np.isnan(v)]
    if v.size == 0:
        nan = float("nan")
        return {"count": 0, "mean": nan, "p50": nan, "p95": nan, "p99": nan, "max": nan}
    p50, p95, p99 = np.percentile(v, [50, 95, 99])
    return {
        "count": int(v.size),
        "mean": float(v.mean()),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "max": float(v.max()),
    }


@dataclass(frozen=True)
class Accounting:
    """``total`` things of some kind, and how many are in each final or open state."""

    what: str
    total: int
    parts: dict[str, int] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        """True if the parts add up to the total: nothing vanished."""
        return sum(self.parts.values()) == self.total and all(n >= 0 for n in self.parts.values())

    def __str__(self):
        parts = " + ".join(f"{n:,} {name}" for name, n in self.parts.items())
        sign = "=" if self.balanced else "≠"
        return f"{self.total:,} {self.what} {sign} {parts}"


@dataclass(frozen=True)
class TimeSeries:
    """Values of one quantity sampled over simulated time."""

    name: str
    t_ms: np.ndarray
    values: np.ndarray

    def at(self, t_ms: float) -> float:
        """The last sampled value at or before ``t_ms`` (nan before the first)."""
        i = int(np.searchsorted(self.t_ms, t_ms, side="right")) - 1
        return float(self.values[i]) if i >= 0 else float("nan")

    def between(self, start_ms: float, end_ms: float) -> np.ndarray:
        """The sampled values with ``start_ms ≤ t < end_ms``."""
        mask = (self.t_ms >= start_ms) & (self.t_ms < end_ms)
        return self.values[mask]


class Sampler:
    """Samples ``probes`` (name → function of nothing) every ``every_ms`` until the horizon.

    It takes at most :data:`MAX_SAMPLES` samples: ``every_ms`` must be at
    least the world's horizon / 199,999. ``name`` is what a refusal calls
    ``every_ms`` (a scenario's own option, e.g. ``"sample_every_ms"``).
    """

    def __init__(
        self,
        world: World,
        every_ms: float,
        probes: dict[str, Callable[[], float]],
        *,
        name: str = "every_ms",
    ):
        if not isinstance(world, World):
            raise _check.fail("world", world, "a servicelab World")
        self.world = world
        self.every_ms = _check.number(name, every_ms, low=0.0, low_open=True)
        shortest = world.horizon_ms / (MAX_SAMPLES - 1)
        if self.every_ms < shortest:
            raise _check.KitValueError(
                f"{name} = {self.every_ms:g} is not allowed for a run of "
                f"{world.horizon_ms:,.0f} ms: it would take "
                f"{world.horizon_ms / self.every_ms + 1:,.0f} samples; {name} must be "
                f"≥ {shortest:.4g} ms (at most {MAX_SAMPLES:,} samples a run)."
            )
        if not isinstance(probes, dict) or not all(callable(p) for p in probes.values()):
            raise _check.fail("probes", probes, "a dict from names to functions of nothing")
        self.probes = dict(probes)
        self.t_ms: list[float] = []
        self.values: dict[str, list[float]] = {name: [] for name in self.probes}
        world.process(self._run())

    def _run(self):
        env = self.world.env
        horizon = self.world.horizon_ms
        items = [(self.values[name], probe) for name, probe in self.probes.items()]
        while env.now <= horizon:
            self.t_ms.append(env.now)
            for values, probe in items:
                values.append(probe())
            yield env.timeout(self.every_ms)

    def series(self) -> dict[str, TimeSeries]:
        """The samples so far, one :class:`TimeSeries` per probe."""
        t = np.asarray(self.t_ms, dtype=float)
        return {
            name: TimeSeries(name, t, np.asarray(v, dtype=float)) for name, v in self.values.items()
        }


@dataclass(frozen=True)
class Drain:
    """How a backlog drained after ``after_ms``, read from its sampled series (see :func:`drain`).

    Rates are per second: ``service_rate`` is cμ (what the consumers can
    serve), ``arrival_rate`` λ (what keeps arriving), nan if not given;
    ``spare_per_s`` is cμ − λ, or, without them, the backlog's own fall per
    second estimated from the series (``rates_from`` says which).
    """

    after_ms: float  # the drain is measured from here (e.g. the end of an outage)
    until_ms: float  # ... to here (the last sample read)
    every_ms: float  # the series' sampling interval: the reading's resolution
    backlog: int  # the backlog at ``after_ms`` (its last sample at or before it)
    emptied_ms: float  # the first sample in [after, until] with an empty backlog; nan: none
    peak: int  # the largest backlog sampled in [after, until]
    left: int  # the backlog at the last sample read
    service_rate: float  # cμ per s, nan if not given
    arrival_rate: float  # λ per s, nan if not given
    spare_per_s: float  # cμ − λ, or the backlog's estimated fall per s; nan if unknown
    rates_from: str  # where cμ and λ came from ("the config"), or "the series" (estimated)

    @property
    def drained(self) -> bool:
        """True if the backlog was empty at some sample after ``after_ms``."""
        return not math.isnan(self.emptied_ms)

    @property
    def drain_s(self) -> float:
        """Seconds from ``after_ms`` to the first empty sample (nan if it never emptied).

        The queue emptied at most ``every_ms`` earlier: this is an upper bound.
        """
        return (self.emptied_ms - self.after_ms) / 1000 if self.drained else math.nan

    @property
    def grows(self) -> bool:
        """True if nothing is spare: cμ ≤ λ, or an estimated backlog that does not fall."""
        scale = self.service_rate if math.isfinite(self.service_rate) else 1.0
        return self.spare_per_s <= 1e-9 * max(scale, 1.0)  # float noise counts as none

    def _at_spare(self, backlog: int) -> float:
        if backlog == 0:
            return 0.0
        if math.isnan(self.spare_per_s):
            return math.nan
        return math.inf if self.grows else backlog / self.spare_per_s

    @property
    def expected_s(self) -> float:
        """B / (cμ − λ): seconds the backlog at ``after_ms`` needs at the spare capacity.

        inf if nothing is spare (it never drains), nan if the spare capacity is unknown.
        """
        return self._at_spare(self.backlog)

    @property
    def needs_s(self) -> float:
        """About how many more seconds the backlog left at the end needs: left / (cμ − λ).

        0 if it drained, inf if nothing is spare, nan if the spare capacity is unknown.
        """
        return 0.0 if self.drained else self._at_spare(self.left)

    def _rates(self) -> str:
        if math.isnan(self.service_rate):
            return f"{self.spare_per_s:,.1f}/s, the backlog's fall estimated from the series"
        return (
            f"cμ − λ = {self.service_rate:,.1f} − {self.arrival_rate:,.1f} = "
            f"{self.spare_per_s:,.1f}/s, from {self.rates_from}"
        )

    def describe(self, since: str = "it began", unit: str = "messages") -> str:
        """The drain in a sentence; ``since`` names ``after_ms`` ("Inventory came back")."""
        if self.drained:
            every = f"sampled every {self.every_ms / 1000:.2g} s" if self.every_ms else "sampled"
            text = (
                f"The backlog was empty {self.drain_s:.1f} s after {since} "
                f"(read from the queue, {every})"
            )
            expected = self.expected_s
            if self.backlog and math.isfinite(expected):
                text += (
                    f"; at the spare capacity ({self._rates()}) a backlog of {self.backlog:,} "
                    f"needs about {_seconds(expected)}"
                )
            return text + "."
        text = (
            f"The backlog did not empty after {since}: {self.left:,} {unit} still waited at "
            f"{self.until_ms / 1000:,.0f} s"
        )
        if math.isnan(self.spare_per_s):
            return text + "."
        if not self.grows:
            return (
                f"{text}; at the spare capacity left ({self._rates()}) they need about "
                f"{_seconds(self.needs_s)} more."
            )
        if math.isnan(self.service_rate):
            return f"{text}, and it was not falling: at this load it may never empty."
        how = "it grows without end" if self.spare_per_s < 0 else "nothing is spare to drain it"
        return (
            f"{text}, and at this load {how}: the consumers serve {self.service_rate:,.1f}/s "
            f"and {self.arrival_rate:,.1f}/s arrive (from {self.rates_from}). A queue buys "
            "time, not capacity."
        )


def _seconds(seconds: float) -> str:
    """A duration in seconds for a sentence: "1.6 s", "236 s"."""
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:,.0f} s"


def drain(
    series: TimeSeries,
    after_ms: float,
    *,
    until_ms: float | None = None,
    service_rate: float | None = None,
    arrival_rate: float | None = None,
    rates_from: str = "the config",
) -> Drain:
    """When the backlog ``series`` first emptied after ``after_ms``, read from its samples.

    Reads the samples from ``after_ms`` to ``until_ms`` (default: the last).
    If the backlog never emptied there, the :class:`Drain` says how many still
    waited at the end and how long they need at the spare capacity cμ − λ:
    give ``service_rate`` (cμ, what the consumers serve per second) and
    ``arrival_rate`` (λ, per second) together, and ``rates_from`` where they
    came from; without them the spare capacity is estimated from the series
    (the backlog's fall per second, a least-squares slope from its peak on).
    """
    if not isinstance(series, TimeSeries):
        raise _check.fail(
            "series", series, "a TimeSeries (e.g. result.series['backlog inventory'])"
        )
    after = _check.number("after_ms", after_ms, low=0.0)
    last = float(series.t_ms[-1]) if series.t_ms.size else after
    until = last if until_ms is None else _check.number("until_ms", until_ms, low=after)
    if (service_rate is None) != (arrival_rate is None):
        raise _check.KitValueError(
            "service_rate and arrival_rate go together: give both (per second) or neither "
            "(the spare capacity is then estimated from the series)."
        )
    rates_from = _check.text("rates_from", rates_from)
    if service_rate is not None:
        mu = _check.number("service_rate", service_rate, low=0.0)
        lam = _check.number("arrival_rate", arrival_rate, low=0.0)
    mask = (series.t_ms >= after) & (series.t_ms <= until)
    t, v = series.t_ms[mask], series.values[mask]
    empty = np.flatnonzero(v <= 0)

    def at(when: float) -> int:
        value = series.at(when)
        if math.isnan(value):  # before the first sample: the first one in the window
            value = float(v[0]) if v.size else 0.0
        return int(value)

    if service_rate is None:
        mu = lam = math.nan
        rates_from = "the series"
        spare = _fall_per_s(t, v)
    else:
        spare = mu - lam
    return Drain(
        after_ms=after,
        until_ms=float(t[-1]) if t.size else until,
        every_ms=float(np.median(np.diff(series.t_ms))) if series.t_ms.size > 1 else 0.0,
        backlog=at(after),
        emptied_ms=float(t[empty[0]]) if empty.size else math.nan,
        peak=int(v.max()) if v.size else at(until),
        left=at(until),
        service_rate=mu,
        arrival_rate=lam,
        spare_per_s=spare,
        rates_from=rates_from,
    )


def _fall_per_s(t: np.ndarray, v: np.ndarray) -> float:
    """How fast the backlog ``v`` fell per second from its peak on (least squares; nan: too few)."""
    if t.size < 2:
        return math.nan
    top = int(np.argmax(v))
    if t.size - top < 2:  # the peak is the last sample: it was still growing
        top = 0
    return float(-np.polyfit(t[top:] / 1000, v[top:], 1)[0])
