"""The simulation world: a clock in milliseconds, named random streams, limits.

A :class:`World` wraps a simpy ``Environment``. Time is measured in
**milliseconds** everywhere in the kit.

Randomness comes from *named streams*: ``world.rng("arrivals")`` is a numpy
``Generator`` derived from the world's seed and the stream's name only. Two
worlds with the same seed therefore draw the same arrivals and the same
service demands, whatever else they simulate. This is how the kit gives the
sync and the async checkout *common random numbers*: a difference between
the two runs is the architecture, not luck.

:meth:`World.draws` goes one step further: it gives a keyed sequence, so the
demand of order 17 at Payment is the same number however many other requests
came first.

Every run ends. :meth:`World.run` stops at the horizon or after
``max_events`` simulation events, whichever comes first, and says which.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Generator

import numpy as np
import simpy

from . import _check

__all__ = ["World", "Draws", "DEFAULT_MAX_EVENTS", "HOUR_MS", "MAX_HORIZON_MS"]

#: Events a run may process before it is cut short (a few seconds of work).
DEFAULT_MAX_EVENTS = 3_000_000
#: One hour in ms (the kit's usual cap on one delay: a timeout, a backoff, a redelivery).
HOUR_MS = 3600 * 1000.0
#: The longest horizon the kit accepts: 30 simulated days.
MAX_HORIZON_MS = 30 * 24 * 3600 * 1000.0

_BLOCK = 1024  # draws are made in blocks of this size, always in order


class Draws:
    """A keyed sequence of random numbers from one named stream.

    ``draws[k]`` is the same number for the same seed, stream name and ``k``,
    whatever order the keys are asked in: the stream is consumed in fixed
    blocks, always from the start.
    """

    __slots__ = ("_rng", "_sample", "values")

    def __init__(
        self, rng: np.random.Generator, sample: Callable[[np.random.Generator, int], np.ndarray]
    ):
        self._rng = rng
        self._sample = sample
        #: the draws made so far, in key order (grows in blocks; read, never write)
        self.values: list[float] = []

    def __getitem__(self, key: int) -> float:
        values = self.values
        while key >= len(values):
            values.extend(self._sample(self._rng, _BLOCK).tolist())
        return values[key]


class World:
    """The clock, the random streams and the limits of one simulation run.

    Parameters
    ----------
    seed:
        Seed of every random stream (a whole number ≥ 0).
    horizon_ms:
        Simulated time at which the run stops, in ms.
    max_events:
        Budget of simulation events; a run that would need more is cut short.
    """

    def __init__(
        self,
        seed: int = 0,
        horizon_ms: float = 60_000.0,
        max_events: int = DEFAULT_MAX_EVENTS,
    ):
        self.seed = _check.integer("seed", seed, low=0)
        self.horizon_ms = _check.number(
            "horizon_ms", horizon_ms, low=0.0, high=MAX_HORIZON_MS, low_open=True
        )
        self.max_events = _check.integer("max_events", max_events, low=1, high=10**9)
        self.env = simpy.Environment()
        self.events = 0
        #: Why the last run stopped: ``"horizon"``, ``"idle"`` or ``"event budget"``.
        self.stop_reason: str | None = None
        self._rngs: dict[str, np.random.Generator] = {}

    @property
    def now(self) -> float:
        """The current simulated time in ms."""
        return self.env.now

    def rng(self, name: str) -> np.random.Generator:
        """The random stream called ``name`` (created on first use)."""
        rng = self._rngs.get(name)
        if rng is None:
            key = zlib.crc32(name.encode("utf-8"))
            rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(key,)))
            self._rngs[name] = rng
        return rng

    def draws(self, name: str, sample: Callable[[np.random.Generator, int], np.ndarray]) -> Draws:
        """A keyed sequence of draws from stream ``name``; ``sample(rng, n)`` makes n of them."""
        return Draws(self.rng(name), sample)

    def uniforms(self, name: str) -> Draws:
        """Keyed uniform draws in [0, 1) from stream ``name``."""
        return Draws(self.rng(name), _uniform)

    def process(self, generator: Generator) -> simpy.Process:
        """Start a simpy process in this world."""
        return self.env.process(generator)

    def timeout(self, delay_ms: float) -> simpy.Timeout:
        """An event that fires after ``delay_ms``."""
        return self.env.timeout(delay_ms)

    def run(self) -> str:
        """Run until the horizon, the event budget, or until nothing is left to do.

        Returns (and stores in :attr:`stop_reason`) why the run stopped.
        """
        env = self.env
        step = env.step
        # simpy keeps its schedule in the heap ``_queue`` (time first); reading
        # it directly instead of calling ``env.peek()`` saves a call per event
        queue = env._queue
        horizon = self.horizon_ms
        budget = self.max_events - self.events
        done = 0
        inf = float("inf")
        while True:
            t = queue[0][0] if queue else inf
            if t > horizon:
                reason = "idle" if t == inf else "horizon"
                break
            if done >= budget:
                reason = "event budget"
                break
            step()
            done += 1
        self.events += done
        self.stop_reason = reason
        return reason


def _uniform(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.random(n)
