"""When requests arrive: Poisson streams, the same for the same random stream.

Both helpers draw exponential gaps (mean ``1000 / rate_per_s`` ms) from one
numpy ``Generator``, e.g. ``World(seed).rng("arrivals")``, so a seed fixes the
arrivals whatever else a run simulates (common random numbers).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["poisson_times", "poisson_arrivals"]


def poisson_times(rng: np.random.Generator, rate_per_s: float, duration_ms: float) -> np.ndarray:
    """Arrival times in [0, duration) of a Poisson stream (the same prefix for any duration)."""
    if rate_per_s == 0:
        return np.empty(0)
    mean_gap = 1000.0 / rate_per_s
    expected = duration_ms / mean_gap
    times = np.cumsum(rng.exponential(mean_gap, int(expected + 6 * math.sqrt(expected) + 20)))
    while times[-1] < duration_ms:  # practically never: more gaps, same stream
        more = np.cumsum(rng.exponential(mean_gap, 1024)) + times[-1]
        times = np.concatenate([times, more])
    return times[times < duration_ms]


def poisson_arrivals(rng: np.random.Generator, rate_per_s: float, n: int) -> np.ndarray:
    """The first ``n`` arrival times of a Poisson stream of ``rate_per_s`` (> 0)."""
    return np.cumsum(rng.exponential(1000.0 / rate_per_s, n))
