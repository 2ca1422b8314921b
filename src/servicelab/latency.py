"""Latency distributions: how long one piece of work takes, in milliseconds.

Three shapes cover the kit's needs:

* :class:`Fixed` — always the same time (easy to reason about);
* :class:`Exponential` — memoryless, the textbook M/M/c service time;
* :class:`LogNormal` — the long right tail real services have.

Each knows its mean, its quantiles and how to draw samples. A plain number
where a latency is expected means ``Fixed(number)``.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from . import _check

__all__ = ["Latency", "Fixed", "Exponential", "LogNormal", "as_latency", "MAX_SAMPLE"]

#: The most latencies one :meth:`Latency.sample` draws: 10,000,000 floats are 80 MB.
MAX_SAMPLE = 10_000_000


class Latency:
    """A distribution of latencies in ms (the base class)."""

    mean_ms: float

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` latencies in ms (0 to :data:`MAX_SAMPLE`) from ``rng``."""
        if not isinstance(rng, np.random.Generator):
            raise _check.fail("rng", rng, "a numpy random Generator")
        return self._sample(rng, _check.integer("size", size, low=0, high=MAX_SAMPLE))

    def _sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        raise NotImplementedError

    def quantile(self, q: float) -> float:
        """The latency in ms below which a fraction ``q`` of requests finish."""
        raise NotImplementedError

    def scaled(self, factor: float) -> Latency:
        """The same shape, ``factor`` times slower."""
        raise NotImplementedError

    def _q(self, q: float) -> float:
        return _check.number("q", q, low=0.0, high=1.0, high_open=True)


class Fixed(Latency):
    """Every request takes exactly ``ms`` milliseconds."""

    def __init__(self, ms: float):
        self.mean_ms = _check.number("ms", ms, low=0.0)

    def _sample(self, rng, size):
        return np.full(size, self.mean_ms)

    def quantile(self, q):
        self._q(q)
        return self.mean_ms

    def scaled(self, factor):
        return Fixed(self.mean_ms * _check.number("factor", factor, low=0.0))

    def __repr__(self):
        return f"Fixed({self.mean_ms:g})"


class Exponential(Latency):
    """Exponentially distributed latencies with mean ``mean_ms``."""

    def __init__(self, mean_ms: float):
        self.mean_ms = _check.number("mean_ms", mean_ms, low=0.0, low_open=True)

    def _sample(self, rng, size):
        return rng.exponential(self.mean_ms, size)

    def quantile(self, q):
        return -self.mean_ms * math.log1p(-self._q(q))

    def scaled(self, factor):
        return Exponential(self.mean_ms * _check.number("factor", factor, low=0.0, low_open=True))

    def __repr__(self):
        return f"Exponential({self.mean_ms:g})"


class LogNormal(Latency):
    """Log-normal latencies with mean ``mean_ms`` and shape ``sigma``.

    ``sigma`` is the standard deviation of the latency's logarithm: 0.25 is a
    well-behaved service, 1.0 one with a heavy tail (p99 ≈ 4.5 × median).
    """

    def __init__(self, mean_ms: float, sigma: float = 0.5):
        self.mean_ms = _check.number("mean_ms", mean_ms, low=0.0, low_open=True)
        self.sigma = _check.number("sigma", sigma, low=0.0, high=3.0, low_open=True)
        self._mu = math.log(self.mean_ms) - self.sigma**2 / 2

    @property
    def median_ms(self) -> float:
        """The median latency in ms."""
        return math.exp(self._mu)

    def _sample(self, rng, size):
        return rng.lognormal(self._mu, self.sigma, size)

    def quantile(self, q):
        q = self._q(q)
        if q == 0.0:
            return 0.0
        return math.exp(self._mu + self.sigma * NormalDist().inv_cdf(q))

    def scaled(self, factor):
        factor = _check.number("factor", factor, low=0.0, low_open=True)
        return LogNormal(self.mean_ms * factor, self.sigma)

    def __repr__(self):
        return f"LogNormal({self.mean_ms:g}, sigma={self.sigma:g})"


def as_latency(value: object, name: str = "latency") -> Latency:
    """``value`` if it is a :class:`Latency`; a number ``x`` becomes ``Fixed(x)``."""
    if isinstance(value, Latency):
        return value
    return Fixed(_check.number(name, value, low=0.0))
