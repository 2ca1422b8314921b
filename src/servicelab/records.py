"""What happened: percentiles, time series and accountings that balance.

The kit's runs keep one record per request (arrays indexed by request key)
and, every so often, a sample of the system's state (queue backlogs, busy
workers). This module holds the small tools to read them:

* :func:`percentile` and :func:`summarize` — latency statistics that ignore
  requests still in flight (``nan``);
* :class:`Sampler` and :class:`TimeSeries` — state over time;
* :class:`Accounting` — where every request or message ended up. Its parts
  are counted independently, so ``balanced`` is a real check: it is false if
  anything vanished or was counted twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import _check
from .world import World

__all__ = ["percentile", "summarize", "Accounting", "TimeSeries", "Sampler", "MAX_SAMPLES"]

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
